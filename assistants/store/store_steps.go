package store

import (
	"context"

	"github.com/r2kit/r2kit/assistants"

	"github.com/r2kit/r2kit/doc"
)

// Steps keeps a run's steps at steps/{thread}/{run}/{step}.json,
// each with a desc index marker. Every method validates the ids (ParseID
// with "thread_", "run_" and "step_") before they become keys, and every
// write validates the step first. Creating a step requires its run (and
// so its thread); like every create in a thread, it undoes itself if
// the thread is deleted meanwhile. Status changes follow
// CanTransitionStep (in_progress to a terminal status).
type Steps struct {
	s *DB
	k kind
}

func (st *Steps) ref(op, thread, run, id string) (ref, error) {
	key, err := StepKey(thread, run, id)
	if err != nil {
		return ref{}, invalidID(op, err)
	}
	return ref{id: id, key: key, marker: stepScope(thread, run).marker(id), what: entity{assistants.ObjectRunStep, id},
		parent: childKey(childDir(RunsPrefix, thread), run), parentWhat: entity{assistants.ObjectRun, run},
		thread: threadKey(thread), threadWhat: entity{assistants.ObjectThread, thread}}, nil
}

func stepKeyOf(s *assistants.RunStep) (string, error) { return StepKey(s.ThreadID, s.RunID, s.ID) }

// stepGuard allows the status changes of CanTransitionStep.
func stepGuard(before *assistants.RunStep) func(*assistants.RunStep) error {
	from, id := before.Status, before.ID
	return func(after *assistants.RunStep) error {
		if after.Status != from && !assistants.CanTransitionStep(from, after.Status) {
			return &assistants.TransitionError{Object: "run step", ID: id, From: string(from), To: string(after.Status)}
		}
		return nil
	}
}

// Get returns step id of run of thread. A missing (or expired) step is
// a *NotFoundError (matching ErrNotFound).
func (st *Steps) Get(ctx context.Context, thread, run, id string) (*doc.Doc[assistants.RunStep], error) {
	r, err := st.ref("get run step", thread, run, id)
	if err != nil {
		return nil, err
	}
	return getEntity[assistants.RunStep](ctx, st.k, r)
}

// Exists reports whether a live step id exists in run of thread.
func (st *Steps) Exists(ctx context.Context, thread, run, id string) (bool, error) {
	r, err := st.ref("stat run step", thread, run, id)
	if err != nil {
		return false, err
	}
	return existsEntity(ctx, st.k, r)
}

// Put writes s, creating it (its run must exist) or replacing it (the
// status change checked).
func (st *Steps) Put(ctx context.Context, s assistants.RunStep) (*doc.Doc[assistants.RunStep], error) {
	r, err := st.ref("put run step", s.ThreadID, s.RunID, s.ID)
	if err != nil {
		return nil, err
	}
	return put(ctx, st.k, "put run step", r, s, stepGuard, func() (*doc.Doc[assistants.RunStep], error) {
		return create(ctx, st.k, "put run step", r, s, createOnly, createOptions{})
	})
}

// PutIf writes s only if the current step's ETag is etag, or, with etag
// "", only if there is none (create). A lost race is an error matching
// doc.ErrConflict.
func (st *Steps) PutIf(ctx context.Context, s assistants.RunStep, etag string) (*doc.Doc[assistants.RunStep], error) {
	r, err := st.ref("putif run step", s.ThreadID, s.RunID, s.ID)
	if err != nil {
		return nil, err
	}
	if etag == "" {
		return create(ctx, st.k, "create run step", r, s, createOnly, createOptions{})
	}
	return replace(ctx, st.k, "putif run step", r, s, etag, stepGuard)
}

// Update applies fn to step id of run of thread and writes the result
// conditionally, retrying after conflicts. It does not create: a missing
// step is a *NotFoundError (matching ErrNotFound).
func (st *Steps) Update(ctx context.Context, thread, run, id string, fn func(*assistants.RunStep) error) (*doc.Doc[assistants.RunStep], error) {
	r, err := st.ref("update run step", thread, run, id)
	if err != nil {
		return nil, err
	}
	return update(ctx, st.k, "update run step", r, stepKeyOf, stepGuard, fn)
}

// Transition moves step id to status to (RunStep.Transition at the
// DB's clock), then applies fn (may be nil), in one Update.
func (st *Steps) Transition(ctx context.Context, thread, run, id string, to assistants.StepStatus, fn func(*assistants.RunStep) error) (*doc.Doc[assistants.RunStep], error) {
	return st.Update(ctx, thread, run, id, func(s *assistants.RunStep) error {
		if err := s.Transition(to, st.s.unixNow()); err != nil {
			return err
		}
		if fn != nil {
			return fn(s)
		}
		return nil
	})
}

// Delete removes step id of run of thread, then its index marker; with
// etag set, only if its ETag is etag. A missing step is an error
// matching ErrNotFound.
func (st *Steps) Delete(ctx context.Context, thread, run, id, etag string) error {
	r, err := st.ref("delete run step", thread, run, id)
	if err != nil {
		return err
	}
	return remove(ctx, st.k, r, etag)
}

// List returns a page of the steps of run of thread, newest first by
// default. A missing run is a *NotFoundError (matching ErrNotFound).
func (st *Steps) List(ctx context.Context, thread, run string, p assistants.ListParams) (assistants.List[assistants.RunStep], error) {
	const op = "list run steps"
	rk, err := RunKey(thread, run)
	if err != nil {
		return assistants.List[assistants.RunStep]{}, invalidID(op, err)
	}
	lp, err := p.Normalize(assistants.PrefixStep)
	if err != nil {
		return assistants.List[assistants.RunStep]{}, invalidParams(op, err)
	}
	return listPage(ctx, st.s, op, query[assistants.RunStep]{
		sc: stepScope(thread, run), p: lp,
		parent: rk, parentWhat: entity{assistants.ObjectRun, run},
		idOf: func(s *assistants.RunStep) string { return s.ID },
	})
}

package assistants

import (
	"context"

	"github.com/r2kit/r2kit/doc"
)

// StepStore keeps a run's steps at steps/{thread}/{run}/{step}.json,
// each with a desc index marker. Every method validates the ids (ParseID
// with "thread_", "run_" and "step_") before they become keys, and every
// write validates the step first. Creating a step requires its run (and
// so its thread); like every create in a thread, it undoes itself if
// the thread is deleted meanwhile. Status changes follow
// CanTransitionStep (in_progress to a terminal status).
type StepStore struct {
	s *Store
	k kind
}

func (st *StepStore) ref(op, thread, run, id string) (ref, error) {
	key, err := StepKey(thread, run, id)
	if err != nil {
		return ref{}, invalidID(op, err)
	}
	return ref{id: id, key: key, marker: stepScope(thread, run).marker(id),
		parent: RunsPrefix + thread + "/" + run + JSONExt, parentWhat: "run " + run + " of thread " + thread,
		thread: ThreadsPrefix + thread + JSONExt, threadWhat: "thread " + thread}, nil
}

func stepKeyOf(s *RunStep) (string, error) { return StepKey(s.ThreadID, s.RunID, s.ID) }

// stepGuard allows the status changes of CanTransitionStep.
func stepGuard(before *RunStep) func(*RunStep) error {
	from, id := before.Status, before.ID
	return func(after *RunStep) error {
		if after.Status != from && !CanTransitionStep(from, after.Status) {
			return &TransitionError{Object: "run step", ID: id, From: string(from), To: string(after.Status)}
		}
		return nil
	}
}

// Get returns step id of run of thread. A missing (or expired) step is
// an error matching doc.ErrNotFound.
func (st *StepStore) Get(ctx context.Context, thread, run, id string) (*doc.Doc[RunStep], error) {
	r, err := st.ref("get run step", thread, run, id)
	if err != nil {
		return nil, err
	}
	return getEntity[RunStep](ctx, st.k, r)
}

// Exists reports whether a live step id exists in run of thread.
func (st *StepStore) Exists(ctx context.Context, thread, run, id string) (bool, error) {
	r, err := st.ref("stat run step", thread, run, id)
	if err != nil {
		return false, err
	}
	return existsEntity(ctx, st.k, r)
}

// Put writes s, creating it (its run must exist) or replacing it (the
// status change checked).
func (st *StepStore) Put(ctx context.Context, s RunStep) (*doc.Doc[RunStep], error) {
	r, err := st.ref("put run step", s.ThreadID, s.RunID, s.ID)
	if err != nil {
		return nil, err
	}
	return put(ctx, st.k, "put run step", r, s, stepGuard, func() (*doc.Doc[RunStep], error) {
		return create(ctx, st.k, "put run step", r, s, createOnly)
	})
}

// PutIf writes s only if the current step's ETag is etag, or, with etag
// "", only if there is none (create). A lost race is an error matching
// doc.ErrConflict.
func (st *StepStore) PutIf(ctx context.Context, s RunStep, etag string) (*doc.Doc[RunStep], error) {
	r, err := st.ref("putif run step", s.ThreadID, s.RunID, s.ID)
	if err != nil {
		return nil, err
	}
	if etag == "" {
		return create(ctx, st.k, "create run step", r, s, createOnly)
	}
	return replace(ctx, st.k, "putif run step", r, s, etag, stepGuard)
}

// Update applies fn to step id of run of thread and writes the result
// conditionally, retrying after conflicts. It does not create: a missing
// step is an error matching doc.ErrNotFound.
func (st *StepStore) Update(ctx context.Context, thread, run, id string, fn func(*RunStep) error) (*doc.Doc[RunStep], error) {
	r, err := st.ref("update run step", thread, run, id)
	if err != nil {
		return nil, err
	}
	return update(ctx, st.k, "update run step", r, stepKeyOf, stepGuard, fn)
}

// Transition moves step id to status to (RunStep.Transition at the
// Store's clock), then applies fn (may be nil), in one Update.
func (st *StepStore) Transition(ctx context.Context, thread, run, id string, to StepStatus, fn func(*RunStep) error) (*doc.Doc[RunStep], error) {
	return st.Update(ctx, thread, run, id, func(s *RunStep) error {
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
// matching doc.ErrNotFound.
func (st *StepStore) Delete(ctx context.Context, thread, run, id, etag string) error {
	r, err := st.ref("delete run step", thread, run, id)
	if err != nil {
		return err
	}
	return remove(ctx, st.k, r, etag)
}

// List returns a page of the steps of run of thread, newest first by
// default. A missing run is an error matching doc.ErrNotFound.
func (st *StepStore) List(ctx context.Context, thread, run string, p ListParams) (List[RunStep], error) {
	const op = "list run steps"
	rk, err := RunKey(thread, run)
	if err != nil {
		return List[RunStep]{}, invalidID(op, err)
	}
	lp, err := p.Normalize(PrefixStep)
	if err != nil {
		return List[RunStep]{}, invalidParams(op, err)
	}
	return listPage(ctx, st.s, op, query[RunStep]{
		sc: stepScope(thread, run), p: lp,
		parent: rk, parentWhat: "run " + run + " of thread " + thread,
		idOf: func(s *RunStep) string { return s.ID },
	})
}

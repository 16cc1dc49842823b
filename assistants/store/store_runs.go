package store

import (
	"context"
	"errors"

	"github.com/r2kit/r2kit/assistants"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
)

// Runs keeps a thread's runs at runs/{thread}/{run}.json, each with
// a desc index marker. Every method validates the ids (ParseID with
// "thread_" and "run_") before they become keys, and every write
// validates the run first.
//
// Status changes follow the v2 state machine (CanTransition): every
// write that changes a run's status is checked against the stored
// status, and a forbidden change is a *TransitionError (matching
// ErrInvalidTransition) that writes nothing. A thread has at most one
// active run, enforced by the active-run lock (see runlock.go): creating
// an active run while another is active fails with an *ActiveRunError
// naming it, and a run that reaches a terminal status releases the lock.
type Runs struct {
	s *DB
	k kind
}

func (st *Runs) ref(op, thread, id string) (ref, error) {
	key, err := RunKey(thread, id)
	if err != nil {
		return ref{}, invalidID(op, err)
	}
	tk := threadKey(thread)
	what := entity{assistants.ObjectThread, thread}
	return ref{id: id, key: key, what: entity{assistants.ObjectRun, id}, marker: runScope(thread).marker(id),
		parent: tk, parentWhat: what, thread: tk, threadWhat: what}, nil
}

func runKeyOf(r *assistants.Run) (string, error) { return RunKey(r.ThreadID, r.ID) }

func storedRunKeyOf(r *storedRun) (string, error) { return runKeyOf(&r.Run) }

// runGuard allows the status changes of CanTransition.
func runGuard(before *storedRun) func(*storedRun) error {
	from, id := before.Status, before.ID
	return func(after *storedRun) error {
		if after.Status != from && !assistants.CanTransition(from, after.Status) {
			return &assistants.TransitionError{Object: "run", ID: id, From: string(from), To: string(after.Status)}
		}
		return nil
	}
}

// runDoc returns the run of a stored run document. Runs are written as
// storedRun (with their lease) and handed out as Run.
func runDoc(d *doc.Doc[storedRun]) *doc.Doc[assistants.Run] {
	if d == nil {
		return nil
	}
	return &doc.Doc[assistants.Run]{Key: d.Key, Value: d.Value.Run, ETag: d.ETag, ExpiresAt: d.ExpiresAt, Metadata: d.Metadata}
}

// Get returns run id of thread. A missing (or expired) run is an error
// matching ErrNotFound.
func (st *Runs) Get(ctx context.Context, thread, id string) (*doc.Doc[assistants.Run], error) {
	r, err := st.ref("get run", thread, id)
	if err != nil {
		return nil, err
	}
	d, err := getEntity[storedRun](ctx, st.k, r)
	return runDoc(d), err
}

// GetLeased returns run id of thread with its lease (the zero Lease if
// none): what a worker reads to decide whether it may claim the run.
func (st *Runs) GetLeased(ctx context.Context, thread, id string) (*doc.Doc[assistants.Run], Lease, error) {
	r, err := st.ref("get run", thread, id)
	if err != nil {
		return nil, Lease{}, err
	}
	d, err := getEntity[storedRun](ctx, st.k, r)
	if err != nil {
		return nil, Lease{}, err
	}
	return runDoc(d), d.Value.Lease, nil
}

// Exists reports whether a live run id exists in thread.
func (st *Runs) Exists(ctx context.Context, thread, id string) (bool, error) {
	r, err := st.ref("stat run", thread, id)
	if err != nil {
		return false, err
	}
	return existsEntity(ctx, st.k, r)
}

// Active returns thread's active run, if it has one.
func (st *Runs) Active(ctx context.Context, thread string) (run string, ok bool, err error) {
	if err := assistants.ParseID(assistants.PrefixThread, thread); err != nil {
		return "", false, invalidID("active run", err)
	}
	return st.s.holder(ctx, thread)
}

// Create writes a new run (create-only: an existing id is an error
// matching doc.ErrConflict). A run in an active status takes its
// thread's active-run lock first; if another run holds it, Create fails
// with an error matching ErrActiveRun (an *ActiveRunError naming the
// active run) and writes nothing. A run created in a terminal status
// (an import) takes no lock. The thread must exist (else an error
// matching ErrNotFound).
//
// Cost of an active run: a Stat of the thread, a Stat and a PUT of the
// lock, a PUT of the marker, a Stat and a PUT of the run, then a Stat
// of the thread and a Get of the lock to check both are still as they
// were.
func (st *Runs) Create(ctx context.Context, run assistants.Run) (*doc.Doc[assistants.Run], error) {
	const op = "create run"
	r, err := st.ref(op, run.ThreadID, run.ID)
	if err != nil {
		return nil, err
	}
	if err := validateValue(op, r.key, &run); err != nil {
		return nil, err
	}
	s := st.s
	if err := s.requireLive(ctx, op, r.key, r.parent, r.parentWhat); err != nil {
		return nil, err
	}
	thread := run.ThreadID
	lockETag, fresh := "", false
	if run.Status.IsActive() {
		if lockETag, fresh, err = s.acquire(ctx, op, r.key, thread, run.ID); err != nil {
			return nil, err
		}
	}
	unlock := func() {
		if fresh {
			_ = doc.Delete(context.WithoutCancel(ctx), s.docs, lockKey(thread), lockETag)
		}
	}
	if err := s.putMarker(ctx, op, r.key, r.marker); err != nil {
		unlock()
		return nil, err
	}
	sd, err := doc.PutIf(ctx, s.docs, r.key, storedRun{Run: run}, "", st.k.writeOptions())
	if err != nil {
		unlock()
		return nil, err
	}
	d := runDoc(sd)
	var after func(context.Context) error
	if lockETag != "" {
		after = func(ctx context.Context) error { return st.checkHolder(ctx, op, r, thread, run.ID) }
	}
	if err := s.checkAfterWrite(ctx, op, r, after); err != nil {
		if d, err = refuse(ctx, s, r, d, err); err != nil {
			unlock()
		}
		return d, err
	}
	return d, nil
}

// checkHolder reads the lock back after a run was written and refuses
// the run if the lock names another run (taken over while this create
// stalled).
func (st *Runs) checkHolder(ctx context.Context, op string, r ref, thread, run string) error {
	cur, err := doc.Get[activeRunLock](ctx, st.s.docs, lockKey(thread))
	holder := ""
	switch {
	case err == nil:
		holder = cur.Value.RunID
	case !errors.Is(err, storage.ErrNotFound):
		return storage.Wrap(op, r.key, nil, err)
	}
	if holder == run {
		return nil
	}
	if holder == "" {
		return storage.Errorf(op, r.key, doc.ErrConflict, "the active-run lock of thread %s vanished while the run was created", thread)
	}
	return storage.Wrap(op, r.key, nil, &ActiveRunError{ThreadID: thread, RunID: holder})
}

// Put writes run: Create if it does not exist, else a replace whose
// status change is checked against the stored run (and that releases
// the lock if the run becomes terminal).
func (st *Runs) Put(ctx context.Context, run assistants.Run) (*doc.Doc[assistants.Run], error) {
	r, err := st.ref("put run", run.ThreadID, run.ID)
	if err != nil {
		return nil, err
	}
	d, err := put(ctx, st.k, "put run", r, storedRun{Run: run}, runGuard, func() (*doc.Doc[storedRun], error) {
		d, err := st.Create(ctx, run)
		if err != nil {
			return nil, err
		}
		return &doc.Doc[storedRun]{Key: d.Key, Value: storedRun{Run: d.Value}, ETag: d.ETag, ExpiresAt: d.ExpiresAt, Metadata: d.Metadata}, nil
	})
	return st.afterWrite(ctx, runDoc(d), err)
}

// PutIf writes run only if the current run's ETag is etag (the status
// change checked), or, with etag "", creates it (Create). A lost race
// is an error matching doc.ErrConflict.
func (st *Runs) PutIf(ctx context.Context, run assistants.Run, etag string) (*doc.Doc[assistants.Run], error) {
	if etag == "" {
		return st.Create(ctx, run)
	}
	r, err := st.ref("putif run", run.ThreadID, run.ID)
	if err != nil {
		return nil, err
	}
	d, err := replace(ctx, st.k, "putif run", r, storedRun{Run: run}, etag, runGuard)
	return st.afterWrite(ctx, runDoc(d), err)
}

// Update applies fn to run id of thread and writes the result
// conditionally, retrying after conflicts: each status change is one
// such conditional write, checked against the state machine. The run's
// lease is kept as it is (see UpdateLeased). It does not create: a missing run is a *NotFoundError (matching ErrNotFound). If the
// run ends terminal, the thread's active-run lock is released. fn may
// be called more than once; it must not change the ids.
func (st *Runs) Update(ctx context.Context, thread, id string, fn func(*assistants.Run) error) (*doc.Doc[assistants.Run], error) {
	r, err := st.ref("update run", thread, id)
	if err != nil {
		return nil, err
	}
	d, err := update(ctx, st.k, "update run", r, storedRunKeyOf, runGuard, func(s *storedRun) error { return fn(&s.Run) })
	return st.afterWrite(ctx, runDoc(d), err)
}

// UpdateLeased is Update with the run's lease: fn sees and may change
// it, and it is written with the run, so a check of the lease in fn
// makes the write conditional on it (the fencing of the worker
// protocol, see the runner package). It returns the run and the lease
// as written.
func (st *Runs) UpdateLeased(ctx context.Context, thread, id string, fn func(*assistants.Run, *Lease) error) (*doc.Doc[assistants.Run], Lease, error) {
	r, err := st.ref("update run", thread, id)
	if err != nil {
		return nil, Lease{}, err
	}
	d, err := update(ctx, st.k, "update run", r, storedRunKeyOf, runGuard, func(s *storedRun) error { return fn(&s.Run, &s.Lease) })
	var l Lease
	if d != nil {
		l = d.Value.Lease
	}
	rd, err := st.afterWrite(ctx, runDoc(d), err)
	return rd, l, err
}

// Transition moves run id of thread to status to (Run.Transition at the
// DB's clock, which keeps the timestamps consistent), then applies
// fn (may be nil) to set what goes with it (last_error, usage,
// required_action ...), in one Update.
func (st *Runs) Transition(ctx context.Context, thread, id string, to assistants.RunStatus, fn func(*assistants.Run) error) (*doc.Doc[assistants.Run], error) {
	return st.Update(ctx, thread, id, func(r *assistants.Run) error {
		if err := r.Transition(to, st.s.unixNow()); err != nil {
			return err
		}
		if fn != nil {
			return fn(r)
		}
		return nil
	})
}

// afterWrite releases the lock of a run that a write made terminal and
// settles its open steps (see settleSteps). The write stands even if
// these fail (a stale lock is taken over by the next create; an open
// step is settled by the next terminal write or stays in_progress).
func (st *Runs) afterWrite(ctx context.Context, d *doc.Doc[assistants.Run], err error) (*doc.Doc[assistants.Run], error) {
	if err == nil && d.Value.Status.IsTerminal() {
		ctx := context.WithoutCancel(ctx)
		_ = st.s.release(ctx, d.Value.ThreadID, d.Value.ID)
		_ = st.settleSteps(ctx, &d.Value)
	}
	return d, err
}

// stepEnd is the status an open step takes when its run ends with a
// status other than completed.
var stepEnd = map[assistants.RunStatus]assistants.StepStatus{
	assistants.RunCancelled: assistants.StepCancelled,
	assistants.RunExpired:   assistants.StepExpired,
	assistants.RunFailed:    assistants.StepFailed,
}

// settleSteps ends the steps of a cancelled, expired or failed run that
// are still in_progress (a tool_calls step waiting for outputs, a turn
// cut short) with the run's status, at the run's end time, as OpenAI
// does; a failed run's last_error goes to its steps. A completed or
// incomplete run's steps are the executor's to end.
func (st *Runs) settleSteps(ctx context.Context, r *assistants.Run) error {
	to, ok := stepEnd[r.Status]
	if !ok {
		return nil
	}
	at := st.s.unixNow()
	if t := map[assistants.StepStatus]*int64{assistants.StepCancelled: r.CancelledAt, assistants.StepFailed: r.FailedAt}[to]; t != nil {
		at = *t
	}
	var lastErr *assistants.LastError
	if to == assistants.StepFailed && r.LastError != nil {
		// A step's last_error has the codes server_error and
		// rate_limit_exceeded only.
		lastErr = &assistants.LastError{Code: assistants.ErrorCodeServerError, Message: r.LastError.Message}
		if r.LastError.Code == assistants.ErrorCodeRateLimitExceeded {
			lastErr.Code = r.LastError.Code
		}
	}
	p := assistants.ListParams{Limit: assistants.MaxListLimit, Order: assistants.OrderAsc}
	for {
		page, err := st.s.Steps.List(ctx, r.ThreadID, r.ID, p)
		if err != nil {
			return err
		}
		for _, step := range page.Data {
			if step.Status != assistants.StepInProgress {
				continue
			}
			_, err := st.s.Steps.Update(ctx, r.ThreadID, r.ID, step.ID, func(s *assistants.RunStep) error {
				if s.Status != assistants.StepInProgress {
					return nil
				}
				if err := s.Transition(to, at); err != nil {
					return err
				}
				if lastErr != nil {
					s.LastError = lastErr
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if !page.HasMore {
			return nil
		}
		p.After = *page.LastID
	}
}

// Delete removes run id of thread, its index marker and its run steps,
// and releases the thread's lock if the run held it; with etag set,
// only if the run's ETag is etag. A missing run is an error matching
// ErrNotFound. (The API cannot delete runs; thread deletion removes
// them.)
func (st *Runs) Delete(ctx context.Context, thread, id, etag string) error {
	r, err := st.ref("delete run", thread, id)
	if err != nil {
		return err
	}
	if err := remove(ctx, st.k, r, etag); err != nil {
		return err
	}
	sc := stepScope(thread, id)
	for _, p := range []string{sc.dir, sc.indexDir()} {
		if _, err := st.s.deletePrefix(ctx, p); err != nil {
			return storage.Wrap("delete run", r.key, nil, err)
		}
	}
	return st.s.release(ctx, thread, id)
}

// List returns a page of thread's runs, newest first by default. A
// missing thread is a *NotFoundError (matching ErrNotFound).
func (st *Runs) List(ctx context.Context, thread string, p assistants.ListParams) (assistants.List[assistants.Run], error) {
	const op = "list runs"
	if err := assistants.ParseID(assistants.PrefixThread, thread); err != nil {
		return assistants.List[assistants.Run]{}, invalidID(op, err)
	}
	lp, err := p.Normalize(assistants.PrefixRun)
	if err != nil {
		return assistants.List[assistants.Run]{}, invalidParams(op, err)
	}
	page, err := listPage(ctx, st.s, op, query[storedRun]{
		sc: runScope(thread), p: lp,
		parent: threadKey(thread), parentWhat: entity{assistants.ObjectThread, thread},
		idOf: func(r *storedRun) string { return r.ID },
	})
	if err != nil {
		return assistants.List[assistants.Run]{}, err
	}
	runs := make([]assistants.Run, len(page.Data))
	for i := range page.Data {
		runs[i] = page.Data[i].Run
	}
	return assistants.List[assistants.Run]{Data: runs, FirstID: page.FirstID, LastID: page.LastID, HasMore: page.HasMore}, nil
}

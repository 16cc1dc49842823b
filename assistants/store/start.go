package store

import (
	"context"
	"errors"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/doc"
)

// Start creates the run that req asks for in thread: the assistant
// req.AssistantID is read, the run built from it and the request
// (RunCreateRequest.NewRun: the assistant's defaults where the request
// leaves a member out) and created queued, taking the thread's
// active-run lock (Create); then req.AdditionalMessages are added to the
// thread, in order. If a message cannot be written, the run is deleted
// again (releasing the lock) and the error returned. A missing thread
// or assistant is a *NotFoundError; a thread with an active run an
// *ActiveRunError. Nothing is executed: hand the run to a worker (see
// the runner package).
func (st *Runs) Start(ctx context.Context, thread string, req *assistants.RunCreateRequest) (*doc.Doc[assistants.Run], error) {
	run, err := st.s.newRun(ctx, thread, req)
	if err != nil {
		return nil, err
	}
	d, err := st.Create(ctx, run)
	if err != nil {
		return nil, err
	}
	for i := range req.AdditionalMessages {
		if _, err := st.s.Messages.create(ctx, thread, &req.AdditionalMessages[i], run.ID); err != nil {
			st.abandon(ctx, thread, run.ID)
			return nil, err
		}
	}
	return d, nil
}

// StartThread creates a thread from treq and the run rreq asks for in
// it (Threads.Create, then Runs.Start without additional messages). The
// assistant is read and the run checked before anything is written; if
// the run cannot be written, the thread is deleted again.
func (s *DB) StartThread(ctx context.Context, treq *assistants.ThreadCreateRequest, rreq *assistants.RunCreateRequest) (*doc.Doc[assistants.Thread], *doc.Doc[assistants.Run], error) {
	// The thread's id is known once it is written: the run is checked
	// first with a stand-in.
	run, err := s.newRun(ctx, "thread_pending", rreq)
	if err != nil {
		return nil, nil, err
	}
	if err := treq.Validate(); err != nil {
		return nil, nil, invalidParams("create thread", err)
	}
	t, err := s.Threads.Create(ctx, treq)
	if err != nil {
		return nil, nil, err
	}
	run.ThreadID = t.Value.ID
	d, err := s.Runs.Create(ctx, run)
	if err != nil {
		_ = retryTransient(context.WithoutCancel(ctx), func(ctx context.Context) error {
			if err := s.Threads.Delete(ctx, t.Value.ID, ""); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			return nil
		})
		return nil, nil, err
	}
	return t, d, nil
}

// newRun checks req, reads its assistant and builds the run.
func (s *DB) newRun(ctx context.Context, thread string, req *assistants.RunCreateRequest) (assistants.Run, error) {
	const op = "create run"
	if err := req.Validate(); err != nil {
		return assistants.Run{}, invalidParams(op, err)
	}
	a, err := s.Assistants.Get(ctx, req.AssistantID)
	if err != nil {
		return assistants.Run{}, err
	}
	run, err := req.NewRun(&a.Value, thread, s.unixNow())
	if err != nil {
		return assistants.Run{}, invalidParams(op, err)
	}
	if err := run.Validate(); err != nil {
		return assistants.Run{}, invalidParams(op, err)
	}
	return run, nil
}

// abandon deletes a run whose creation could not be completed,
// releasing the thread's lock; transient failures are retried.
func (st *Runs) abandon(ctx context.Context, thread, run string) {
	_ = retryTransient(context.WithoutCancel(ctx), func(ctx context.Context) error {
		if err := st.Delete(ctx, thread, run, ""); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		return nil
	})
}

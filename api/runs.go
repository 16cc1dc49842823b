package api

import (
	"net/http"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
)

// runPath reads the thread_id and run_id of a run route.
func runPath(r *http.Request) (thread, run string, err error) {
	if thread, err = PathID(r, "thread_id", assistants.PrefixThread); err != nil {
		return "", "", err
	}
	run, err = PathID(r, "run_id", assistants.PrefixRun)
	return thread, run, err
}

// createRun: POST /v1/threads/{thread_id}/runs. The run is written
// queued, taking the thread's active-run slot (a thread with an active
// run answers 400), with the additional messages after it; then the
// executor gets it (see RunExecutor). A missing thread or assistant is
// 404.
//
// The files the additional messages attach for file_search go to the
// thread's vector store first (attachFiles), as for a message create:
// when the run and its messages are written, the files are in the
// store. A thread with an active run is refused before that (and again
// by the run's create). If attaching fails, nothing else is written.
func (s *Server) createRun(w http.ResponseWriter, r *http.Request) error {
	thread, err := PathID(r, "thread_id", assistants.PrefixThread)
	if err != nil {
		return err
	}
	var q assistants.RunCreateRequest
	if err := DecodeJSON(r, &q); err != nil {
		return err
	}
	how, err := s.checkRunRequest(r, &q)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if files := fileSearchFiles(q.AdditionalMessages); len(files) > 0 {
		run, active, err := s.store.Runs.Active(ctx, thread)
		if err != nil {
			return err
		}
		if active {
			return &store.ActiveRunError{ThreadID: thread, RunID: run, Adding: assistants.ObjectRun}
		}
		if err := s.attachToThread(ctx, thread, files); err != nil {
			return err
		}
	}
	d, err := s.store.Runs.Start(ctx, thread, &q)
	if err != nil {
		return err
	}
	return s.startRun(w, r, d.Value, how, nil)
}

// getRun: GET /v1/threads/{thread_id}/runs/{run_id}.
func (s *Server) getRun(w http.ResponseWriter, r *http.Request) error {
	thread, id, err := runPath(r)
	if err != nil {
		return err
	}
	d, err := s.store.Runs.Get(r.Context(), thread, id)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, d.Value)
}

// modifyRun: POST /v1/threads/{thread_id}/runs/{run_id} (metadata only).
func (s *Server) modifyRun(w http.ResponseWriter, r *http.Request) error {
	thread, id, err := runPath(r)
	if err != nil {
		return err
	}
	var q metadataRequest
	if err := DecodeJSON(r, &q); err != nil {
		return err
	}
	d, err := s.store.Runs.Update(r.Context(), thread, id, func(run *assistants.Run) error {
		if q.Metadata != nil {
			run.Metadata = q.Metadata
		}
		return nil
	})
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, d.Value)
}

// listRuns: GET /v1/threads/{thread_id}/runs. A missing thread is 404.
func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) error {
	thread, err := PathID(r, "thread_id", assistants.PrefixThread)
	if err != nil {
		return err
	}
	p, err := ParseList(r, assistants.PrefixRun)
	if err != nil {
		return err
	}
	l, err := s.store.Runs.List(r.Context(), thread, p)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, l)
}

// cancelRun: POST /v1/threads/{thread_id}/runs/{run_id}/cancel. A
// queued run is cancelled at once; an in_progress or requires_action
// run becomes cancelling, and the executor finishes the cancellation; a
// cancelling run is answered as it is. A run in a terminal status
// cannot be cancelled (400).
func (s *Server) cancelRun(w http.ResponseWriter, r *http.Request) error {
	thread, id, err := runPath(r)
	if err != nil {
		return err
	}
	var none struct{}
	if err := DecodeJSON(r, &none); err != nil {
		return err
	}
	d, err := s.store.Runs.Update(r.Context(), thread, id, func(run *assistants.Run) error {
		switch run.Status {
		case assistants.RunQueued:
			return run.Transition(assistants.RunCancelled, s.unixNow())
		case assistants.RunInProgress, assistants.RunRequiresAction:
			return run.Transition(assistants.RunCancelling, s.unixNow())
		case assistants.RunCancelling:
			return nil
		}
		return InvalidRequest("", "Cannot cancel run with status '%s'.", run.Status)
	})
	if err != nil {
		return err
	}
	if d.Value.Status == assistants.RunCancelling && s.cfg.Runs != nil {
		// Wake the executor: a run waiting for tool outputs has nobody
		// working on it to notice the cancellation.
		if err := s.cfg.Runs.Enqueue(r.Context(), thread, id); err != nil {
			s.log.Warn("enqueue cancelled run", "thread_id", thread, "run_id", id, "error", err)
		}
	}
	return WriteJSON(w, http.StatusOK, d.Value)
}

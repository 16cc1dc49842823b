package api

import (
	"context"
	"net/http"

	"github.com/r2kit/r2kit/assistants"
)

// event is one server-sent event: its name and its data object.
type event struct {
	name string
	data any
}

// startRun hands a run that was just written queued to the executor
// and answers the request: with the run as written (Enqueue, or no
// executor), or with the stream (prelude first, then Stream's events;
// its run steps with file_search results' content if
// how.stepContent). A failed Enqueue marks the run failed and answers
// the error.
func (s *Server) startRun(w http.ResponseWriter, r *http.Request, run assistants.Run, how runAnswer, prelude []event) error {
	if how.stream {
		return s.streamRun(w, r, run.ThreadID, run.ID, how.stepContent, prelude)
	}
	if s.cfg.Runs != nil {
		if err := s.cfg.Runs.Enqueue(r.Context(), run.ThreadID, run.ID); err != nil {
			s.failRun(r, run, "The run could not be scheduled for execution.")
			return err
		}
	}
	return WriteJSON(w, http.StatusOK, run)
}

// failRun marks a queued run failed with a server_error, so that it
// does not wait forever for an executor that never got it. A failure
// to do so is logged: the run then expires.
func (s *Server) failRun(r *http.Request, run assistants.Run, msg string) {
	ctx := context.WithoutCancel(r.Context())
	_, err := s.store.Runs.Transition(ctx, run.ThreadID, run.ID, assistants.RunFailed, func(cur *assistants.Run) error {
		cur.LastError = &assistants.LastError{Code: assistants.ErrorCodeServerError, Message: msg}
		return nil
	})
	if err != nil {
		s.log.ErrorContext(ctx, "could not mark a run failed", "thread_id", run.ThreadID, "run_id", run.ID,
			"request_id", RequestID(ctx), "error", err.Error())
	}
}

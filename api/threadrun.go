package api

import (
	"context"
	"net/http"

	"github.com/r2kit/r2kit/assistants"
)

// threadAndRunRequest is the body of POST /v1/threads/runs: a run
// request, the thread to create (optional) and tool_resources, which go
// to the thread unless the thread request has its own.
type threadAndRunRequest struct {
	runRequest
	Thread        *assistants.ThreadCreateRequest `json:"thread,omitempty"`
	ToolResources *assistants.ToolResources       `json:"tool_resources,omitempty"`
}

// createThreadAndRun: POST /v1/threads/runs. The assistant is read and
// the request checked before anything is written; then the thread is
// created with its messages, and the run in it (if the run cannot be
// written, the thread is deleted again). A stream starts with
// "thread.created".
func (s *Server) createThreadAndRun(w http.ResponseWriter, r *http.Request) error {
	var q threadAndRunRequest
	if err := DecodeJSON(r, &q); err != nil {
		return err
	}
	stream, err := s.checkRunRequest(r, &q.runRequest)
	if err != nil {
		return err
	}
	tq := q.Thread
	if tq == nil {
		tq = &assistants.ThreadCreateRequest{}
	}
	if tq.ToolResources == nil {
		tq.ToolResources = q.ToolResources
	}
	if err := tq.Validate(); err != nil {
		return nestParam("thread", err)
	}
	ctx := r.Context()
	a, err := s.store.Assistants.Get(ctx, q.AssistantID)
	if err != nil {
		return err
	}
	// The thread's id is known once it is written: the run is checked
	// first with a stand-in.
	run, err := q.run(&a.Value, "thread_pending", s.unixNow())
	if err != nil {
		return err
	}
	if err := run.Validate(); err != nil {
		return err
	}
	t, err := s.store.Threads.Create(ctx, tq)
	if err != nil {
		return err
	}
	run.ThreadID = t.Value.ID
	d, err := s.store.Runs.Create(ctx, run)
	if err != nil {
		if derr := s.store.Threads.Delete(context.WithoutCancel(ctx), t.Value.ID, ""); derr != nil {
			s.log.ErrorContext(ctx, "could not delete the thread of a failed create thread and run",
				"thread_id", t.Value.ID, "request_id", RequestID(ctx), "error", derr.Error())
		}
		return err
	}
	return s.startRun(w, r, d.Value, stream, []event{{"thread.created", t.Value}})
}

package api

import (
	"net/http"

	"github.com/r2kit/r2kit/assistants"
)

// threadAndRunRequest is the body of POST /v1/threads/runs: a run
// request, the thread to create (optional) and tool_resources, which go
// to the thread unless the thread request has its own.
type threadAndRunRequest struct {
	assistants.RunCreateRequest
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
	how, err := s.checkRunRequest(r, &q.RunCreateRequest)
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
	if err := s.checkFileRefs(r.Context(), threadAndRunRefs(&q)); err != nil {
		return err
	}
	t, d, err := s.store.StartThread(r.Context(), tq, &q.RunCreateRequest)
	if err != nil {
		return err
	}
	return s.startRun(w, r, d.Value, how, []event{{"thread.created", t.Value}})
}

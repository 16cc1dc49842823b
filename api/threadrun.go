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
// the request checked before anything is written. Then, in order:
//
//  1. thread.tool_resources.file_search.vector_stores makes its store
//     (newToolResources: the store, its files enqueued);
//  2. the thread is created with its messages, and the run in it (if
//     the run cannot be written, the thread is deleted again);
//  3. the files the thread's messages attach for file_search go to the
//     thread's store (attachFiles);
//  4. the run is handed to the executor (startRun).
//
// The run is not executed before 4, and nobody else knows the thread
// yet, so nothing reads the thread's store before its files are in it.
// If 2 or 3 fails, the thread (with its run) and the stores this
// request made are deleted, best effort, and the error answered. A
// stream starts with "thread.created". The top-level tool_resources
// (used for the thread when the thread has none) takes vector_store_ids
// only, as OpenAI's: vector_stores there is 400.
func (s *Server) createThreadAndRun(w http.ResponseWriter, r *http.Request) error {
	var q threadAndRunRequest
	if err := DecodeJSON(r, &q); err != nil {
		return err
	}
	how, err := s.checkRunRequest(r, &q.RunCreateRequest)
	if err != nil {
		return err
	}
	if err := refuseNewVectorStores("tool_resources", q.ToolResources, threadAndRunStoreHint); err != nil {
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
	if err := s.checkFileRefs(ctx, threadAndRunRefs(&q)); err != nil {
		return err
	}
	tr, made, err := s.newToolResources(ctx, "thread.tool_resources", tq.ToolResources, true)
	if err != nil {
		return err
	}
	tq.ToolResources = tr
	t, d, err := s.store.StartThread(ctx, tq, &q.RunCreateRequest)
	if err != nil {
		if made != "" {
			s.dropVectorStore(ctx, made)
		}
		return err
	}
	thread, attached, err := s.attachFiles(ctx, t.Value, fileSearchFiles(tq.Messages))
	if err != nil {
		s.dropThread(ctx, t.Value.ID, made, attached)
		return err
	}
	return s.startRun(w, r, d.Value, how, []event{{"thread.created", thread}})
}

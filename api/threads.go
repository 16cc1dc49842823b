package api

import (
	"net/http"

	"github.com/r2kit/r2kit/assistants"
)

// threadModifyRequest is the body of POST /v1/threads/{thread_id}: an
// absent or null member leaves the thread's value as it is; present
// ones replace it whole.
type threadModifyRequest struct {
	ToolResources *assistants.ToolResources `json:"tool_resources"`
	Metadata      assistants.Metadata       `json:"metadata"`
}

// createThread: POST /v1/threads, with its initial messages (the body is
// optional). If a message cannot be written, the thread is deleted again
// and the error answered.
func (s *Server) createThread(w http.ResponseWriter, r *http.Request) error {
	var q assistants.ThreadCreateRequest
	if err := DecodeJSON(r, &q); err != nil {
		return err
	}
	if err := s.checkFileRefs(r.Context(), threadRefs("", &q)); err != nil {
		return err
	}
	d, err := s.store.Threads.Create(r.Context(), &q)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, d.Value)
}

// getThread: GET /v1/threads/{thread_id}.
func (s *Server) getThread(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "thread_id", assistants.PrefixThread)
	if err != nil {
		return err
	}
	d, err := s.store.Threads.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, d.Value)
}

// modifyThread: POST /v1/threads/{thread_id}.
func (s *Server) modifyThread(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "thread_id", assistants.PrefixThread)
	if err != nil {
		return err
	}
	var q threadModifyRequest
	if err := DecodeJSON(r, &q); err != nil {
		return err
	}
	if err := s.checkFileRefs(r.Context(), toolResourceRefs("tool_resources", q.ToolResources)); err != nil {
		return err
	}
	d, err := s.store.Threads.Update(r.Context(), id, func(t *assistants.Thread) error {
		setIf(&t.ToolResources, q.ToolResources)
		if q.Metadata != nil {
			t.Metadata = q.Metadata
		}
		return nil
	})
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, d.Value)
}

// deleteThread: DELETE /v1/threads/{thread_id}, with everything in it
// (messages, runs, run steps).
func (s *Server) deleteThread(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "thread_id", assistants.PrefixThread)
	if err != nil {
		return err
	}
	if err := s.store.Threads.Delete(r.Context(), id, ""); err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, assistants.NewDeleted(assistants.ObjectThreadDeleted, id))
}

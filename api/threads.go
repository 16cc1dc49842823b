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
// optional). In order, after the request is checked:
//
//  1. tool_resources.file_search.vector_stores makes its store
//     (newToolResources: the store, its files enqueued);
//  2. the thread is written, naming that store, then its messages; if a
//     message cannot be written, the thread is deleted again;
//  3. the files the messages attach for file_search go to the thread's
//     store (attachFiles: the store of step 1 or of vector_store_ids, or
//     one made now and set on the thread).
//
// Nobody knows the new thread's id before the answer, so nothing can
// use the thread between 2 and 3. If 2 or 3 fails, the thread (if
// written) and the stores this request made are deleted, best effort,
// and the error answered.
func (s *Server) createThread(w http.ResponseWriter, r *http.Request) error {
	var q assistants.ThreadCreateRequest
	if err := DecodeJSON(r, &q); err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.checkFileRefs(ctx, threadRefs("", &q)); err != nil {
		return err
	}
	if err := q.Validate(); err != nil {
		return err
	}
	tr, made, err := s.newToolResources(ctx, "tool_resources", q.ToolResources, true)
	if err != nil {
		return err
	}
	q.ToolResources = tr
	d, err := s.store.Threads.Create(ctx, &q)
	if err != nil {
		if made != "" {
			s.dropVectorStore(ctx, made)
		}
		return err
	}
	t, attached, err := s.attachFiles(ctx, d.Value, fileSearchFiles(q.Messages))
	if err != nil {
		s.dropThread(ctx, d.Value.ID, made, attached)
		return err
	}
	return WriteJSON(w, http.StatusOK, t)
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

// modifyThread: POST /v1/threads/{thread_id}. As OpenAI's, it takes a
// vector store by id only: tool_resources.file_search.vector_stores is
// 400.
func (s *Server) modifyThread(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "thread_id", assistants.PrefixThread)
	if err != nil {
		return err
	}
	var q threadModifyRequest
	if err := DecodeJSON(r, &q); err != nil {
		return err
	}
	if err := refuseNewVectorStores("tool_resources", q.ToolResources, modifyStoreHint); err != nil {
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

package api

import (
	"net/http"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
)

// metadataRequest is the body of the modify endpoints that change only
// metadata (messages, runs). Absent or null metadata changes nothing;
// present metadata replaces the stored one whole.
type metadataRequest struct {
	Metadata assistants.Metadata `json:"metadata"`
}

// messagePath reads the thread_id and message_id of a message route.
func messagePath(r *http.Request) (thread, msg string, err error) {
	if thread, err = PathID(r, "thread_id", assistants.PrefixThread); err != nil {
		return "", "", err
	}
	msg, err = PathID(r, "message_id", assistants.PrefixMessage)
	return thread, msg, err
}

// createMessage: POST /v1/threads/{thread_id}/messages. A thread with an
// active run takes no message (400, as OpenAI answered); a missing
// thread is 404.
//
// The files the message attaches for file_search go to the thread's
// vector store (attachFiles, which makes one on demand) before the
// message is written: once a message is visible, its files are in the
// store (in_progress until ingested, which a run waits for). If
// attaching fails, no message is written and the error is answered; the
// files already added stay in the store, where they are harmless, and a
// retry does not add them again. If the message cannot be written after
// the files were attached, they stay too.
func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) error {
	thread, err := PathID(r, "thread_id", assistants.PrefixThread)
	if err != nil {
		return err
	}
	var q assistants.MessageCreateRequest
	if err := DecodeJSON(r, &q); err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.checkFileRefs(ctx, attachmentRefs("", q.Attachments)); err != nil {
		return err
	}
	run, active, err := s.store.Runs.Active(ctx, thread)
	if err != nil {
		return err
	}
	if active {
		return InvalidRequest("", "Can't add messages to %s while a run %s is active.", thread, run)
	}
	if err := s.attachToThread(ctx, thread, fileSearchFiles([]assistants.MessageCreateRequest{q})); err != nil {
		return err
	}
	d, err := s.store.Messages.Create(ctx, thread, &q)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, d.Value)
}

// getMessage: GET /v1/threads/{thread_id}/messages/{message_id}.
func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) error {
	thread, id, err := messagePath(r)
	if err != nil {
		return err
	}
	d, err := s.store.Messages.Get(r.Context(), thread, id)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, d.Value)
}

// modifyMessage: POST /v1/threads/{thread_id}/messages/{message_id}
// (metadata only).
func (s *Server) modifyMessage(w http.ResponseWriter, r *http.Request) error {
	thread, id, err := messagePath(r)
	if err != nil {
		return err
	}
	var q metadataRequest
	if err := DecodeJSON(r, &q); err != nil {
		return err
	}
	d, err := s.store.Messages.Update(r.Context(), thread, id, func(m *assistants.Message) error {
		if q.Metadata != nil {
			m.Metadata = q.Metadata
		}
		return nil
	})
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, d.Value)
}

// deleteMessage: DELETE /v1/threads/{thread_id}/messages/{message_id}.
func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request) error {
	thread, id, err := messagePath(r)
	if err != nil {
		return err
	}
	if err := s.store.Messages.Delete(r.Context(), thread, id, ""); err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, assistants.NewDeleted(assistants.ObjectMessageDeleted, id))
}

// listMessages: GET /v1/threads/{thread_id}/messages, with the list
// parameters and the run_id filter. A missing thread is 404.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) error {
	thread, err := PathID(r, "thread_id", assistants.PrefixThread)
	if err != nil {
		return err
	}
	p, err := ParseList(r, assistants.PrefixMessage)
	if err != nil {
		return err
	}
	run := r.URL.Query().Get("run_id")
	if err := cursor("run_id", assistants.PrefixRun, run); err != nil {
		return err
	}
	l, err := s.store.Messages.List(r.Context(), thread, store.MessageListParams{ListParams: p, RunID: run})
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, l)
}

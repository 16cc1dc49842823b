package api

import (
	"net/http"

	"github.com/r2kit/r2kit/assistants"
)

// assistantRequest is the body of POST /v1/assistants (create) and POST
// /v1/assistants/{assistant_id} (modify). In a modify, an absent or null
// member leaves the assistant's value as it is; tools, tool_resources
// and metadata replace the stored ones whole.
type assistantRequest struct {
	Model           *string                    `json:"model"`
	Name            *string                    `json:"name"`
	Description     *string                    `json:"description"`
	Instructions    *string                    `json:"instructions"`
	ReasoningEffort *string                    `json:"reasoning_effort"`
	Tools           []assistants.Tool          `json:"tools"`
	ToolResources   *assistants.ToolResources  `json:"tool_resources"`
	Metadata        assistants.Metadata        `json:"metadata"`
	Temperature     *float64                   `json:"temperature"`
	TopP            *float64                   `json:"top_p"`
	ResponseFormat  *assistants.ResponseFormat `json:"response_format"`
}

// apply sets the members the request carries on a.
func (q *assistantRequest) apply(a *assistants.Assistant) error {
	if q.Model != nil && *q.Model != "" {
		a.Model = *q.Model
	}
	setIf(&a.Name, q.Name)
	setIf(&a.Description, q.Description)
	setIf(&a.Instructions, q.Instructions)
	setIf(&a.Temperature, q.Temperature)
	setIf(&a.TopP, q.TopP)
	setIf(&a.ToolResources, q.ToolResources)
	if q.Tools != nil {
		a.Tools = q.Tools
	}
	if q.Metadata != nil {
		a.Metadata = q.Metadata
	}
	if q.ResponseFormat != nil {
		a.ResponseFormat = *q.ResponseFormat
	}
	var err error
	a.Extra, err = assistants.WithReasoningEffort(a.Extra, q.ReasoningEffort)
	return err
}

// setIf sets *dst to v when v is not nil.
func setIf[T any](dst **T, v *T) {
	if v != nil {
		*dst = v
	}
}

// createAssistant: POST /v1/assistants. model is required; the
// assistant is checked as the API does (assistants.Assistant.Validate)
// before anything is written. tool_resources.file_search.vector_stores
// makes its vector store first (newToolResources: the store, its files
// enqueued), then the assistant is written naming it in
// vector_store_ids; if that write fails, the store is deleted again.
func (s *Server) createAssistant(w http.ResponseWriter, r *http.Request) error {
	var q assistantRequest
	if err := DecodeJSON(r, &q); err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.checkFileRefs(ctx, toolResourceRefs("tool_resources", q.ToolResources)); err != nil {
		return err
	}
	if q.Model == nil || *q.Model == "" {
		return missingParam("model")
	}
	a := assistants.Assistant{ID: assistants.NewID(assistants.PrefixAssistant), Object: assistants.ObjectAssistant,
		CreatedAt: s.unixNow(), Tools: []assistants.Tool{}}
	if err := q.apply(&a); err != nil {
		return err
	}
	if err := a.Validate(); err != nil {
		return err
	}
	tr, made, err := s.newToolResources(ctx, "tool_resources", a.ToolResources, false)
	if err != nil {
		return err
	}
	a.ToolResources = tr
	d, err := s.store.Assistants.Put(ctx, a)
	if err != nil {
		if made != "" {
			s.dropVectorStore(ctx, made)
		}
		return err
	}
	return WriteJSON(w, http.StatusOK, d.Value)
}

// getAssistant: GET /v1/assistants/{assistant_id}.
func (s *Server) getAssistant(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "assistant_id", assistants.PrefixAssistant)
	if err != nil {
		return err
	}
	d, err := s.store.Assistants.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, d.Value)
}

// modifyAssistant: POST /v1/assistants/{assistant_id}, a conditional
// update of the members the request carries. As OpenAI's, it takes a
// vector store by id only: tool_resources.file_search.vector_stores is
// 400.
func (s *Server) modifyAssistant(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "assistant_id", assistants.PrefixAssistant)
	if err != nil {
		return err
	}
	var q assistantRequest
	if err := DecodeJSON(r, &q); err != nil {
		return err
	}
	if err := refuseNewVectorStores("tool_resources", q.ToolResources, modifyStoreHint); err != nil {
		return err
	}
	if err := s.checkFileRefs(r.Context(), toolResourceRefs("tool_resources", q.ToolResources)); err != nil {
		return err
	}
	d, err := s.store.Assistants.Update(r.Context(), id, q.apply)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, d.Value)
}

// listAssistants: GET /v1/assistants.
func (s *Server) listAssistants(w http.ResponseWriter, r *http.Request) error {
	p, err := ParseList(r, assistants.PrefixAssistant)
	if err != nil {
		return err
	}
	l, err := s.store.Assistants.List(r.Context(), p)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, l)
}

// deleteAssistant: DELETE /v1/assistants/{assistant_id}. Runs that
// named the assistant keep its id.
func (s *Server) deleteAssistant(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "assistant_id", assistants.PrefixAssistant)
	if err != nil {
		return err
	}
	if err := s.store.Assistants.Delete(r.Context(), id, ""); err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, assistants.NewDeleted(assistants.ObjectAssistantDeleted, id))
}

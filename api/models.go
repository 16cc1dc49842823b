package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Model is OpenAI's model object: {"id","object":"model","created","owned_by"}.
type Model struct {
	ID string `json:"id"`
	// Object is "model"; the endpoints fill it in when empty.
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// ModelLister lists the models runs can use (Config.Models).
type ModelLister interface {
	ListModels(ctx context.Context) ([]Model, error)
}

// EndpointModels is a ModelLister asking an OpenAI-compatible endpoint:
// GET BaseURL/models, with APIKey as bearer key if set.
type EndpointModels struct {
	// BaseURL is the endpoint's base, such as http://127.0.0.1:11434/v1.
	BaseURL string
	APIKey  string
	// HTTP is the client used; nil means one with a 30-second timeout.
	HTTP *http.Client
}

var _ ModelLister = (*EndpointModels)(nil)

// ListModels returns the endpoint's models. An answer other than 200
// with a list of models is an error naming the URL and the status.
func (e *EndpointModels) ListModels(ctx context.Context) ([]Model, error) {
	url := strings.TrimRight(e.BaseURL, "/") + "/models"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if e.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+e.APIKey)
	}
	c := e.HTTP
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var list struct {
		Data []Model `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("GET %s: not a list of models: %w", url, err)
	}
	return list.Data, nil
}

// modelList is the answer of GET /v1/models.
type modelList struct {
	Object string  `json:"object"`
	Data   []Model `json:"data"`
}

// models returns the models of Config.Models (none without it), each
// with object "model".
func (s *Server) models(ctx context.Context) ([]Model, error) {
	if s.cfg.Models == nil {
		return []Model{}, nil
	}
	ms, err := s.cfg.Models.ListModels(ctx)
	if err != nil {
		return nil, &Error{Status: http.StatusBadGateway, Type: TypeServer, Code: "model_endpoint_error",
			Message: "The model endpoint did not list its models.", Err: err}
	}
	out := make([]Model, 0, len(ms))
	for _, m := range ms {
		if m.Object == "" {
			m.Object = "model"
		}
		out = append(out, m)
	}
	return out, nil
}

// listModels: GET /v1/models, {"object":"list","data":[...]}: the
// models of the model endpoint runs call (Config.Models), as OpenAI's
// clients list them before anything else.
func (s *Server) listModels(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.models(r.Context())
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, modelList{Object: "list", Data: ms})
}

// getModel: GET /v1/models/{model}; a model the endpoint does not list
// is OpenAI's 404 model_not_found.
func (s *Server) getModel(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("model")
	ms, err := s.models(r.Context())
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.ID == id {
			return WriteJSON(w, http.StatusOK, m)
		}
	}
	return InvalidRequest("model", "The model '%s' does not exist or you do not have access to it.", quote(id)).
		withStatus(http.StatusNotFound).withCode("model_not_found")
}

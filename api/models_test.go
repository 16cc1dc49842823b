package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/storage/memstore"
)

// TestModels checks GET /v1/models and /v1/models/{model}: the model
// endpoint's models in OpenAI's list shape, read by the official client.
func TestModels(t *testing.T) {
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/models" || r.Header.Get("Authorization") != "Bearer model-key" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"object":"list","data":[{"id":"llama3","object":"model","created":1700000000,"owned_by":"library"},{"id":"qwen"}]}`))
	}))
	t.Cleanup(endpoint.Close)
	b := memstore.New()
	t.Cleanup(func() { b.Close() })
	ls := startServer(t, b, api.Config{Models: &api.EndpointModels{BaseURL: endpoint.URL + "/v1/", APIKey: "model-key", HTTP: endpoint.Client()}})
	c := openaiClient(t, ls.URL, testKey)
	page, err := c.Models.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 2 || page.Data[0].ID != "llama3" || page.Data[0].OwnedBy != "library" || page.Data[0].Created != 1700000000 ||
		page.Data[1].ID != "qwen" || string(page.Data[1].Object) != "model" {
		t.Fatalf("models: %+v", page.Data)
	}
	m, err := c.Models.Get(t.Context(), "qwen")
	if err != nil || m.ID != "qwen" {
		t.Fatalf("get qwen: %+v %v", m, err)
	}
	_, err = c.Models.Get(t.Context(), "gpt-9")
	wantAPIError(t, err, 404, api.TypeInvalidRequest, "The model 'gpt-9' does not exist")

	t.Run("no model endpoint", func(t *testing.T) {
		s, _ := newServer(t, api.Config{})
		w := request{method: "GET", path: "/v1/models"}.send(s)
		if w.Code != 200 || w.Body.String() != `{"object":"list","data":[]}`+"\n" {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("endpoint failing", func(t *testing.T) {
		s, _ := newServer(t, api.Config{Models: &api.EndpointModels{BaseURL: endpoint.URL, HTTP: endpoint.Client()}})
		e := errorOf(t, request{method: "GET", path: "/v1/models"}.send(s), 502)
		if e.code() != "model_endpoint_error" {
			t.Fatalf("%+v", e)
		}
	})
}

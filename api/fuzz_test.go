package api_test

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"testing"

	"r2kit/api"
	"r2kit/assistants"
)

// Any body decodes or answers a 4xx envelope with a message; nothing
// panics.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `{"model":"m","n":1}`, `{"model":}`, `{"n":1.5}`, `{"x":1}`, `{"nested":{"flag":1}}`,
		`{"role":"user","content":"hi"}`, `{"role":"user","content":[{"type":"text","text":3}]}`, `{"a":1} {}`, "\xff",
	} {
		f.Add([]byte(seed), "application/json")
	}
	f.Add([]byte(`{}`), "text/plain")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		for _, v := range []any{&createBody{}, &assistants.MessageCreateRequest{}} {
			r := httptest.NewRequest("POST", "/v1/x", bytes.NewReader(body))
			r.Header.Set("Content-Type", contentType)
			err := api.DecodeJSON(r, v)
			if err == nil {
				continue
			}
			var e *api.Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 || e.Message == "" || e.Type != api.TypeInvalidRequest {
				t.Fatalf("body %q: %#v", body, err)
			}
		}
	})
}

package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/internal/servetest"
	"github.com/r2kit/r2kit/storage/memstore"
)

const testKey = "sk-test-0123456789abcdef"

// newServer returns a Server over cfg (a memstore bucket if none), with
// its JSON logs at debug level in the returned buffer.
func newServer(t *testing.T, cfg api.Config) (*api.Server, *servetest.LockedBuffer) {
	t.Helper()
	if cfg.Bucket == nil {
		b := memstore.New()
		t.Cleanup(func() { b.Close() })
		cfg.Bucket = b
	}
	logs := &servetest.LockedBuffer{}
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return api.New(cfg), logs
}

// request is one test request; headers are name, value pairs.
type request struct {
	method, path string
	body         string
	headers      []string
}

func (rq request) send(h http.Handler) *httptest.ResponseRecorder {
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	r := httptest.NewRequest(rq.method, rq.path, body)
	for i := 0; i+1 < len(rq.headers); i += 2 {
		r.Header.Add(rq.headers[i], rq.headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// apiError is a decoded error envelope; nil Param and Code were null.
type apiError struct {
	Message string
	Type    string
	Param   *string
	Code    *string
}

func (e apiError) param() string { return deref(e.Param) }
func (e apiError) code() string  { return deref(e.Code) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// errorOf checks that w is an error answer with status, Content-Type
// application/json and all four envelope members, and decodes it.
func errorOf(t *testing.T, w *httptest.ResponseRecorder, status int) apiError {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	var raw struct {
		Error map[string]json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	for _, k := range []string{"message", "type", "param", "code"} {
		if _, ok := raw.Error[k]; !ok {
			t.Fatalf("envelope %s has no error.%s", w.Body, k)
		}
	}
	var e struct{ Error apiError }
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if e.Error.Message == "" {
		t.Fatalf("envelope %s has an empty message", w.Body)
	}
	return e.Error
}

// beta is the header pair real clients send on assistants routes.
var beta = []string{"OpenAI-Beta", "assistants=v2"}

// withKey returns headers plus a bearer key.
func withKey(key string, headers ...string) []string {
	return append([]string{"Authorization", "Bearer " + key}, headers...)
}

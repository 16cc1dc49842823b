package api_test

import (
	"testing"

	"github.com/r2kit/r2kit/api"
)

func TestCORS(t *testing.T) {
	const app = "https://app.example.com"
	preflight := []string{"Origin", app, "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "authorization,content-type, openai-beta,x-stainless-os"}
	t.Run("off by default", func(t *testing.T) {
		s, _ := newServer(t, api.Config{})
		w := request{method: "OPTIONS", path: "/v1/assistants", headers: preflight}.send(s)
		if w.Code != 405 || w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("preflight without --cors-origin: %d %v", w.Code, w.Header())
		}
	})
	s, _ := newServer(t, api.Config{APIKeys: []string{testKey}, CORSOrigins: []string{app}})
	t.Run("preflight", func(t *testing.T) {
		w := request{method: "OPTIONS", path: "/v1/assistants", headers: preflight}.send(s)
		h := w.Header()
		if w.Code != 204 || h.Get("Access-Control-Allow-Origin") != app ||
			h.Get("Access-Control-Allow-Methods") != "GET, POST, DELETE, OPTIONS" ||
			h.Get("Access-Control-Allow-Headers") != "authorization, content-type, openai-beta, x-stainless-os" ||
			h.Get("Access-Control-Max-Age") == "" || h.Values("Vary")[0] != "Origin" {
			t.Fatalf("preflight: %d %v", w.Code, h)
		}
	})
	t.Run("request", func(t *testing.T) {
		w := request{method: "GET", path: "/v1/assistants", headers: withKey(testKey, "Origin", app)}.send(s)
		if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != app || w.Header().Get("Access-Control-Expose-Headers") == "" {
			t.Fatalf("GET: %d %v", w.Code, w.Header())
		}
		// An error answer carries the headers too, so the script can read it.
		w = request{method: "GET", path: "/v1/assistants", headers: []string{"Origin", app}}.send(s)
		if w.Code != 401 || w.Header().Get("Access-Control-Allow-Origin") != app {
			t.Fatalf("GET without a key: %d %v", w.Code, w.Header())
		}
	})
	t.Run("other origin", func(t *testing.T) {
		h := append([]string{}, preflight...)
		h[1] = "https://evil.example.com"
		w := request{method: "OPTIONS", path: "/v1/assistants", headers: h}.send(s)
		if w.Header().Get("Access-Control-Allow-Origin") != "" || w.Code == 204 {
			t.Fatalf("preflight from another origin: %d %v", w.Code, w.Header())
		}
	})
	t.Run("any origin", func(t *testing.T) {
		s, _ := newServer(t, api.Config{CORSOrigins: []string{"*"}})
		w := request{method: "OPTIONS", path: "/v1/files", headers: preflight}.send(s)
		if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != app {
			t.Fatalf("preflight with *: %d %v", w.Code, w.Header())
		}
	})
}

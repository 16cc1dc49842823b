package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/console"
	"github.com/r2kit/r2kit/storage/memstore"
)

const testKey = "sk-console-0123456789"

func mounted(t *testing.T) http.Handler {
	t.Helper()
	b := memstore.New()
	t.Cleanup(func() { b.Close() })
	return console.Mount(api.New(api.Config{Bucket: b, APIKeys: []string{testKey}}))
}

func get(h http.Handler, method, path string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestMount: the console answers its paths with its security headers,
// needing no key (it holds no data); everything else is the API's, keys
// checked.
func TestMount(t *testing.T) {
	h := mounted(t)
	for _, tc := range []struct {
		method, path string
		status       int
		ctype        string
		body         string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", `<script type="module" src="/console/app.js">`},
		{"HEAD", "/", 200, "text/html; charset=utf-8", ""},
		{"GET", "/console/app.js", 200, "text/javascript; charset=utf-8", "import"},
		{"GET", "/console/api.js", 200, "text/javascript; charset=utf-8", "Authorization"},
		{"GET", "/console/style.css", 200, "text/css; charset=utf-8", "body"},
		{"GET", "/console/", 404, "", ""},
		{"GET", "/console/nope.js", 404, "", ""},
		{"GET", "/console/../go.mod", 404, "", ""},
	} {
		w := get(h, tc.method, tc.path)
		if w.Code != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, w.Code, tc.status)
			continue
		}
		if tc.ctype != "" && w.Header().Get("Content-Type") != tc.ctype {
			t.Errorf("%s %s: Content-Type %q, want %q", tc.method, tc.path, w.Header().Get("Content-Type"), tc.ctype)
		}
		if !strings.Contains(w.Body.String(), tc.body) {
			t.Errorf("%s %s: body lacks %q", tc.method, tc.path, tc.body)
		}
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: security headers %v", tc.method, tc.path, w.Header())
		}
		if w.Header().Get("Set-Cookie") != "" {
			t.Errorf("%s %s: sets a cookie", tc.method, tc.path)
		}
	}
	// The API keeps its own answers, keys and all.
	if w := get(h, "GET", "/v1/threads"); w.Code != 401 {
		t.Errorf("GET /v1/threads without a key: %d, want 401", w.Code)
	}
	if w := get(h, "GET", "/v1/threads", "Authorization", "Bearer "+testKey); w.Code != 200 {
		t.Errorf("GET /v1/threads with the key: %d %s", w.Code, w.Body)
	}
	if w := get(h, "POST", "/"); w.Code != 404 || !strings.Contains(w.Body.String(), `"error"`) {
		t.Errorf("POST /: %d %s, want the API's 404 envelope", w.Code, w.Body)
	}
	if w := get(h, "GET", "/healthz"); w.Code != 200 {
		t.Errorf("GET /healthz: %d", w.Code)
	}
}

// TestNoCrossOriginGrant: the API grants no CORS preflight, so another
// site's page cannot send the key-bearing requests the console sends.
func TestNoCrossOriginGrant(t *testing.T) {
	h := mounted(t)
	w := get(h, "OPTIONS", "/v1/threads", "Origin", "https://evil.example", "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "authorization,content-type")
	if v := w.Header().Get("Access-Control-Allow-Origin"); v != "" {
		t.Fatalf("preflight granted: Access-Control-Allow-Origin %q", v)
	}
}

// TestAssetsSelfContained: no asset loads anything from another origin
// (the machine may be offline, and the CSP would refuse it).
func TestAssetsSelfContained(t *testing.T) {
	h := mounted(t)
	for _, p := range []string{"/", "/console/app.js", "/console/api.js", "/console/dom.js", "/console/pages.js", "/console/playground.js", "/console/style.css"} {
		w := get(h, "GET", p)
		body, _ := io.ReadAll(w.Body)
		if w.Code != 200 {
			t.Fatalf("GET %s: %d", p, w.Code)
		}
		for _, bad := range []string{"http://", "https://", "//cdn", "document.cookie", "innerHTML", "localStorage"} {
			if strings.Contains(string(body), bad) {
				t.Errorf("%s contains %q", p, bad)
			}
		}
	}
}

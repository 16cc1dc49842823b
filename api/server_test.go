package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/storage/faultstore"
	"github.com/r2kit/r2kit/storage/memstore"
)

func TestAuth(t *testing.T) {
	s, logs := newServer(t, api.Config{APIKeys: []string{"", "sk-other-key-0000", testKey}})
	if !s.AuthRequired() {
		t.Fatal("AuthRequired = false with keys configured")
	}
	const path = "/v1/assistants"
	for _, tc := range []struct {
		name    string
		headers []string
		status  int
		code    string
		prefix  string
	}{
		{"missing", nil, 401, "", "You didn't provide an API key."},
		{"empty bearer", []string{"Authorization", "Bearer "}, 401, "", "You didn't provide an API key."},
		{"basic scheme", []string{"Authorization", "Basic dXNlcjpwYXNz"}, 401, "", "You didn't provide an API key."},
		{"wrong", withKey("sk-wrong-key-abcdefgh"), 401, "invalid_api_key", "Incorrect API key provided: sk-**************efgh."},
		{"prefix of right key", withKey(testKey[:len(testKey)-1]), 401, "invalid_api_key", "Incorrect API key provided:"},
		{"short wrong", withKey("x"), 401, "invalid_api_key", "Incorrect API key provided: *."},
		{"right", withKey(testKey), 200, "", ""},
		{"second key", withKey("sk-other-key-0000"), 200, "", ""},
		{"lower-case scheme", []string{"Authorization", "bearer " + testKey}, 200, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := request{method: "GET", path: path, headers: tc.headers}.send(s)
			if tc.status == 200 {
				if w.Code != 200 {
					t.Fatalf("status %d: %s", w.Code, w.Body)
				}
				return
			}
			e := errorOf(t, w, tc.status)
			if e.code() != tc.code || !strings.HasPrefix(e.Message, tc.prefix) {
				t.Fatalf("code %q message %q; want code %q, message starting %q", e.code(), e.Message, tc.code, tc.prefix)
			}
			if tc.status == 401 && (e.Type != api.TypeInvalidRequest || e.Param != nil) {
				t.Fatalf("type %q param %v", e.Type, e.Param)
			}
		})
	}
	t.Run("health endpoints need no key", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz"} {
			if w := (request{method: "GET", path: p}).send(s); w.Code != 200 {
				t.Errorf("GET %s: %d", p, w.Code)
			}
		}
	})
	t.Run("metrics need a key", func(t *testing.T) {
		errorOf(t, request{method: "GET", path: "/metrics"}.send(s), 401)
		errorOf(t, request{method: "GET", path: "/metrics", headers: withKey("sk-wrong-key")}.send(s), 401)
		if w := (request{method: "GET", path: "/metrics", headers: withKey(testKey)}).send(s); w.Code != 200 {
			t.Errorf("GET /metrics with the key: %d", w.Code)
		}
	})
	t.Run("unknown v1 paths need a key", func(t *testing.T) {
		errorOf(t, request{method: "GET", path: "/v1/nope"}.send(s), 401)
	})
	if strings.Contains(logs.String(), testKey) || strings.Contains(logs.String(), "sk-wrong-key") {
		t.Fatal("an API key reached the logs")
	}
}

func TestNoKeys(t *testing.T) {
	s, _ := newServer(t, api.Config{APIKeys: []string{""}})
	if s.AuthRequired() {
		t.Fatal("AuthRequired = true with no key")
	}
	for _, h := range [][]string{nil, withKey("anything")} {
		if w := (request{method: "GET", path: "/v1/assistants", headers: h}).send(s); w.Code != 200 {
			t.Fatalf("headers %q: %d %s", h, w.Code, w.Body)
		}
	}
}

func TestBetaHeader(t *testing.T) {
	s, _ := newServer(t, api.Config{})
	for _, tc := range []struct {
		name, path string
		headers    []string
		status     int
		code       string
	}{
		{"absent", "/v1/threads/thread_1", nil, 404, ""},
		{"v2", "/v1/threads/thread_1", beta, 404, ""},
		{"v2 among others", "/v1/threads/thread_1", []string{"OpenAI-Beta", "realtime=v1, assistants=v2"}, 404, ""},
		{"other feature only", "/v1/threads/thread_1", []string{"OpenAI-Beta", "realtime=v1"}, 404, ""},
		{"v1", "/v1/threads/thread_1", []string{"OpenAI-Beta", "assistants=v1"}, 400, "invalid_beta"},
		{"v1 among others", "/v1/assistants", []string{"OpenAI-Beta", "realtime=v1,assistants=v1"}, 400, "invalid_beta"},
		{"v3", "/v1/assistants", []string{"OpenAI-Beta", "assistants=v3"}, 400, "invalid_beta"},
		{"files ignore it", "/v1/files/file-1", []string{"OpenAI-Beta", "assistants=v1"}, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := errorOf(t, request{method: "GET", path: tc.path, headers: tc.headers}.send(s), tc.status)
			if e.code() != tc.code {
				t.Fatalf("code %q, want %q (%s)", e.code(), tc.code, e.Message)
			}
		})
	}
	e := errorOf(t, request{method: "GET", path: "/v1/assistants", headers: []string{"OpenAI-Beta", "assistants=v1"}}.send(s), 400)
	if !strings.HasPrefix(e.Message, "The v1 Assistants API has been deprecated.") || e.Type != api.TypeInvalidRequest {
		t.Fatalf("v1: %+v", e)
	}
}

func TestUnknownRoutes(t *testing.T) {
	s, _ := newServer(t, api.Config{})
	for _, tc := range []struct {
		method, path string
		status       int
		message      string
		allow        string
	}{
		{"GET", "/v1/nope", 404, "Invalid URL (GET /v1/nope)", ""},
		{"GET", "/nope", 404, "Invalid URL (GET /nope)", ""},
		{"GET", "/", 404, "Invalid URL (GET /)", ""},
		{"GET", "/v1/assistants/", 404, "Invalid URL (GET /v1/assistants/)", ""},
		{"POST", "/v1/threads/thread_1/runs/run_1/steps", 405, "Invalid method for URL (POST /v1/threads/thread_1/runs/run_1/steps)", "GET, HEAD"},
		{"PUT", "/v1/assistants", 405, "Invalid method for URL (PUT /v1/assistants)", "GET, HEAD, POST"},
		{"PATCH", "/v1/assistants/asst_1", 405, "Invalid method for URL (PATCH /v1/assistants/asst_1)", "DELETE, GET, HEAD, POST"},
		{"DELETE", "/v1/threads/thread_1/runs/run_1", 405, "Invalid method for URL (DELETE /v1/threads/thread_1/runs/run_1)", "GET, HEAD, POST"},
	} {
		w := request{method: tc.method, path: tc.path}.send(s)
		e := errorOf(t, w, tc.status)
		if e.Message != tc.message || e.Type != api.TypeInvalidRequest || e.Param != nil || e.Code != nil {
			t.Errorf("%s %s: %+v; want message %q", tc.method, tc.path, e, tc.message)
		}
		if got := w.Header().Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
}

// Every v2 endpoint of the reference has a route: none gets the answers
// of an unknown route (404 "Invalid URL", 405) or 501.
func TestRouteTable(t *testing.T) {
	s, _ := newServer(t, api.Config{})
	const th, run = "/v1/threads/thread_1", "/v1/threads/thread_1/runs/run_1"
	routes := []string{
		"GET /v1/assistants", "POST /v1/assistants",
		"GET /v1/assistants/asst_1", "POST /v1/assistants/asst_1", "DELETE /v1/assistants/asst_1",
		"POST /v1/threads", "POST /v1/threads/runs",
		"GET " + th, "POST " + th, "DELETE " + th,
		"GET " + th + "/messages", "POST " + th + "/messages",
		"GET " + th + "/messages/msg_1", "POST " + th + "/messages/msg_1", "DELETE " + th + "/messages/msg_1",
		"GET " + th + "/runs", "POST " + th + "/runs",
		"GET " + run, "POST " + run, "POST " + run + "/cancel", "POST " + run + "/submit_tool_outputs",
		"GET " + run + "/steps", "GET " + run + "/steps/step_1",
		"POST /v1/files", "GET /v1/files", "GET /v1/files/file-1", "DELETE /v1/files/file-1", "GET /v1/files/file-1/content",
	}
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt, " ")
		w := request{method: method, path: path, headers: beta}.send(s)
		if w.Code == 405 || w.Code == 501 || strings.Contains(w.Body.String(), "Invalid URL") {
			t.Errorf("%s: %d %s", rt, w.Code, w.Body)
		}
	}
}

func TestRequestID(t *testing.T) {
	s, logs := newServer(t, api.Config{})
	format := regexp.MustCompile(`^req_[0-9a-f]{32}$`)
	seen := map[string]bool{}
	for _, path := range []string{"/healthz", "/v1/nope", "/healthz"} {
		w := request{method: "GET", path: path}.send(s)
		id := w.Header().Get("X-Request-Id")
		if !format.MatchString(id) || seen[id] {
			t.Fatalf("GET %s: request id %q (seen %v)", path, id, seen)
		}
		seen[id] = true
		if !strings.Contains(logs.String(), `"request_id":"`+id+`"`) {
			t.Fatalf("request id %s not in the logs:\n%s", id, logs)
		}
	}
}

func TestAccessLog(t *testing.T) {
	s, logs := newServer(t, api.Config{APIKeys: []string{testKey}})
	w := request{method: "GET", path: "/v1/assistants?limit=5", headers: withKey(testKey, beta...)}.send(s)
	var line map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "request" {
			line = m
		}
	}
	want := map[string]any{
		"method": "GET", "path": "/v1/assistants", "route": "GET /v1/assistants",
		"status": float64(200), "bytes": float64(w.Body.Len()), "request_id": w.Header().Get("X-Request-Id"),
	}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("access log %s = %v, want %v (line %v)", k, line[k], v, line)
		}
	}
	if _, ok := line["duration"]; !ok {
		t.Errorf("access log has no duration: %v", line)
	}
	if strings.Contains(logs.String(), testKey) {
		t.Fatal("the API key reached the logs")
	}
}

func TestPanicRecovered(t *testing.T) {
	s, logs := newServer(t, api.Config{})
	s.HandleForTest("GET /v1/panic", func(w http.ResponseWriter, r *http.Request) error { panic("boom") })
	e := errorOf(t, request{method: "GET", path: "/v1/panic"}.send(s), 500)
	if e.Type != api.TypeServer || strings.Contains(e.Message, "boom") {
		t.Fatalf("panic answer %+v", e)
	}
	if !strings.Contains(logs.String(), "panic: boom") {
		t.Fatalf("panic not logged:\n%s", logs)
	}
	if w := (request{method: "GET", path: "/healthz"}).send(s); w.Code != 200 {
		t.Fatalf("after a panic: healthz %d", w.Code)
	}
}

func TestHandlerErrorAfterWrite(t *testing.T) {
	s, logs := newServer(t, api.Config{})
	s.HandleForTest("GET /v1/partial", func(w http.ResponseWriter, r *http.Request) error {
		_ = api.WriteJSON(w, 200, map[string]int{"n": 1})
		return api.InvalidRequest("", "too late")
	})
	// The answer has begun: the connection is aborted (net/http
	// recovers the panic and cuts it), so that the client sees no
	// complete answer.
	returned := false
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Fatalf("recovered %v; want http.ErrAbortHandler", v)
			}
		}()
		request{method: "GET", path: "/v1/partial"}.send(s)
		returned = true
	}()
	if returned {
		t.Fatal("the request ended normally")
	}
	if l := logs.String(); !strings.Contains(l, "too late") || !strings.Contains(l, `"msg":"answer cut off"`) {
		t.Fatalf("the late error was not logged as a cut answer:\n%s", l)
	}
}

func TestHealthz(t *testing.T) {
	s, _ := newServer(t, api.Config{})
	w := request{method: "GET", path: "/healthz"}.send(s)
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" || strings.TrimSpace(w.Body.String()) != `{"status":"ok"}` {
		t.Fatalf("healthz: %d %q %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
}

func TestReadyz(t *testing.T) {
	t.Run("ready", func(t *testing.T) {
		s, _ := newServer(t, api.Config{})
		w := request{method: "GET", path: "/readyz"}.send(s)
		if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"status":"ready"}` {
			t.Fatalf("readyz: %d %s", w.Code, w.Body)
		}
	})
	t.Run("stat fails", func(t *testing.T) {
		inner := memstore.New()
		defer inner.Close()
		b := faultstore.New(inner, 1, faultstore.Rule{Kind: faultstore.Fail, Probability: 1, Ops: []string{faultstore.OpStat}})
		s, logs := newServer(t, api.Config{Bucket: b})
		e := errorOf(t, request{method: "GET", path: "/readyz"}.send(s), 503)
		if e.code() != "not_ready" || e.Type != api.TypeServer || e.Message != "Storage is not ready: transient." {
			t.Fatalf("readyz: %+v", e)
		}
		if !strings.Contains(logs.String(), api.ReadyProbeKey) {
			t.Fatalf("the storage error was not logged:\n%s", logs)
		}
		if w := (request{method: "GET", path: "/healthz"}).send(s); w.Code != 200 {
			t.Fatalf("healthz while not ready: %d", w.Code)
		}
	})
}

func TestMetrics(t *testing.T) {
	s, _ := newServer(t, api.Config{})
	request{method: "GET", path: "/readyz"}.send(s)
	request{method: "GET", path: "/v1/nope"}.send(s)
	w := request{method: "GET", path: "/metrics"}.send(s)
	if w.Code != 200 {
		t.Fatalf("metrics: %d", w.Code)
	}
	body := w.Body.String()
	for _, want := range []string{
		`r2kit_storage_operations_total{backend="mem",op="stat",outcome="not_found"} 1`,
		`r2kit_storage_operation_duration_seconds_count{backend="mem",op="stat"} 1`,
		`r2kit_http_requests_total{code="200",method="GET",route="GET /readyz"} 1`,
		`r2kit_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`r2kit_http_request_duration_seconds_bucket`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

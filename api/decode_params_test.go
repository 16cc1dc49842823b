package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/api"
)

// TestDecodeParamsAreWireNames checks that decoding errors on the real
// routes name the wire parameter, with array indexes, and never a Go
// type name.
func TestDecodeParamsAreWireNames(t *testing.T) {
	s, _ := newServer(t, api.Config{})
	asst := createAssistantForTest(t, s)
	thread := postJSON(t, s, "/v1/threads", `{}`)["id"].(string)
	for _, tc := range []struct {
		name, path, body string
		param, message   string // message: a prefix
	}{
		{"run temperature", "/v1/threads/" + thread + "/runs", `{"assistant_id":"` + asst + `","temperature":"x"}`,
			"temperature", "Invalid type for 'temperature': expected a number, but got a string instead."},
		{"thread and run stream", "/v1/threads/runs", `{"assistant_id":"` + asst + `","stream":1}`,
			"stream", "Invalid type for 'stream': expected a boolean, but got a number instead."},
		{"second tool's function name", "/v1/assistants",
			`{"model":"m","tools":[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":5}}]}`,
			"tools[1].function.name", "Invalid type for 'tools[1].function.name': expected a string, but got a number instead."},
		{"run tool's function name", "/v1/threads/" + thread + "/runs",
			`{"assistant_id":"` + asst + `","tools":[{"type":"function","function":{"name":true}}]}`,
			"tools[0].function.name", "Invalid type for 'tools[0].function.name'"},
		{"message content", "/v1/threads/" + thread + "/messages", `{"role":"user","content":5}`,
			"content", "Invalid type for 'content': expected a string or an array of content parts, but got a number instead."},
		{"thread message content", "/v1/threads",
			`{"messages":[{"role":"user","content":"hi"},{"role":"user","content":5}]}`,
			"messages[1].content", "Invalid type for 'messages[1].content': expected a string or an array of content parts, but got a number instead."},
		{"thread and run message content", "/v1/threads/runs",
			`{"assistant_id":"` + asst + `","thread":{"messages":[{"role":"user","content":{}}]}}`,
			"thread.messages[0].content", "Invalid type for 'thread.messages[0].content'"},
		{"metadata value", "/v1/threads", `{"metadata":{"a":1}}`,
			"metadata.a", "Invalid type for 'metadata.a': expected a string, but got a number instead."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := request{method: "POST", path: tc.path, body: tc.body, headers: jsonCT}.send(s)
			e := errorOf(t, w, 400)
			if e.param() != tc.param || !strings.HasPrefix(e.Message, tc.message) {
				t.Fatalf("param %q message %q;\nwant param %q message %q", e.param(), e.Message, tc.param, tc.message)
			}
			if strings.ToLower(e.param()) != e.param() {
				t.Fatalf("param %q names a Go field", e.param())
			}
		})
	}
}

// postJSON posts body to path on s, expects 200 and returns the decoded
// object.
func postJSON(t *testing.T, s http.Handler, path, body string) map[string]any {
	t.Helper()
	w := request{method: "POST", path: path, body: body, headers: jsonCT}.send(s)
	if w.Code != 200 {
		t.Fatalf("POST %s: %d %s", path, w.Code, w.Body)
	}
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// createAssistantForTest creates an assistant on s and returns its id.
func createAssistantForTest(t *testing.T, s http.Handler) string {
	t.Helper()
	return postJSON(t, s, "/v1/assistants", `{"model":"gpt-4o"}`)["id"].(string)
}

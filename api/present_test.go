package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/api"
)

// TestResponseShapes checks the members OpenAI's answers always carried
// (openai-openapi's AssistantObject, ThreadObject, FunctionObject,
// OpenAIFile): effective temperature, top_p and response_format,
// tool_resources {}, strict on function tools, and a file's expires_at.
func TestResponseShapes(t *testing.T) {
	s, _ := newServer(t, api.Config{})
	asst := postJSON(t, s, "/v1/assistants", `{"model":"m","tools":[{"type":"function","function":{"name":"f"}},`+
		`{"type":"function","function":{"name":"g","strict":true}}]}`)
	check := func(t *testing.T, what string, got map[string]any, want map[string]string) {
		t.Helper()
		for k, v := range want {
			b, _ := json.Marshal(got[k])
			if _, ok := got[k]; !ok || string(b) != v {
				t.Errorf("%s: %s is %s (present %v), want %s", what, k, b, ok, v)
			}
		}
	}
	tools := `[{"function":{"name":"f","strict":false},"type":"function"},{"function":{"name":"g","strict":true},"type":"function"}]`
	wantAsst := map[string]string{"temperature": "1", "top_p": "1", "response_format": `"auto"`, "tool_resources": "{}", "tools": tools}
	check(t, "create assistant", asst, wantAsst)
	id := asst["id"].(string)
	check(t, "get assistant", getJSON(t, s, "/v1/assistants/"+id), wantAsst)
	list := getJSON(t, s, "/v1/assistants")
	check(t, "listed assistant", list["data"].([]any)[0].(map[string]any), wantAsst)
	// Set values are kept.
	check(t, "modified assistant", postJSON(t, s, "/v1/assistants/"+id, `{"temperature":0.5,"response_format":{"type":"json_object"}}`),
		map[string]string{"temperature": "0.5", "top_p": "1", "response_format": `{"type":"json_object"}`})

	thread := postJSON(t, s, "/v1/threads", `{}`)
	check(t, "create thread", thread, map[string]string{"tool_resources": "{}"})
	check(t, "get thread", getJSON(t, s, "/v1/threads/"+thread["id"].(string)), map[string]string{"tool_resources": "{}"})

	run := postJSON(t, s, "/v1/threads/"+thread["id"].(string)+"/runs", `{"assistant_id":"`+id+`"}`)
	check(t, "run", run, map[string]string{"tools": tools})

	body, ct := multipartBody(t, []part{{name: "purpose", value: "assistants"}, {name: "file", filename: "a.txt", value: "x"}}, false)
	w := request{method: "POST", path: "/v1/files", body: body, headers: []string{"Content-Type", ct}}.send(s)
	var f map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &f); err != nil || w.Code != 200 {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	check(t, "uploaded file", f, map[string]string{"expires_at": "null", "filename": `"a.txt"`})
	check(t, "get file", getJSON(t, s, "/v1/files/"+f["id"].(string)), map[string]string{"expires_at": "null"})
	files := getJSON(t, s, "/v1/files")
	check(t, "listed file", files["data"].([]any)[0].(map[string]any), map[string]string{"expires_at": "null"})
}

// getJSON gets path from s, expects 200 and returns the decoded object.
func getJSON(t *testing.T, s *api.Server, path string) map[string]any {
	t.Helper()
	w := request{method: "GET", path: path}.send(s)
	var out map[string]any
	if err := json.NewDecoder(strings.NewReader(w.Body.String())).Decode(&out); err != nil || w.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	return out
}

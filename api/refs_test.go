package api_test

import (
	"strings"
	"testing"

	"github.com/r2kit/r2kit/api"
)

// TestReferencesChecked checks that a request naming a file that does
// not exist, or a tool_choice function the run does not have, answers
// 400 with the param of the member, as OpenAI does.
func TestReferencesChecked(t *testing.T) {
	s, _ := newServer(t, api.Config{})
	asst := postJSON(t, s, "/v1/assistants",
		`{"model":"m","tools":[{"type":"function","function":{"name":"get_weather"}}]}`)["id"].(string)
	thread := postJSON(t, s, "/v1/threads", `{}`)["id"].(string)
	const missing = "file-abc123"
	attach := `"attachments":[{"file_id":"` + missing + `","tools":[{"type":"code_interpreter"}]}]`
	resources := `"tool_resources":{"code_interpreter":{"file_ids":["` + missing + `"]}}`
	for _, tc := range []struct {
		name, path, body, param string
	}{
		{"message attachment", "/v1/threads/" + thread + "/messages", `{"role":"user","content":"hi",` + attach + `}`,
			"attachments[0].file_id"},
		{"thread message attachment", "/v1/threads", `{"messages":[{"role":"user","content":"a"},{"role":"user","content":"b",` + attach + `}]}`,
			"messages[1].attachments[0].file_id"},
		{"thread tool resources", "/v1/threads", `{` + resources + `}`, "tool_resources.code_interpreter.file_ids[0]"},
		{"modify thread tool resources", "/v1/threads/" + thread, `{` + resources + `}`, "tool_resources.code_interpreter.file_ids[0]"},
		{"assistant tool resources", "/v1/assistants", `{"model":"m",` + resources + `}`, "tool_resources.code_interpreter.file_ids[0]"},
		{"modify assistant tool resources", "/v1/assistants/" + asst, `{` + resources + `}`, "tool_resources.code_interpreter.file_ids[0]"},
		{"additional message attachment", "/v1/threads/" + thread + "/runs",
			`{"assistant_id":"` + asst + `","additional_messages":[{"role":"user","content":"x",` + attach + `}]}`,
			"additional_messages[0].attachments[0].file_id"},
		{"thread and run tool resources", "/v1/threads/runs", `{"assistant_id":"` + asst + `",` + resources + `}`,
			"tool_resources.code_interpreter.file_ids[0]"},
		{"thread and run thread message", "/v1/threads/runs",
			`{"assistant_id":"` + asst + `","thread":{"messages":[{"role":"user","content":"x",` + attach + `}]}}`,
			"thread.messages[0].attachments[0].file_id"},
		{"tool choice of the assistant's tools", "/v1/threads/" + thread + "/runs",
			`{"assistant_id":"` + asst + `","tool_choice":{"type":"function","function":{"name":"other"}}}`,
			"tool_choice.function.name"},
		{"tool choice of the run's tools", "/v1/threads/runs",
			`{"assistant_id":"` + asst + `","tools":[{"type":"function","function":{"name":"other"}}],"tool_choice":{"type":"function","function":{"name":"get_weather"}}}`,
			"tool_choice.function.name"},
		{"tool choice of a type the run lacks", "/v1/threads/" + thread + "/runs",
			`{"assistant_id":"` + asst + `","tool_choice":{"type":"file_search"}}`,
			"tool_choice.type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := errorOf(t, request{method: "POST", path: tc.path, body: tc.body, headers: jsonCT}.send(s), 400)
			if e.param() != tc.param {
				t.Fatalf("param %q (%s), want %q", e.param(), e.Message, tc.param)
			}
		})
	}
	// Nothing was written: the thread has no message and no run.
	for _, p := range []string{"/v1/threads/" + thread + "/messages", "/v1/threads/" + thread + "/runs"} {
		if w := (request{method: "GET", path: p}).send(s); w.Code != 200 || !strings.Contains(w.Body.String(), `"data":[]`) {
			t.Fatalf("GET %s: %d %s", p, w.Code, w.Body)
		}
	}
	// A named function the assistant has is accepted.
	postJSON(t, s, "/v1/threads/"+thread+"/runs",
		`{"assistant_id":"`+asst+`","tool_choice":{"type":"function","function":{"name":"get_weather"}}}`)
}

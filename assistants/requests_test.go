package assistants

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func decodeMessageRequest(t *testing.T, s string) (*MessageCreateRequest, error) {
	t.Helper()
	var r MessageCreateRequest
	err := json.Unmarshal([]byte(s), &r)
	return &r, err
}

func TestMessageCreateRequestForms(t *testing.T) {
	r, err := decodeMessageRequest(t, `{"role":"user","content":"How does AI work?"}`)
	if err != nil || r.Validate() != nil {
		t.Fatalf("string content: %v, %v", err, r.Validate())
	}
	if got := r.Content.Parts(); !reflect.DeepEqual(got, []ContentPart{TextPart("How does AI work?")}) {
		t.Errorf("Parts = %+v", got)
	}
	r, err = decodeMessageRequest(t, `{"role":"user","content":[
		{"type":"text","text":"look"},
		{"type":"image_file","image_file":{"file_id":"file-1","detail":"high"}},
		{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}],
		"attachments":[{"file_id":"file-2","tools":[{"type":"file_search"}]}],"metadata":{"k":"v"}}`)
	if err != nil || r.Validate() != nil {
		t.Fatalf("array content: %v, %v", err, r.Validate())
	}
	parts := r.Content.Parts()
	if len(parts) != 3 || parts[0].Text.Value != "look" || parts[1].ImageFile.FileID != "file-1" || parts[2].ImageURL.URL != "https://example.com/a.png" {
		t.Errorf("Parts = %+v", parts)
	}
	// The request form marshals back as it came.
	out := mustMarshal(t, r.Content)
	if want := `[{"type":"text","text":"look"},{"type":"image_file","image_file":{"file_id":"file-1","detail":"high"}},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]`; string(out) != want {
		t.Errorf("content marshals as %s", out)
	}
	// And the message it creates is a valid stored message.
	m := r.Message("msg_1", "thread_1", 100)
	if err := m.Validate(); err != nil {
		t.Errorf("created message: %v", err)
	}
	if m.Attachments == nil || *m.CompletedAt != 100 || m.Status != MessageCompleted {
		t.Errorf("created message: %+v", m)
	}
	if b := string(mustMarshal(t, m)); !strings.Contains(b, `"content":[{"type":"text","text":{"value":"look","annotations":[]}}`) {
		t.Errorf("stored form: %s", b)
	}
}

func TestMessageCreateRequestErrors(t *testing.T) {
	for _, tc := range []struct {
		body, field, reason string
	}{
		{`{"role":"user"}`, "content", "required"},
		{`{"role":"user","content":null}`, "content", "required"},
		{`{"role":"user","content":""}`, "content", "empty; expected at least 1 character"},
		{`{"role":"user","content":[]}`, "content", "empty; expected at least 1 content part"},
		{`{"role":"system","content":"x"}`, "role", `"system" is not one of user, assistant`},
		{`{"content":"x"}`, "role", "required"},
		{`{"role":"user","content":[{"type":"text","text":""}]}`, "content[0].text.value", "empty"},
		{`{"role":"user","content":[{"type":"refusal","refusal":"no"}]}`, "content[0].type", `unknown type "refusal"; expected one of text, image_file, image_url`},
		{`{"role":"user","content":[{"type":"audio","audio":{}}]}`, "content[0].type", `unknown type "audio"`},
		{`{"role":"user","content":[{"type":"image_file","image_file":{"file_id":"../x"}}]}`, "content[0].image_file.file_id", "character '.'"},
		{`{"role":"user","content":"x","attachments":[{"file_id":"file-1","tools":[{"type":"function","function":{"name":"f"}}]}]}`, "attachments[0].tools[0].type", "expected one of code_interpreter, file_search"},
		{`{"role":"user","content":"x","metadata":{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8","i":"9","j":"10","k":"11","l":"12","m":"13","n":"14","o":"15","p":"16","q":"17"}}`, "metadata", "too many keys (17); at most 16"},
	} {
		r, err := decodeMessageRequest(t, tc.body)
		if err != nil {
			t.Errorf("%s: decode: %v", tc.body, err)
			continue
		}
		checkValidation(t, validationCase{name: tc.body, v: r, field: tc.field, reason: tc.reason})
	}
}

func TestMessageCreateRequestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ body, field string }{
		{`{"role":"user","content":[{"type":"text","text":{"value":"stored form"}}]}`, "content[0]"},
		{`{"role":"user","content":[{"type":"text"}]}`, "content[0]"},
		{`{"role":"user","content":["x"]}`, "content[0]"},
		{`{"role":"user","content":7}`, "content"},
	} {
		_, err := decodeMessageRequest(t, tc.body)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field() != tc.field {
			t.Errorf("%s: error %v; want a *FieldError for %s", tc.body, err, tc.field)
		}
	}
}

func TestThreadCreateRequest(t *testing.T) {
	var r ThreadCreateRequest
	if err := json.Unmarshal([]byte(`{"messages":[{"role":"user","content":"a"},{"role":"user","content":[]}]}`), &r); err != nil {
		t.Fatal(err)
	}
	checkValidation(t, validationCase{v: &r, field: "messages[1].content", reason: "empty"})
	r.Messages = r.Messages[:1]
	r.ToolResources = &ToolResources{FileSearch: &FileSearchResources{VectorStoreIDs: []string{"vs_1", "vs_2"}}}
	checkValidation(t, validationCase{v: &r, field: "tool_resources.file_search.vector_store_ids", reason: "at most 1"})
}

func TestRunCreateRequest(t *testing.T) {
	valid := func() *RunCreateRequest {
		var r RunCreateRequest
		if err := json.Unmarshal([]byte(`{"assistant_id":"asst_1","model":"gpt-4o","instructions":"x",
			"additional_messages":[{"role":"user","content":"hi"}],"tools":[{"type":"code_interpreter"}],
			"temperature":0.5,"top_p":1,"max_prompt_tokens":256,"max_completion_tokens":1000,
			"truncation_strategy":{"type":"last_messages","last_messages":3},"tool_choice":"required",
			"parallel_tool_calls":false,"response_format":{"type":"json_object"},"stream":false}`), &r); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	if err := valid().Validate(); err != nil {
		t.Fatalf("valid request: %v", err)
	}
	for _, tc := range []validationCase{
		{"assistant_id", with(valid(), func(r *RunCreateRequest) { r.AssistantID = "" }), "assistant_id", "empty"},
		{"assistant_id prefix", with(valid(), func(r *RunCreateRequest) { r.AssistantID = "thread_1" }), "assistant_id", `begins with "asst_"`},
		{"model", with(valid(), func(r *RunCreateRequest) { r.Model = Ptr("") }), "model", "empty"},
		{"tools", with(valid(), func(r *RunCreateRequest) { r.Tools = manyTools(21) }), "tools", "too many tools (21); at most 20"},
		{"instructions", with(valid(), func(r *RunCreateRequest) { r.Instructions = Ptr(strings.Repeat("x", 256001)) }), "instructions", "at most 256000"},
		{"additional message", with(valid(), func(r *RunCreateRequest) { r.AdditionalMessages[0].Role = "tool" }), "additional_messages[0].role", "is not one of"},
		{"temperature", with(valid(), func(r *RunCreateRequest) { r.Temperature = Ptr(2.5) }), "temperature", "out of range"},
		{"tokens", with(valid(), func(r *RunCreateRequest) { r.MaxCompletionTokens = Ptr(int64(100)) }), "max_completion_tokens", "below the minimum of 256"},
		{"tool_choice", with(valid(), func(r *RunCreateRequest) { r.ToolChoice = ToolChoice{Tool: &NamedToolChoice{Type: ToolFunction}} }), "tool_choice.function", "required"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkValidation(t, tc) })
	}
	// Unset members are omitted when a request is marshalled.
	if b := string(mustMarshal(t, RunCreateRequest{AssistantID: "asst_1"})); b != `{"assistant_id":"asst_1"}` {
		t.Errorf("minimal request marshals as %s", b)
	}
}

func TestSubmitToolOutputsMatch(t *testing.T) {
	action := &RequiredAction{SubmitToolOutputs: SubmitToolOutputs{ToolCalls: []RunToolCall{{ID: "call_1"}, {ID: "call_2"}}}}
	for _, tc := range []struct {
		outputs []ToolOutput
		action  *RequiredAction
		field   string
	}{
		{[]ToolOutput{{ToolCallID: "call_2", Output: "b"}, {ToolCallID: "call_1", Output: "a"}}, action, ""},
		{[]ToolOutput{{ToolCallID: "call_1"}}, action, "tool_outputs"},
		{[]ToolOutput{{ToolCallID: "call_1"}, {ToolCallID: "call_1"}}, action, "tool_outputs[1].tool_call_id"},
		{[]ToolOutput{{ToolCallID: "call_1"}, {ToolCallID: "call_9"}}, action, "tool_outputs[1].tool_call_id"},
		{[]ToolOutput{{}}, action, "tool_outputs[0].tool_call_id"},
		{[]ToolOutput{{ToolCallID: "call_1"}}, nil, "tool_outputs"},
	} {
		r := SubmitToolOutputsRequest{ToolOutputs: tc.outputs}
		err := r.Match(tc.action)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: %v", tc.outputs, err)
		case tc.field != "" && (err == nil || err.(*FieldError).Field() != tc.field):
			t.Errorf("%+v: %v; want an error for %s", tc.outputs, err, tc.field)
		}
	}
}

func TestListParams(t *testing.T) {
	p, err := ListParams{}.Normalize(PrefixMessage)
	if err != nil || p.Limit != 20 || p.Order != OrderDesc {
		t.Errorf("defaults: %+v, %v", p, err)
	}
	for _, tc := range []struct {
		p     ListParams
		field string
	}{
		{ListParams{Limit: 1, Order: OrderAsc, After: "msg_1", Before: "msg_2"}, ""},
		{ListParams{Limit: 100}, ""},
		{ListParams{Limit: 101}, "limit"},
		{ListParams{Limit: -1}, "limit"},
		{ListParams{Order: "newest"}, "order"},
		{ListParams{After: "run_1"}, "after"},
		{ListParams{Before: "msg_1/../x"}, "before"},
	} {
		_, err := tc.p.Normalize(PrefixMessage)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: %v", tc.p, err)
		case tc.field != "" && (err == nil || err.(*FieldError).Field() != tc.field):
			t.Errorf("%+v: %v; want an error for %s", tc.p, err, tc.field)
		}
	}
	fp, err := FileListParams{}.Normalize()
	if err != nil || fp.Limit != 10000 || fp.Order != OrderDesc {
		t.Errorf("file defaults: %+v, %v", fp, err)
	}
	for _, tc := range []struct {
		p     FileListParams
		field string
	}{
		{FileListParams{Purpose: PurposeAssistantsOutput, Limit: 10000, After: "file-1"}, ""},
		{FileListParams{Purpose: "images"}, "purpose"},
		{FileListParams{Limit: 10001}, "limit"},
		{FileListParams{After: "file_1"}, "after"},
	} {
		_, err := tc.p.Normalize()
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: %v", tc.p, err)
		case tc.field != "" && (err == nil || err.(*FieldError).Field() != tc.field):
			t.Errorf("%+v: %v; want an error for %s", tc.p, err, tc.field)
		}
	}
}

func TestUploadPurposes(t *testing.T) {
	for _, p := range []string{"assistants", "batch", "fine-tune", "vision", "user_data", "evals"} {
		if err := ValidateUploadPurpose(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	for _, p := range []string{"", "assistants_output", "batch_output", "fine-tune-results", "Assistants"} {
		if err := ValidateUploadPurpose(p); err == nil {
			t.Errorf("%q accepted as an upload purpose", p)
		}
	}
}

package assistants

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The member sets of each object, from the v2 schema (openai-openapi,
// components.schemas.AssistantObject, ThreadObject, MessageObject,
// RunObject, RunStepObject, OpenAIFile, Delete*Response, List*Response):
// all properties, required and optional. File's optional expires_at and
// status_details are written only when set.
var schemaFields = map[string][]string{
	"assistant": fields("id object created_at name description model instructions tools tool_resources metadata temperature top_p response_format"),
	"thread":    fields("id object created_at tool_resources metadata"),
	"message":   fields("id object created_at thread_id status incomplete_details completed_at incomplete_at role content assistant_id run_id attachments metadata"),
	"run": fields(`id object created_at thread_id assistant_id status required_action last_error expires_at
		started_at cancelled_at failed_at completed_at incomplete_details model instructions tools metadata usage
		temperature top_p max_prompt_tokens max_completion_tokens truncation_strategy tool_choice parallel_tool_calls response_format`),
	"step":         fields("id object created_at assistant_id thread_id run_id type status step_details last_error expired_at cancelled_at failed_at completed_at metadata usage"),
	"file":         fields("id object bytes created_at filename purpose status"),
	"file (all)":   fields("id object bytes created_at expires_at filename purpose status status_details"),
	"deleted":      fields("id object deleted"),
	"list":         fields("object data first_id last_id has_more"),
	"tool (fn)":    fields("type function"),
	"message part": fields("type text"),
}

func TestGoldenFieldSets(t *testing.T) {
	full := loadFull(t)
	for _, tc := range []struct {
		name, schema string
		v            any
	}{
		{"zero assistant", "assistant", Assistant{}},
		{"full assistant", "assistant", full.assistant},
		{"zero thread", "thread", Thread{}},
		{"full thread", "thread", full.thread},
		{"zero message", "message", Message{}},
		{"full message", "message", full.message},
		{"zero run", "run", Run{}},
		{"full run", "run", full.run},
		{"zero step", "step", RunStep{}},
		{"full step", "step", full.step},
		{"zero file", "file", File{}},
		{"full file", "file (all)", full.file},
		{"deleted", "deleted", NewDeleted(ObjectThreadDeleted, "thread_1")},
		{"empty list", "list", List[Message]{}},
		{"list", "list", NewList([]Thread{{ID: "thread_1"}}, true, func(t *Thread) string { return t.ID })},
		{"function tool", "tool (fn)", FunctionTool(FunctionDefinition{Name: "f"})},
		{"text part", "message part", TextPart("hi")},
	} {
		got := keysOf(t, mustMarshal(t, tc.v))
		if want := schemaFields[tc.schema]; !slices.Equal(got, want) {
			t.Errorf("%s: members %v\nwant %v", tc.name, got, want)
		}
	}
}

// TestZeroValuesWire checks what unset members are written as: null
// where the schema allows null, [] for arrays, {} for metadata, and the
// object name filled in.
func TestZeroValuesWire(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{Assistant{}, `{"id":"","object":"assistant","created_at":0,"name":null,"description":null,"model":"","instructions":null,"tools":[],"tool_resources":null,"metadata":{},"temperature":null,"top_p":null,"response_format":null}`},
		{Thread{}, `{"id":"","object":"thread","created_at":0,"tool_resources":null,"metadata":{}}`},
		{Message{}, `{"id":"","object":"thread.message","created_at":0,"thread_id":"","status":"","incomplete_details":null,"completed_at":null,"incomplete_at":null,"role":"","content":[],"assistant_id":null,"run_id":null,"attachments":null,"metadata":{}}`},
		{Run{}, `{"id":"","object":"thread.run","created_at":0,"thread_id":"","assistant_id":"","status":"","required_action":null,"last_error":null,"expires_at":null,"started_at":null,"cancelled_at":null,"failed_at":null,"completed_at":null,"incomplete_details":null,"model":"","instructions":"","tools":[],"metadata":{},"usage":null,"temperature":null,"top_p":null,"max_prompt_tokens":null,"max_completion_tokens":null,"truncation_strategy":null,"tool_choice":null,"parallel_tool_calls":false,"response_format":null}`},
		{RunStep{}, `{"id":"","object":"thread.run.step","created_at":0,"assistant_id":"","thread_id":"","run_id":"","type":"","status":"","step_details":{"type":""},"last_error":null,"expired_at":null,"cancelled_at":null,"failed_at":null,"completed_at":null,"metadata":{},"usage":null}`},
		{File{}, `{"id":"","object":"file","bytes":0,"created_at":0,"filename":"","purpose":"","status":""}`},
		{List[Run]{}, `{"object":"list","data":[],"first_id":null,"last_id":null,"has_more":false}`},
		{Message{Attachments: []Attachment{{FileID: "file-1"}}}, `"attachments":[{"file_id":"file-1","tools":[]}]`},
		{Thread{ToolResources: &ToolResources{CodeInterpreter: &CodeInterpreterResources{}, FileSearch: &FileSearchResources{}}}, `"tool_resources":{"code_interpreter":{"file_ids":[]},"file_search":{"vector_store_ids":[]}}`},
		{TextPart(""), `{"type":"text","text":{"value":"","annotations":[]}}`},
		{RefusalPart(""), `{"type":"refusal","refusal":""}`},
		{StepDetails{Type: StepToolCalls}, `{"type":"tool_calls","tool_calls":[]}`},
		{ToolCall{ID: "call_1", Type: ToolFileSearch}, `{"id":"call_1","type":"file_search","file_search":{}}`},
		{ToolCall{ID: "call_1", Type: ToolFunction, Function: &FunctionCall{Name: "f", Arguments: "{}"}}, `{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}","output":null}}`},
		{CodeInterpreterCall{Input: "x"}, `{"input":"x","outputs":[]}`},
		{RequiredAction{}, `{"type":"submit_tool_outputs","submit_tool_outputs":{"tool_calls":[]}}`},
		{RunToolCall{ID: "call_1", Function: RunToolCallFunction{Name: "f", Arguments: "{}"}}, `{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}`},
		{TruncationStrategy{Type: TruncationAuto}, `{"type":"auto","last_messages":null}`},
	} {
		got := string(mustMarshal(t, tc.v))
		if strings.HasPrefix(tc.want, "{") && got != tc.want || !strings.Contains(got, tc.want) {
			t.Errorf("%T marshals to\n%s\nwant\n%s", tc.v, got, tc.want)
		}
	}
}

func TestTimestampsAreIntegers(t *testing.T) {
	r := Run{CreatedAt: 1699073476, StartedAt: Ptr(int64(1699073477)), ExpiresAt: UnixPtr(time1())}
	b := string(mustMarshal(t, r))
	for _, want := range []string{`"created_at":1699073476`, `"started_at":1699073477`, `"expires_at":1699074076`} {
		if !strings.Contains(b, want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
}

// TestPolymorphicRoundTrip checks that every form of every polymorphic
// member decodes and marshals back to the same JSON.
func TestPolymorphicRoundTrip(t *testing.T) {
	cases := map[string][]string{
		"ResponseFormat": {
			`null`, `"auto"`, `{"type":"text"}`, `{"type":"json_object"}`,
			`{"type":"json_schema","json_schema":{"name":"x","description":"d","schema":{"type":"object"},"strict":false}}`,
			`"none"`, `{"type":"future_format","x":1}`,
		},
		"ToolChoice": {
			`null`, `"none"`, `"auto"`, `"required"`,
			`{"type":"function","function":{"name":"f"}}`, `{"type":"file_search"}`, `{"type":"code_interpreter"}`,
			`"sometimes"`, `{"type":"web_search"}`,
		},
		"ContentPart": {
			`{"type":"text","text":{"value":"v","annotations":[]}}`,
			`{"type":"text","text":{"value":"v","annotations":[{"type":"file_citation","text":"[1]","file_citation":{"file_id":"file-1"},"start_index":1,"end_index":4},{"type":"file_path","text":"p","file_path":{"file_id":"file-2"},"start_index":0,"end_index":1},{"type":"url_citation","url":"https://x"}]}}`,
			`{"type":"image_file","image_file":{"file_id":"file-1"}}`,
			`{"type":"image_file","image_file":{"file_id":"file-1","detail":"low"}}`,
			`{"type":"image_url","image_url":{"url":"https://x/y.png","detail":"high"}}`,
			`{"type":"refusal","refusal":"no"}`,
			`{"type":"audio","audio":{"id":"a"}}`,
		},
		"Tool": {
			`{"type":"code_interpreter"}`, `{"type":"file_search"}`,
			`{"type":"file_search","file_search":{"max_num_results":5}}`,
			`{"type":"file_search","file_search":{"ranking_options":{"ranker":"auto","score_threshold":0}}}`,
			`{"type":"function","function":{"name":"f"}}`,
			`{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object","properties":{}},"strict":true}}`,
			`{"type":"function","function":{"name":"f"},"future":true}`,
			`{"type":"web_search","web_search":{"region":"eu"}}`,
		},
		"StepDetails": {
			`{"type":"message_creation","message_creation":{"message_id":"msg_1"}}`,
			`{"type":"tool_calls","tool_calls":[]}`,
			`{"type":"tool_calls","tool_calls":[{"id":"call_1","type":"code_interpreter","code_interpreter":{"input":"1","outputs":[{"type":"logs","logs":"1"},{"type":"image","image":{"file_id":"file-1"}},{"type":"video","video":{}}]}}]}`,
			`{"type":"tool_calls","tool_calls":[{"id":"call_1","type":"file_search","file_search":{}}]}`,
			`{"type":"tool_calls","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}","output":"ok"}}]}`,
			`{"type":"tool_calls","tool_calls":[{"id":"call_1","type":"mcp","mcp":{"server":"s"}}]}`,
			`{"type":"reasoning","reasoning":{"summary":"s"}}`,
		},
	}
	decoders := map[string]func() any{
		"ResponseFormat": func() any { return new(ResponseFormat) },
		"ToolChoice":     func() any { return new(ToolChoice) },
		"ContentPart":    func() any { return new(ContentPart) },
		"Tool":           func() any { return new(Tool) },
		"StepDetails":    func() any { return new(StepDetails) },
	}
	for typ, inputs := range cases {
		for _, in := range inputs {
			v := decoders[typ]()
			if err := json.Unmarshal([]byte(in), v); err != nil {
				t.Errorf("%s: decode %s: %v", typ, in, err)
				continue
			}
			out := mustMarshal(t, v)
			if !reflect.DeepEqual(normalize(t, []byte(in)), normalize(t, out)) {
				t.Errorf("%s: %s\nmarshals back as %s", typ, in, out)
			}
		}
	}
}

func TestPolymorphicDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		v  any
		in string
	}{
		{new(ContentPart), `"text"`},
		{new(ContentPart), `{"type":"text","text":"plain string is the request form"}`},
		{new(Tool), `["code_interpreter"]`},
		{new(ToolChoice), `42`},
		{new(ResponseFormat), `true`},
		{new(StepDetails), `{"type":7}`},
		{new(Message), `{"content":{}}`},
		{new(Run), `{"created_at":1.5}`},
		{new(Run), `{"created_at":"1699073476"}`},
	} {
		if err := json.Unmarshal([]byte(tc.in), tc.v); err == nil {
			t.Errorf("decoding %s into %T succeeded; want an error", tc.in, tc.v)
		}
	}
}

func TestUnknownVariantsAreNotKnown(t *testing.T) {
	var p ContentPart
	var tool Tool
	var a Annotation
	_ = json.Unmarshal([]byte(`{"type":"audio"}`), &p)
	_ = json.Unmarshal([]byte(`{"type":"web_search"}`), &tool)
	_ = json.Unmarshal([]byte(`{"type":"url_citation"}`), &a)
	if p.Known() || tool.Known() || a.Known() {
		t.Errorf("unknown variants report Known")
	}
	if TextPart("x").Known() != true || CodeInterpreterTool().Known() != true {
		t.Errorf("known variants report !Known")
	}
}

func TestNewList(t *testing.T) {
	l := NewList([]Message{{ID: "msg_1"}, {ID: "msg_2"}}, true, func(m *Message) string { return m.ID })
	b := mustMarshal(t, l)
	var back List[Message]
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if *back.FirstID != "msg_1" || *back.LastID != "msg_2" || !back.HasMore || len(back.Data) != 2 {
		t.Errorf("list round trip: %s -> %+v", b, back)
	}
}

func TestLostAndAddedHelpers(t *testing.T) {
	in := normalize(t, []byte(`{"a":1,"b":[1,{"c":null}],"d":"x"}`))
	out := normalize(t, []byte(`{"a":1.0,"b":[1,{"c":""}],"e":null}`))
	if got := lost(in, out, "$"); len(got) != 2 || got[0] != "$.b[1].c: <nil> became " || got[1] != "$.d: dropped" {
		t.Errorf("lost = %q", got)
	}
	if got := added(in, out, "$"); len(got) != 1 || got[0] != "$.e" {
		t.Errorf("added = %q", got)
	}
}

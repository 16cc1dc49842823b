package assistants

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
)

type validator interface{ Validate() error }

func validAssistant() *Assistant {
	return &Assistant{
		ID: "asst_abc123", CreatedAt: 1, Name: Ptr("n"), Model: "gpt-4o",
		Tools: []Tool{CodeInterpreterTool(), FileSearchTool(nil), FunctionTool(FunctionDefinition{Name: "get_weather"})},
	}
}

func validThread() *Thread { return &Thread{ID: "thread_abc123", CreatedAt: 1} }

func validMessage() *Message {
	return &Message{
		ID: "msg_abc123", CreatedAt: 1, ThreadID: "thread_abc123", Status: MessageCompleted,
		Role: RoleUser, Content: []ContentPart{TextPart("hello")},
	}
}

func validRun() *Run {
	return &Run{
		ID: "run_abc123", CreatedAt: 1, ThreadID: "thread_abc123", AssistantID: "asst_abc123",
		Status: RunQueued, Model: "gpt-4o", ParallelToolCalls: true,
		ToolChoice: ToolChoice{Mode: ToolChoiceAuto}, ResponseFormat: AutoResponseFormat(),
		TruncationStrategy: &TruncationStrategy{Type: TruncationAuto},
	}
}

func validStep() *RunStep {
	return &RunStep{
		ID: "step_abc123", CreatedAt: 1, AssistantID: "asst_abc123", ThreadID: "thread_abc123", RunID: "run_abc123",
		Type: StepToolCalls, Status: StepInProgress,
		StepDetails: StepDetails{Type: StepToolCalls, ToolCalls: []ToolCall{
			{ID: "call_1", Type: ToolFunction, Function: &FunctionCall{Name: "f", Arguments: "{}"}},
		}},
	}
}

func validFile() *File {
	return &File{ID: "file-abc123", Bytes: 10, CreatedAt: 1, Filename: "a.pdf", Purpose: PurposeAssistants, Status: FileProcessed}
}

func manyTools(n int) []Tool {
	tools := make([]Tool, n)
	for i := range tools {
		tools[i] = FunctionTool(FunctionDefinition{Name: fmt.Sprintf("f%d", i)})
	}
	return tools
}

func metadataOf(n int) Metadata {
	m := Metadata{}
	for i := range n {
		m[fmt.Sprintf("k%02d", i)] = "v"
	}
	return m
}

func unknownTool(t *testing.T) Tool {
	var tool Tool
	if err := json.Unmarshal([]byte(`{"type":"web_search"}`), &tool); err != nil {
		t.Fatal(err)
	}
	return tool
}

type validationCase struct {
	name   string
	v      validator
	field  string // "" means valid
	reason string // a fragment of the message
}

func with[T any](base *T, f func(*T)) *T {
	f(base)
	return base
}

func assistantCases(t *testing.T) []validationCase {
	a := validAssistant
	return []validationCase{
		{"valid", a(), "", ""},
		{"valid full", with(a(), func(a *Assistant) {
			a.Description, a.Instructions = Ptr(strings.Repeat("d", 512)), Ptr(strings.Repeat("i", 256000))
			a.Name = Ptr(strings.Repeat("é", 256)) // 256 characters, 512 bytes
			a.Tools = manyTools(128)
			a.Metadata = metadataOf(16)
			a.Temperature, a.TopP = Ptr(2.0), Ptr(0.0)
		}), "", ""},
		{"id prefix", with(a(), func(a *Assistant) { a.ID = "thread_abc" }), "id", `expected an id that begins with "asst_"`},
		{"id hostile", with(a(), func(a *Assistant) { a.ID = "asst_../x" }), "id", "character '.'"},
		{"object", with(a(), func(a *Assistant) { a.Object = "thread" }), "object", `"thread" is not "assistant"`},
		{"created_at", with(a(), func(a *Assistant) { a.CreatedAt = -1 }), "created_at", "negative"},
		{"model", with(a(), func(a *Assistant) { a.Model = "" }), "model", "required"},
		{"name", with(a(), func(a *Assistant) { a.Name = Ptr(strings.Repeat("n", 257)) }), "name", "too long (257 characters); at most 256"},
		{"description", with(a(), func(a *Assistant) { a.Description = Ptr(strings.Repeat("d", 513)) }), "description", "too long (513 characters); at most 512"},
		{"instructions", with(a(), func(a *Assistant) { a.Instructions = Ptr(strings.Repeat("i", 256001)) }), "instructions", "too long (256001 characters); at most 256000"},
		{"tools count", with(a(), func(a *Assistant) { a.Tools = manyTools(129) }), "tools", "too many tools (129); at most 128"},
		{"tool unknown", with(a(), func(a *Assistant) { a.Tools = []Tool{unknownTool(t)} }), "tools[0].type", `unknown type "web_search"`},
		{"tool no type", with(a(), func(a *Assistant) { a.Tools = []Tool{{}} }), "tools[0].type", "required"},
		{"function name space", with(a(), func(a *Assistant) { a.Tools[2].Function.Name = "get weather" }), "tools[2].function.name", "does not match ^[a-zA-Z0-9_-]{1,64}$"},
		{"function name long", with(a(), func(a *Assistant) { a.Tools[2].Function.Name = strings.Repeat("f", 65) }), "tools[2].function.name", "does not match"},
		{"function name unicode", with(a(), func(a *Assistant) { a.Tools[2].Function.Name = "getеweather" }), "tools[2].function.name", "does not match"},
		{"function name empty", with(a(), func(a *Assistant) { a.Tools[2].Function.Name = "" }), "tools[2].function.name", "required"},
		{"function missing", with(a(), func(a *Assistant) { a.Tools[2].Function = nil }), "tools[2].function", "required with type function"},
		{"function parameters array", with(a(), func(a *Assistant) { a.Tools[2].Function.Parameters = json.RawMessage(`[]`) }), "tools[2].function.parameters", "JSON object"},
		{"function on code_interpreter", with(a(), func(a *Assistant) { a.Tools[0].Function = &FunctionDefinition{Name: "f"} }), "tools[0].function", "not allowed with type code_interpreter"},
		{"file_search on function", with(a(), func(a *Assistant) { a.Tools[2].FileSearch = &FileSearchOptions{} }), "tools[2].file_search", "not allowed with type function"},
		{"max_num_results 0", with(a(), func(a *Assistant) { a.Tools[1].FileSearch = &FileSearchOptions{MaxNumResults: Ptr(0)} }), "tools[1].file_search.max_num_results", "0 is out of range [1, 50]"},
		{"max_num_results 51", with(a(), func(a *Assistant) { a.Tools[1].FileSearch = &FileSearchOptions{MaxNumResults: Ptr(51)} }), "tools[1].file_search.max_num_results", "out of range"},
		{"ranker", with(a(), func(a *Assistant) {
			a.Tools[1].FileSearch = &FileSearchOptions{RankingOptions: &FileSearchRankingOptions{Ranker: "best"}}
		}), "tools[1].file_search.ranking_options.ranker", `"best" is not one of auto, default_2024_08_21`},
		{"score_threshold", with(a(), func(a *Assistant) {
			a.Tools[1].FileSearch = &FileSearchOptions{RankingOptions: &FileSearchRankingOptions{ScoreThreshold: 1.5}}
		}), "tools[1].file_search.ranking_options.score_threshold", "1.5 is out of range [0, 1]"},
		{"code_interpreter files", with(a(), func(a *Assistant) {
			a.ToolResources = &ToolResources{CodeInterpreter: &CodeInterpreterResources{FileIDs: make([]string, 21)}}
		}), "tool_resources.code_interpreter.file_ids", "too many files (21); at most 20"},
		{"code_interpreter file id", with(a(), func(a *Assistant) {
			a.ToolResources = &ToolResources{CodeInterpreter: &CodeInterpreterResources{FileIDs: []string{"file-1", "file_2"}}}
		}), "tool_resources.code_interpreter.file_ids[1]", `begins with "file-"`},
		{"vector stores", with(a(), func(a *Assistant) {
			a.ToolResources = &ToolResources{FileSearch: &FileSearchResources{VectorStoreIDs: []string{"vs_1", "vs_2"}}}
		}), "tool_resources.file_search.vector_store_ids", "too many vector stores (2); at most 1"},
		{"vector store id", with(a(), func(a *Assistant) {
			a.ToolResources = &ToolResources{FileSearch: &FileSearchResources{VectorStoreIDs: []string{"vs/1"}}}
		}), "tool_resources.file_search.vector_store_ids[0]", "character '/'"},
		{"metadata pairs", with(a(), func(a *Assistant) { a.Metadata = metadataOf(17) }), "metadata", "too many keys (17); at most 16"},
		{"metadata key", with(a(), func(a *Assistant) { a.Metadata = Metadata{strings.Repeat("k", 65): "v"} }), "metadata", "too long (65 characters); at most 64"},
		{"metadata key 64", with(a(), func(a *Assistant) { a.Metadata = Metadata{strings.Repeat("ü", 64): "v"} }), "", ""},
		{"metadata empty key", with(a(), func(a *Assistant) { a.Metadata = Metadata{"": "v"} }), "metadata", "empty key"},
		{"metadata value", with(a(), func(a *Assistant) { a.Metadata = Metadata{"k": strings.Repeat("v", 513)} }), "metadata", `value of key "k" too long (513 characters); at most 512`},
		{"temperature low", with(a(), func(a *Assistant) { a.Temperature = Ptr(-0.1) }), "temperature", "-0.1 is out of range [0, 2]"},
		{"temperature high", with(a(), func(a *Assistant) { a.Temperature = Ptr(2.01) }), "temperature", "out of range"},
		{"temperature NaN", with(a(), func(a *Assistant) { a.Temperature = Ptr(math.NaN()) }), "temperature", "NaN is out of range"},
		{"top_p", with(a(), func(a *Assistant) { a.TopP = Ptr(1.1) }), "top_p", "1.1 is out of range [0, 1]"},
		{"response_format schema missing", with(a(), func(a *Assistant) { a.ResponseFormat = ResponseFormat{Type: ResponseFormatJSONSchema} }), "response_format.json_schema", "required with type json_schema"},
		{"response_format schema name", with(a(), func(a *Assistant) {
			a.ResponseFormat = ResponseFormat{Type: ResponseFormatJSONSchema, JSONSchema: &JSONSchemaFormat{Name: "a b"}}
		}), "response_format.json_schema.name", "does not match"},
		{"response_format schema not object", with(a(), func(a *Assistant) {
			a.ResponseFormat = ResponseFormat{Type: ResponseFormatJSONSchema, JSONSchema: &JSONSchemaFormat{Name: "a", Schema: json.RawMessage(`"x"`)}}
		}), "response_format.json_schema.schema", "JSON object"},
		{"response_format json_object with schema", with(a(), func(a *Assistant) {
			a.ResponseFormat = ResponseFormat{Type: ResponseFormatJSONObject, JSONSchema: &JSONSchemaFormat{Name: "a"}}
		}), "response_format.json_schema", "not allowed with type json_object"},
		{"response_format type", with(a(), func(a *Assistant) { a.ResponseFormat = ResponseFormat{Type: "yaml"} }), "response_format.type", `"yaml" is not one of`},
		{"response_format unknown decoded", with(a(), func(a *Assistant) {
			_ = json.Unmarshal([]byte(`"none"`), &a.ResponseFormat)
		}), "response_format", "unknown response format"},
	}
}

func threadCases() []validationCase {
	th := validThread
	return []validationCase{
		{"valid", th(), "", ""},
		{"id", with(th(), func(t *Thread) { t.ID = "thread_" }), "id", "nothing after the prefix"},
		{"object", with(th(), func(t *Thread) { t.Object = "thread.run" }), "object", "is not"},
		{"tool_resources", with(th(), func(t *Thread) {
			t.ToolResources = &ToolResources{CodeInterpreter: &CodeInterpreterResources{FileIDs: []string{"asst_1"}}}
		}), "tool_resources.code_interpreter.file_ids[0]", "file-"},
		{"metadata", with(th(), func(t *Thread) { t.Metadata = metadataOf(17) }), "metadata", "too many keys (17); at most 16"},
	}
}

func messageCases() []validationCase {
	m := validMessage
	unknownPart := func(m *Message) { _ = json.Unmarshal([]byte(`[{"type":"audio"}]`), &m.Content) }
	return []validationCase{
		{"valid", m(), "", ""},
		{"valid all parts", with(m(), func(m *Message) {
			m.Role, m.AssistantID, m.RunID = RoleAssistant, Ptr("asst_1"), Ptr("run_1")
			m.Content = []ContentPart{
				{Type: ContentText, Text: &TextContent{Value: "see [1]", Annotations: []Annotation{
					{Type: AnnotationFileCitation, Text: "[1]", StartIndex: 4, EndIndex: 7, FileCitation: &FileRef{FileID: "file-1"}},
					{Type: AnnotationFilePath, Text: "[1]", StartIndex: 4, EndIndex: 7, FilePath: &FileRef{FileID: "file-2"}},
				}}},
				TextPart(""), // an assistant message may hold an empty part while streaming
				ImageFilePart("file-1", DetailLow), ImageURLPart("https://example.com/a.png", ""),
				ImageURLPart("data:image/png;base64,AAAA", DetailAuto), RefusalPart("no"),
			}
			m.Attachments = []Attachment{{FileID: "file-1", Tools: []Tool{CodeInterpreterTool(), FileSearchTool(nil)}}}
		}), "", ""},
		{"id", with(m(), func(m *Message) { m.ID = "message_1" }), "id", `begins with "msg_"`},
		{"thread_id", with(m(), func(m *Message) { m.ThreadID = "thread_1/../x" }), "thread_id", "character '/'"},
		{"status", with(m(), func(m *Message) { m.Status = "done" }), "status", `"done" is not one of in_progress, incomplete, completed`},
		{"status empty", with(m(), func(m *Message) { m.Status = "" }), "status", "required"},
		{"role system", with(m(), func(m *Message) { m.Role = "system" }), "role", `"system" is not one of user, assistant`},
		{"incomplete reason", with(m(), func(m *Message) { m.IncompleteDetails = &IncompleteDetails{Reason: "bored"} }), "incomplete_details.reason", "is not one of"},
		{"completed_at", with(m(), func(m *Message) { m.CompletedAt = Ptr(int64(-5)) }), "completed_at", "negative"},
		{"unknown part", with(m(), unknownPart), "content[0].type", `unknown type "audio"`},
		{"part without type", with(m(), func(m *Message) { m.Content = []ContentPart{{}} }), "content[0].type", "required"},
		{"text missing", with(m(), func(m *Message) { m.Content = []ContentPart{{Type: ContentText}} }), "content[0].text", "required with type text"},
		{"text empty user", with(m(), func(m *Message) { m.Content = []ContentPart{TextPart("")} }), "content[0].text.value", "empty"},
		{"two members", with(m(), func(m *Message) {
			m.Content = []ContentPart{{Type: ContentText, Text: &TextContent{Value: "x"}, ImageURL: &ImageURL{URL: "https://x"}}}
		}), "content[0].image_url", "not allowed with type text"},
		{"image_file id", with(m(), func(m *Message) { m.Content = []ContentPart{ImageFilePart("file-../etc", "")} }), "content[0].image_file.file_id", "character '.'"},
		{"image detail", with(m(), func(m *Message) { m.Content = []ContentPart{ImageFilePart("file-1", "medium")} }), "content[0].image_file.detail", `"medium" is not one of auto, low, high`},
		{"image_url scheme", with(m(), func(m *Message) { m.Content = []ContentPart{ImageURLPart("ftp://x/y.png", "")} }), "content[0].image_url.url", "not an http, https or data URL"},
		{"image_url relative", with(m(), func(m *Message) { m.Content = []ContentPart{ImageURLPart("y.png", "")} }), "content[0].image_url.url", "not an http"},
		{"image_url no host", with(m(), func(m *Message) { m.Content = []ContentPart{ImageURLPart("https://", "")} }), "content[0].image_url.url", "no host"},
		{"image_url empty", with(m(), func(m *Message) { m.Content = []ContentPart{ImageURLPart("", "")} }), "content[0].image_url.url", "required"},
		{"refusal empty", with(m(), func(m *Message) { m.Content = []ContentPart{RefusalPart("")} }), "content[0].refusal", "empty"},
		{"annotation type", with(m(), func(m *Message) {
			m.Content[0].Text.Annotations = []Annotation{{Type: "footnote"}}
		}), "content[0].text.annotations[0].type", `unknown type "footnote"`},
		{"annotation order", with(m(), func(m *Message) {
			m.Content[0].Text.Annotations = []Annotation{{Type: AnnotationFilePath, FilePath: &FileRef{FileID: "file-1"}, StartIndex: 5, EndIndex: 2}}
		}), "content[0].text.annotations[0].end_index", "2 is before start_index 5"},
		{"annotation negative", with(m(), func(m *Message) {
			m.Content[0].Text.Annotations = []Annotation{{Type: AnnotationFilePath, FilePath: &FileRef{FileID: "file-1"}, StartIndex: -1}}
		}), "content[0].text.annotations[0].start_index", "negative"},
		{"annotation missing ref", with(m(), func(m *Message) {
			m.Content[0].Text.Annotations = []Annotation{{Type: AnnotationFileCitation}}
		}), "content[0].text.annotations[0].file_citation", "required"},
		{"annotation file id", with(m(), func(m *Message) {
			m.Content[0].Text.Annotations = []Annotation{{Type: AnnotationFileCitation, FileCitation: &FileRef{FileID: "x"}}}
		}), "content[0].text.annotations[0].file_citation.file_id", `begins with "file-"`},
		{"assistant_id", with(m(), func(m *Message) { m.AssistantID = Ptr("assistant_1") }), "assistant_id", `begins with "asst_"`},
		{"run_id", with(m(), func(m *Message) { m.RunID = Ptr("") }), "run_id", "empty"},
		{"attachment file", with(m(), func(m *Message) { m.Attachments = []Attachment{{FileID: "file-a b"}} }), "attachments[0].file_id", "character ' '"},
		{"attachment function tool", with(m(), func(m *Message) {
			m.Attachments = []Attachment{{FileID: "file-1", Tools: []Tool{FunctionTool(FunctionDefinition{Name: "f"})}}}
		}), "attachments[0].tools[0].type", `unknown type "function"; expected one of code_interpreter, file_search`},
		{"attachment file_search options", with(m(), func(m *Message) {
			m.Attachments = []Attachment{{FileID: "file-1", Tools: []Tool{FileSearchTool(&FileSearchOptions{})}}}
		}), "attachments[0].tools[0].file_search", "not allowed in an attachment"},
		{"metadata", with(m(), func(m *Message) { m.Metadata = Metadata{"k": strings.Repeat("v", 513)} }), "metadata", "at most 512"},
	}
}

func runCases() []validationCase {
	r := validRun
	action := func() *RequiredAction {
		return &RequiredAction{SubmitToolOutputs: SubmitToolOutputs{ToolCalls: []RunToolCall{
			{ID: "call_1", Function: RunToolCallFunction{Name: "f", Arguments: "{}"}},
		}}}
	}
	return []validationCase{
		{"valid", r(), "", ""},
		{"valid requires_action", with(r(), func(r *Run) { r.Status, r.RequiredAction = RunRequiresAction, action() }), "", ""},
		{"valid 128 tools", with(r(), func(r *Run) { r.Tools = manyTools(128) }), "", ""},
		{"valid nulls", with(r(), func(r *Run) {
			r.ToolChoice, r.ResponseFormat, r.TruncationStrategy = ToolChoice{}, ResponseFormat{}, nil
		}), "", ""},
		{"id", with(r(), func(r *Run) { r.ID = "step_1" }), "id", `begins with "run_"`},
		{"thread_id", with(r(), func(r *Run) { r.ThreadID = "" }), "thread_id", "empty"},
		{"assistant_id", with(r(), func(r *Run) { r.AssistantID = "asst_\x00" }), "assistant_id", "control character"},
		{"status", with(r(), func(r *Run) { r.Status = "paused" }), "status", `"paused" is not one of queued, in_progress`},
		{"requires_action without action", with(r(), func(r *Run) { r.Status = RunRequiresAction }), "required_action", "required with status requires_action"},
		{"action without requires_action", with(r(), func(r *Run) { r.RequiredAction = action() }), "required_action", "must be null with status queued"},
		{"action type", with(r(), func(r *Run) {
			r.Status, r.RequiredAction = RunRequiresAction, action()
			r.RequiredAction.Type = "approve"
		}),
			"required_action.type", `"approve" is not submit_tool_outputs`},
		{"action no calls", with(r(), func(r *Run) {
			r.Status, r.RequiredAction = RunRequiresAction, action()
			r.RequiredAction.SubmitToolOutputs.ToolCalls = nil
		}), "required_action.submit_tool_outputs.tool_calls", "empty"},
		{"action call id", with(r(), func(r *Run) {
			r.Status, r.RequiredAction = RunRequiresAction, action()
			r.RequiredAction.SubmitToolOutputs.ToolCalls[0].ID = "call 1"
		}), "required_action.submit_tool_outputs.tool_calls[0].id", "character ' '"},
		{"action duplicate call", with(r(), func(r *Run) {
			r.Status, r.RequiredAction = RunRequiresAction, action()
			c := r.RequiredAction.SubmitToolOutputs.ToolCalls
			r.RequiredAction.SubmitToolOutputs.ToolCalls = append(c, c[0])
		}), "required_action.submit_tool_outputs.tool_calls[1].id", `duplicate tool call id "call_1"`},
		{"action call name", with(r(), func(r *Run) {
			r.Status, r.RequiredAction = RunRequiresAction, action()
			r.RequiredAction.SubmitToolOutputs.ToolCalls[0].Function.Name = ""
		}), "required_action.submit_tool_outputs.tool_calls[0].function.name", "required"},
		{"last_error code", with(r(), func(r *Run) { r.LastError = &LastError{Code: "oops", Message: "m"} }), "last_error.code", "is not one of server_error, rate_limit_exceeded, invalid_prompt"},
		{"incomplete reason", with(r(), func(r *Run) { r.IncompleteDetails = &IncompleteDetails{Reason: "max_tokens"} }), "incomplete_details.reason", "is not one of max_completion_tokens, max_prompt_tokens"},
		{"started_at", with(r(), func(r *Run) { r.StartedAt = Ptr(int64(-1)) }), "started_at", "negative"},
		{"model", with(r(), func(r *Run) { r.Model = "" }), "model", "required"},
		{"tools", with(r(), func(r *Run) { r.Tools = manyTools(129) }), "tools", "too many tools (129); at most 128"},
		{"tool", with(r(), func(r *Run) { r.Tools = []Tool{FunctionTool(FunctionDefinition{Name: "a.b"})} }), "tools[0].function.name", "does not match"},
		{"usage", with(r(), func(r *Run) { r.Usage = &Usage{TotalTokens: -1} }), "usage.total_tokens", "negative"},
		{"temperature", with(r(), func(r *Run) { r.Temperature = Ptr(3.0) }), "temperature", "out of range [0, 2]"},
		{"top_p", with(r(), func(r *Run) { r.TopP = Ptr(-1.0) }), "top_p", "out of range [0, 1]"},
		{"max_prompt_tokens", with(r(), func(r *Run) { r.MaxPromptTokens = Ptr(int64(255)) }), "max_prompt_tokens", "255 is below the minimum of 256"},
		{"max_completion_tokens", with(r(), func(r *Run) { r.MaxCompletionTokens = Ptr(int64(0)) }), "max_completion_tokens", "below the minimum"},
		{"truncation type", with(r(), func(r *Run) { r.TruncationStrategy = &TruncationStrategy{Type: "first"} }), "truncation_strategy.type", `"first" is not one of auto, last_messages`},
		{"truncation last_messages", with(r(), func(r *Run) {
			r.TruncationStrategy = &TruncationStrategy{Type: TruncationLastMessages, LastMessages: Ptr(0)}
		}), "truncation_strategy.last_messages", "0 is below the minimum of 1"},
		{"tool_choice function missing", with(r(), func(r *Run) { r.ToolChoice = ToolChoice{Tool: &NamedToolChoice{Type: ToolFunction}} }), "tool_choice.function", "required with type function"},
		{"tool_choice function name", with(r(), func(r *Run) {
			r.ToolChoice = ToolChoice{Tool: &NamedToolChoice{Type: ToolFunction, Function: &FunctionName{Name: "a/b"}}}
		}), "tool_choice.function.name", "does not match"},
		{"tool_choice type", with(r(), func(r *Run) { r.ToolChoice = ToolChoice{Tool: &NamedToolChoice{Type: "browser"}} }), "tool_choice.type", `"browser" is not one of`},
		{"tool_choice both", with(r(), func(r *Run) {
			r.ToolChoice = ToolChoice{Mode: ToolChoiceAuto, Tool: &NamedToolChoice{Type: ToolFileSearch}}
		}), "tool_choice", "both a mode"},
		{"tool_choice unknown", with(r(), func(r *Run) { _ = json.Unmarshal([]byte(`"sometimes"`), &r.ToolChoice) }), "tool_choice", "unknown tool choice"},
		{"response_format", with(r(), func(r *Run) { r.ResponseFormat = ResponseFormat{Type: ResponseFormatJSONSchema} }), "response_format.json_schema", "required"},
	}
}

func stepCases() []validationCase {
	s := validStep
	msgStep := func(s *RunStep) {
		s.Type = StepMessageCreation
		s.StepDetails = StepDetails{Type: StepMessageCreation, MessageCreation: &MessageCreation{MessageID: "msg_1"}}
	}
	return []validationCase{
		{"valid", s(), "", ""},
		{"valid message_creation", with(s(), msgStep), "", ""},
		{"valid all tool calls", with(s(), func(s *RunStep) {
			s.StepDetails.ToolCalls = append(s.StepDetails.ToolCalls,
				ToolCall{ID: "call_2", Type: ToolCodeInterpreter, CodeInterpreter: &CodeInterpreterCall{Input: "1", Outputs: []CodeOutput{
					{Type: CodeOutputLogs, Logs: "1"}, {Type: CodeOutputImage, Image: &FileRef{FileID: "file-1"}},
				}}},
				ToolCall{ID: "call_3", Type: ToolFileSearch, FileSearch: &FileSearchCall{
					RankingOptions: &FileSearchRankingOptions{Ranker: RankerAuto, ScoreThreshold: 0.5},
					Results:        []FileSearchResult{{FileID: "file-1", FileName: "a", Score: 1}},
				}},
				ToolCall{ID: "call_4", Type: ToolFileSearch},
			)
		}), "", ""},
		{"id", with(s(), func(s *RunStep) { s.ID = "run_1" }), "id", `begins with "step_"`},
		{"run_id", with(s(), func(s *RunStep) { s.RunID = "step_1" }), "run_id", `begins with "run_"`},
		{"type", with(s(), func(s *RunStep) { s.Type = "thinking" }), "type", `"thinking" is not one of message_creation, tool_calls`},
		{"status", with(s(), func(s *RunStep) { s.Status = "queued" }), "status", `"queued" is not one of in_progress, cancelled, failed, completed, expired`},
		{"details type mismatch", with(s(), func(s *RunStep) { s.Type = StepMessageCreation }), "step_details.type", "does not match the step's type"},
		{"details unknown", with(s(), func(s *RunStep) { _ = json.Unmarshal([]byte(`{"type":"reasoning"}`), &s.StepDetails) }), "step_details.type", `unknown type "reasoning"`},
		{"message_creation missing", with(s(), func(s *RunStep) {
			msgStep(s)
			s.StepDetails.MessageCreation = nil
		}), "step_details.message_creation", "required with type message_creation"},
		{"message id", with(s(), func(s *RunStep) {
			msgStep(s)
			s.StepDetails.MessageCreation.MessageID = "thread_1"
		}), "step_details.message_creation.message_id", `begins with "msg_"`},
		{"tool call unknown", with(s(), func(s *RunStep) {
			_ = json.Unmarshal([]byte(`[{"id":"call_1","type":"mcp"}]`), &s.StepDetails.ToolCalls)
		}), "step_details.tool_calls[0].type", `unknown type "mcp"`},
		{"tool call id", with(s(), func(s *RunStep) { s.StepDetails.ToolCalls[0].ID = "" }), "step_details.tool_calls[0].id", "empty"},
		{"tool call member", with(s(), func(s *RunStep) { s.StepDetails.ToolCalls[0].Function = nil }), "step_details.tool_calls[0].function", "required with type function"},
		{"tool call other member", with(s(), func(s *RunStep) {
			s.StepDetails.ToolCalls[0].CodeInterpreter = &CodeInterpreterCall{}
		}), "step_details.tool_calls[0].code_interpreter", "not allowed with type function"},
		{"function name", with(s(), func(s *RunStep) { s.StepDetails.ToolCalls[0].Function.Name = "" }), "step_details.tool_calls[0].function.name", "required"},
		{"code output image", with(s(), func(s *RunStep) {
			s.StepDetails.ToolCalls = []ToolCall{{ID: "call_1", Type: ToolCodeInterpreter, CodeInterpreter: &CodeInterpreterCall{Outputs: []CodeOutput{{Type: CodeOutputImage}}}}}
		}), "step_details.tool_calls[0].code_interpreter.outputs[0].image", "required with type image"},
		{"code output type", with(s(), func(s *RunStep) {
			s.StepDetails.ToolCalls = []ToolCall{{ID: "call_1", Type: ToolCodeInterpreter, CodeInterpreter: &CodeInterpreterCall{Outputs: []CodeOutput{{Type: "stdout"}}}}}
		}), "step_details.tool_calls[0].code_interpreter.outputs[0].type", `unknown type "stdout"`},
		{"file_search ranker", with(s(), func(s *RunStep) {
			s.StepDetails.ToolCalls = []ToolCall{{ID: "call_1", Type: ToolFileSearch, FileSearch: &FileSearchCall{RankingOptions: &FileSearchRankingOptions{}}}}
		}), "step_details.tool_calls[0].file_search.ranking_options.ranker", "required"},
		{"file_search score", with(s(), func(s *RunStep) {
			s.StepDetails.ToolCalls = []ToolCall{{ID: "call_1", Type: ToolFileSearch, FileSearch: &FileSearchCall{Results: []FileSearchResult{{FileID: "file-1", Score: 2}}}}}
		}), "step_details.tool_calls[0].file_search.results[0].score", "2 is out of range [0, 1]"},
		{"last_error code", with(s(), func(s *RunStep) { s.LastError = &LastError{Code: ErrorCodeInvalidPrompt} }), "last_error.code", "is not one of server_error, rate_limit_exceeded"},
		{"expired_at", with(s(), func(s *RunStep) { s.ExpiredAt = Ptr(int64(-1)) }), "expired_at", "negative"},
		{"metadata", with(s(), func(s *RunStep) { s.Metadata = metadataOf(17) }), "metadata", "too many keys"},
	}
}

func fileCases() []validationCase {
	f := validFile
	return []validationCase{
		{"valid", f(), "", ""},
		{"valid evals", with(f(), func(f *File) { f.Purpose = PurposeEvals }), "", ""},
		{"valid output", with(f(), func(f *File) { f.Purpose = PurposeAssistantsOutput }), "", ""},
		{"valid max size", with(f(), func(f *File) { f.Bytes = MaxStoredFileBytes }), "", ""},
		{"id underscore", with(f(), func(f *File) { f.ID = "file_abc" }), "id", `expected an id that begins with "file-"`},
		{"bytes negative", with(f(), func(f *File) { f.Bytes = -1 }), "bytes", "-1 is out of range"},
		{"bytes too big", with(f(), func(f *File) { f.Bytes = MaxStoredFileBytes + 1 }), "bytes", "out of range [0, 5497558138880]"},
		{"filename empty", with(f(), func(f *File) { f.Filename = "" }), "filename", "required"},
		{"filename control", with(f(), func(f *File) { f.Filename = "a\nb" }), "filename", "control character"},
		{"filename long", with(f(), func(f *File) { f.Filename = strings.Repeat("a", 1025) }), "filename", "too long"},
		{"purpose", with(f(), func(f *File) { f.Purpose = "training" }), "purpose", `"training" is not one of assistants, batch, fine-tune, vision, user_data, evals`},
		{"status", with(f(), func(f *File) { f.Status = "deleted" }), "status", "is not one of uploaded, processed, error"},
		{"expires_at", with(f(), func(f *File) { f.ExpiresAt = Ptr(int64(-3)) }), "expires_at", "negative"},
	}
}

func TestValidate(t *testing.T) {
	groups := map[string][]validationCase{
		"assistant": assistantCases(t),
		"thread":    threadCases(),
		"message":   messageCases(),
		"run":       runCases(),
		"step":      stepCases(),
		"file":      fileCases(),
	}
	for group, cases := range groups {
		for _, tc := range cases {
			t.Run(group+"/"+tc.name, func(t *testing.T) { checkValidation(t, tc) })
		}
	}
}

func checkValidation(t *testing.T, tc validationCase) {
	t.Helper()
	err := tc.v.Validate()
	if tc.field == "" {
		if err != nil {
			t.Fatalf("Validate = %v; want nil", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("Validate = nil; want an error for %s", tc.field)
	}
	// The doc package finds the field this way.
	var f interface{ Field() string }
	if !errors.As(err, &f) || f.Field() != tc.field {
		t.Errorf("error %q names field %v; want %q", err, f, tc.field)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, tc.field+": ") {
		t.Errorf("error %q does not start with %q", msg, tc.field+": ")
	}
	if !strings.Contains(msg, tc.reason) {
		t.Errorf("error %q does not say %q", msg, tc.reason)
	}
}

func TestValidationMessages(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{ValidateMetadata(metadataOf(17)), "metadata: too many keys (17); at most 16"},
		{(&Assistant{ID: "asst_1", Model: "m", Name: Ptr(strings.Repeat("x", 300))}).Validate(), "name: too long (300 characters); at most 256"},
		{ValidateTools("tools", manyTools(21), MaxRunTools), "tools: too many tools (21); at most 20"},
		{(&Thread{ID: "x"}).Validate(), `id: invalid id "x": expected an id that begins with "thread_"`},
		{ValidateUploadPurpose("assistants_output"), `purpose: "assistants_output" is not one of assistants, batch, fine-tune, vision, user_data, evals`},
	} {
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("error %v; want %q", tc.err, tc.want)
		}
	}
}

func TestIDFieldErrorsMatchInvalidKey(t *testing.T) {
	err := validMessage().Validate()
	if err != nil {
		t.Fatal(err)
	}
	m := validMessage()
	m.ThreadID = "../x"
	err = m.Validate()
	if !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("%v does not match storage.ErrInvalidKey", err)
	}
	var ie *IDError
	if !errors.As(err, &ie) || ie.ID != "../x" || ie.Prefix != PrefixThread {
		t.Errorf("%v does not carry the *IDError", err)
	}
}

func TestValidateToolsUnknownAndLimits(t *testing.T) {
	if err := ValidateTools("tools", manyTools(20), MaxRunTools); err != nil {
		t.Errorf("20 run tools: %v", err)
	}
	if err := ValidateTools("tools", manyTools(128), MaxAssistantTools); err != nil {
		t.Errorf("128 assistant tools: %v", err)
	}
}

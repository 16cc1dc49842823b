package runner_test

//lint:file-ignore SA1019 r2kit serves the Assistants API, which openai-go marks deprecated

import (
	"encoding/json"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/fakemodel"
)

// TestOpenAIRequestMapping: a run's response_format, tool_choice and
// parallel_tool_calls reach the model in the chat-completions form.
func TestOpenAIRequestMapping(t *testing.T) {
	fn := openai.AssistantToolUnionParam{OfFunction: &openai.FunctionToolParam{
		Function: shared.FunctionDefinitionParam{Name: "lookup", Parameters: shared.FunctionParameters{"type": "object"}}}}
	schema := map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{"type": "string"}},
		"required": []any{"a"}, "additionalProperties": false}
	cases := []struct {
		name   string
		params openai.BetaThreadRunNewParams
		want   map[string]string // body member -> its JSON; "" for absent
	}{
		{"json_schema strict, named function, no parallel calls", openai.BetaThreadRunNewParams{
			ResponseFormat: openai.AssistantResponseFormatOptionUnionParam{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
				JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "answer", Schema: schema, Strict: openai.Bool(true)}}},
			ToolChoice: openai.AssistantToolChoiceOptionUnionParam{OfAssistantToolChoice: &openai.AssistantToolChoiceParam{
				Type: "function", Function: openai.AssistantToolChoiceFunctionParam{Name: "lookup"}}},
			ParallelToolCalls: openai.Bool(false),
		}, map[string]string{
			"response_format":     `{"json_schema":{"name":"answer","schema":{"additionalProperties":false,"properties":{"a":{"type":"string"}},"required":["a"],"type":"object"},"strict":true},"type":"json_schema"}`,
			"tool_choice":         `{"function":{"name":"lookup"},"type":"function"}`,
			"parallel_tool_calls": `false`,
		}},
		{"json_object, required", openai.BetaThreadRunNewParams{
			ResponseFormat: openai.AssistantResponseFormatOptionUnionParam{OfJSONObject: &shared.ResponseFormatJSONObjectParam{}},
			ToolChoice:     openai.AssistantToolChoiceOptionUnionParam{OfAuto: openai.String("required")},
		}, map[string]string{"response_format": `{"type":"json_object"}`, "tool_choice": `"required"`, "parallel_tool_calls": `true`}},
		{"none", openai.BetaThreadRunNewParams{ToolChoice: openai.AssistantToolChoiceOptionUnionParam{OfAuto: openai.String("none")}},
			map[string]string{"response_format": "", "tool_choice": `"none"`}},
		{"auto", openai.BetaThreadRunNewParams{ToolChoice: openai.AssistantToolChoiceOptionUnionParam{OfAuto: openai.String("auto")}},
			map[string]string{"tool_choice": `"auto"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := startLive(t, backendtest.NewBucket(t, "mem"), fakemodel.New(fakemodel.Reply{Content: `{"a":"b"}`}), fn)
			thread := l.thread("hi")
			p := tc.params
			p.AssistantID = l.asst
			run, err := l.c.Beta.Threads.Runs.New(t.Context(), thread, p)
			if err != nil {
				t.Fatal(err)
			}
			if got := l.poll(thread, run.ID, openai.RunStatusCompleted, openai.RunStatusFailed); got.Status != openai.RunStatusCompleted {
				t.Fatalf("run = %s", got.RawJSON())
			}
			body := l.fm.Requests()[0].Body
			for k, want := range tc.want {
				v, ok := body[k]
				got := ""
				if ok {
					b, _ := json.Marshal(v)
					got = string(b)
				}
				if got != want {
					t.Errorf("%s sent %s; want %s", k, got, want)
				}
			}
		})
	}
}

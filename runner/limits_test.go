package runner_test

//lint:file-ignore SA1019 r2kit serves the Assistants API, which openai-go marks deprecated

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"
	"github.com/tiktoken-go/tokenizer"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/runner"
)

// fill adds n messages to thread, alternately from the assistant and
// the user so that the last one is the user's, each about 40 tokens
// long and numbered ("message 17: ...").
func (e *env) fill(thread string, n int) {
	e.t.Helper()
	for i := range n {
		role := assistants.RoleUser
		if (n-1-i)%2 == 1 {
			role = assistants.RoleAssistant
		}
		body := fmt.Sprintf("message %d: %s", i, strings.Repeat("lorem ipsum dolor sit amet ", 7))
		if _, err := e.store.Messages.Create(e.t.Context(), thread, &assistants.MessageCreateRequest{
			Role: role, Content: assistants.TextInput(body)}); err != nil {
			e.t.Fatalf("add message %d: %v", i, err)
		}
	}
}

// texts returns the text of each message of a request.
func texts(req fakemodel.Request) []string {
	var out []string
	msgs, _ := req.Body["messages"].([]any)
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		out = append(out, fakemodel.Text(mm))
	}
	return out
}

// o200k counts a request's prompt tokens on its own, as OpenAI's guide
// to counting chat tokens does: 3 per message plus its role and
// content, and 3 for the reply.
func o200k(t *testing.T, req fakemodel.Request) int {
	t.Helper()
	c, err := tokenizer.Get(tokenizer.O200kBase)
	if err != nil {
		t.Fatal(err)
	}
	n := 3
	msgs, _ := req.Body["messages"].([]any)
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		role, _ := mm["role"].(string)
		a, _ := c.Count(role)
		b, _ := c.Count(fakemodel.Text(mm))
		n += 3 + a + b
	}
	return n
}

// TestOpenAITruncationLastMessages: a 300-message thread run with
// truncation_strategy last_messages 5 sends the model the system
// message and the last 5 messages, in order.
func TestOpenAITruncationLastMessages(t *testing.T) {
	l := startLive(t, backendtest.NewBucket(t, "file"), fakemodel.New(fakemodel.Reply{Content: "ok"}))
	thread := l.thread("message -1")
	l.fill(thread, 299)
	run, err := l.c.Beta.Threads.Runs.New(t.Context(), thread, openai.BetaThreadRunNewParams{AssistantID: l.asst,
		TruncationStrategy: openai.BetaThreadRunNewParamsTruncationStrategy{Type: "last_messages", LastMessages: openai.Int(5)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := l.poll(thread, run.ID, openai.RunStatusCompleted, openai.RunStatusFailed); got.Status != openai.RunStatusCompleted {
		t.Fatalf("run = %s", got.RawJSON())
	}
	req := l.fm.Requests()[0]
	if req.Messages != 6 || strings.Join(req.Roles, ",") != "system,user,assistant,user,assistant,user" {
		t.Fatalf("request carried %d messages, roles %v; want the system message and 5", req.Messages, req.Roles)
	}
	got := texts(req)
	for i, want := range []int{294, 295, 296, 297, 298} {
		if !strings.HasPrefix(got[i+1], fmt.Sprintf("message %d:", want)) {
			t.Fatalf("message %d sent is %.20q; want message %d", i+1, got[i+1], want)
		}
	}
}

// TestOpenAITruncationAuto: with a 4,000-token context window
// (Options.ContextTokens, --model-context-tokens), truncation auto
// keeps the prompt under 4,000 tokens as the tokenizer counts them, by
// dropping the oldest messages: the request is the system message and
// the newest messages, as many as fit the budget (the window less an
// eighth for the reply).
func TestOpenAITruncationAuto(t *testing.T) {
	const window = 4000
	l := startLiveWith(t, backendtest.NewBucket(t, "file"), fakemodel.New(fakemodel.Reply{Content: "ok"}),
		func(o *runner.Options) { o.ContextTokens = window })
	thread := l.thread("message -1")
	l.fill(thread, 299)
	run, err := l.c.Beta.Threads.Runs.New(t.Context(), thread, openai.BetaThreadRunNewParams{AssistantID: l.asst,
		TruncationStrategy: openai.BetaThreadRunNewParamsTruncationStrategy{Type: "auto"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := l.poll(thread, run.ID, openai.RunStatusCompleted, openai.RunStatusFailed); got.Status != openai.RunStatusCompleted {
		t.Fatalf("run = %s", got.RawJSON())
	}
	req := l.fm.Requests()[0]
	tokens := o200k(t, req)
	if tokens >= window {
		t.Fatalf("request of %d messages is %d tokens; want under %d", req.Messages, tokens, window)
	}
	got := texts(req)
	if req.Roles[0] != "system" || got[0] != "Answer briefly." {
		t.Fatalf("first message %s %q; want the instructions", req.Roles[0], got[0])
	}
	kept := req.Messages - 1
	first := 299 - kept // the thread's messages are -1..298
	for i := 1; i < len(got); i++ {
		if want := fmt.Sprintf("message %d:", first+i-1); !strings.HasPrefix(got[i], want) {
			t.Fatalf("message %d sent is %.20q; want %q: the newest messages, in order", i, got[i], want)
		}
	}
	// As many as fit: one more (about 45 tokens) would pass the budget.
	if budget := window - window/8; tokens+45 <= budget || kept < 20 {
		t.Fatalf("kept %d messages, %d tokens; want as many as fit %d", kept, tokens, budget)
	}
	t.Logf("kept %d of 300 messages: %d tokens", kept, tokens)
}

// TestOpenAIMaxPromptTokens: a run whose max_prompt_tokens cannot hold
// the instructions and the newest user message ends incomplete with
// reason max_prompt_tokens, without calling the model; one that can is
// truncated to fit it.
func TestOpenAIMaxPromptTokens(t *testing.T) {
	l := startLive(t, backendtest.NewBucket(t, "file"), fakemodel.New(fakemodel.Reply{Content: "ok"}))
	thread := l.thread(strings.Repeat("far too long ", 300))
	run, err := l.c.Beta.Threads.Runs.New(t.Context(), thread, openai.BetaThreadRunNewParams{AssistantID: l.asst,
		MaxPromptTokens: openai.Int(256)})
	if err != nil {
		t.Fatal(err)
	}
	got := l.poll(thread, run.ID, openai.RunStatusIncomplete, openai.RunStatusCompleted, openai.RunStatusFailed)
	if got.Status != openai.RunStatusIncomplete || got.IncompleteDetails.Reason != "max_prompt_tokens" || l.fm.Count() != 0 {
		t.Fatalf("run = %s; %d model requests", got.RawJSON(), l.fm.Count())
	}

	thread = l.thread("message -1")
	l.fill(thread, 99)
	run, err = l.c.Beta.Threads.Runs.New(t.Context(), thread, openai.BetaThreadRunNewParams{AssistantID: l.asst,
		MaxPromptTokens: openai.Int(500)})
	if err != nil {
		t.Fatal(err)
	}
	if got := l.poll(thread, run.ID, openai.RunStatusCompleted, openai.RunStatusIncomplete, openai.RunStatusFailed); got.Status != openai.RunStatusCompleted {
		t.Fatalf("run = %s", got.RawJSON())
	}
	req := l.fm.Requests()[0]
	if n := o200k(t, req); n > 500 || req.Messages < 5 || !strings.HasPrefix(texts(req)[req.Messages-1], "message 98:") {
		t.Fatalf("request of %d messages, %d tokens; want the newest under 500", req.Messages, n)
	}
}

// TestOpenAILengthIncomplete: max_completion_tokens reaches the model,
// and a reply it cuts for length ends the run incomplete (reason
// max_completion_tokens) and the message incomplete (reason
// max_tokens), with the text received.
func TestOpenAILengthIncomplete(t *testing.T) {
	l := startLive(t, backendtest.NewBucket(t, "file"), fakemodel.New(fakemodel.Reply{Content: "It was a dark and", FinishReason: "length"}))
	thread := l.thread("Tell me a story")
	run, err := l.c.Beta.Threads.Runs.New(t.Context(), thread, openai.BetaThreadRunNewParams{AssistantID: l.asst,
		MaxCompletionTokens: openai.Int(300)})
	if err != nil {
		t.Fatal(err)
	}
	got := l.poll(thread, run.ID, openai.RunStatusIncomplete, openai.RunStatusCompleted, openai.RunStatusFailed)
	if got.Status != openai.RunStatusIncomplete || got.IncompleteDetails.Reason != "max_completion_tokens" {
		t.Fatalf("run = %s", got.RawJSON())
	}
	m := l.newest(thread)
	if m.Status != openai.MessageStatusIncomplete || m.IncompleteDetails.Reason != "max_tokens" || m.IncompleteAt == 0 ||
		m.Content[0].Text.Value != "It was a dark and" {
		t.Fatalf("message = %s", m.RawJSON())
	}
	if mct := l.fm.Requests()[0].Body["max_completion_tokens"]; mct != float64(300) {
		t.Fatalf("max_completion_tokens sent %v; want 300", mct)
	}
}

// pngBytes is a 1x1 PNG.
var pngBytes, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

// TestOpenAIImages: an image_file part (a file uploaded with purpose
// vision) reaches the model as an image_url part whose URL is a data URL
// of the file's bytes, detail included; an image_url part as it is.
func TestOpenAIImages(t *testing.T) {
	l := startLive(t, backendtest.NewBucket(t, "file"), fakemodel.New(fakemodel.Reply{Content: "a dot"}))
	ctx := t.Context()
	f, err := l.c.Files.New(ctx, openai.FileNewParams{File: openai.File(bytes.NewReader(pngBytes), "dot.png", "image/png"),
		Purpose: openai.FilePurposeVision})
	if err != nil {
		t.Fatal(err)
	}
	th, err := l.c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.c.Beta.Threads.Messages.New(ctx, th.ID, openai.BetaThreadMessageNewParams{Role: "user",
		Content: openai.BetaThreadMessageNewParamsContentUnion{OfArrayOfContentParts: []openai.MessageContentPartParamUnion{
			{OfText: &openai.TextContentBlockParam{Text: "What are these?"}},
			{OfImageFile: &openai.ImageFileContentBlockParam{ImageFile: openai.ImageFileParam{FileID: f.ID, Detail: "high"}}},
			{OfImageURL: &openai.ImageURLContentBlockParam{ImageURL: openai.ImageURLParam{URL: "https://example.com/cat.png", Detail: "low"}}},
		}}}); err != nil {
		t.Fatal(err)
	}
	run, err := l.c.Beta.Threads.Runs.New(ctx, th.ID, openai.BetaThreadRunNewParams{AssistantID: l.asst})
	if err != nil {
		t.Fatal(err)
	}
	if got := l.poll(th.ID, run.ID, openai.RunStatusCompleted, openai.RunStatusFailed); got.Status != openai.RunStatusCompleted {
		t.Fatalf("run = %s", got.RawJSON())
	}
	req := l.fm.Requests()[0]
	imgs := fakemodel.Images(req)
	want := []fakemodel.Image{
		{Message: 1, URL: "data:image/png;base64," + base64.StdEncoding.EncodeToString(pngBytes), Detail: "high"},
		{Message: 1, URL: "https://example.com/cat.png", Detail: "low"},
	}
	if len(imgs) != 2 || imgs[0] != want[0] || imgs[1] != want[1] {
		t.Fatalf("images sent %+v; want %+v", imgs, want)
	}
	if fakemodel.LastUserText(req) != "What are these?" {
		t.Fatalf("text sent %q", fakemodel.LastUserText(req))
	}
}

// TestOpenAIImageRejected: a model that rejects images fails the run
// with the model's message.
func TestOpenAIImageRejected(t *testing.T) {
	l := startLive(t, backendtest.NewBucket(t, "file"), fakemodel.New(fakemodel.Reply{Status: 400, Message: "this model does not support image inputs"}))
	ctx := t.Context()
	th, err := l.c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{Messages: []openai.BetaThreadNewParamsMessage{{Role: "user",
		Content: openai.BetaThreadNewParamsMessageContentUnion{OfArrayOfContentParts: []openai.MessageContentPartParamUnion{
			{OfImageURL: &openai.ImageURLContentBlockParam{ImageURL: openai.ImageURLParam{URL: "https://example.com/cat.png"}}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := l.c.Beta.Threads.Runs.New(ctx, th.ID, openai.BetaThreadRunNewParams{AssistantID: l.asst})
	if err != nil {
		t.Fatal(err)
	}
	got := l.poll(th.ID, run.ID, openai.RunStatusFailed, openai.RunStatusCompleted)
	if got.Status != openai.RunStatusFailed || got.LastError.Code != "invalid_prompt" ||
		!strings.Contains(got.LastError.Message, "does not support image inputs") {
		t.Fatalf("run = %s", got.RawJSON())
	}
}

// TestOpenAIToolArgumentDeltas: a streamed run with function tools
// delivers each call's arguments as thread.run.step.delta events whose
// concatenation equals the arguments of required_action, under the
// same call ids.
func TestOpenAIToolArgumentDeltas(t *testing.T) {
	calls := []fakemodel.ToolCall{
		{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Paris","unit":"celsius","days":3}`},
		{ID: "call_2", Name: "get_time", Arguments: `{"tz":"Europe/Paris"}`},
	}
	fm := fakemodel.New(fakemodel.Reply{ToolCalls: calls, ArgumentFragments: 6})
	fn := func(name string) openai.AssistantToolUnionParam {
		return openai.AssistantToolUnionParam{OfFunction: &openai.FunctionToolParam{
			Function: shared.FunctionDefinitionParam{Name: name, Parameters: shared.FunctionParameters{"type": "object"}}}}
	}
	l := startLive(t, backendtest.NewBucket(t, "file"), fm, fn("get_weather"), fn("get_time"))
	thread := l.thread("Weather and time in Paris?")
	stream := l.c.Beta.Threads.Runs.NewStreaming(t.Context(), thread, openai.BetaThreadRunNewParams{AssistantID: l.asst})
	defer stream.Close()
	args := map[int64]string{}
	ids := map[int64]string{}
	deltas := 0
	var final openai.Run
	for stream.Next() {
		ev := stream.Current()
		switch ev.Event {
		case "thread.run.step.delta":
			for _, c := range ev.AsThreadRunStepDelta().Data.Delta.StepDetails.AsToolCalls().ToolCalls {
				f := c.AsFunction()
				args[f.Index] += f.Function.Arguments
				if f.ID != "" {
					ids[f.Index] = f.ID
				}
				deltas++
			}
		case "thread.run.requires_action":
			final = ev.AsThreadRunRequiresAction().Data
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	got := final.RequiredAction.SubmitToolOutputs.ToolCalls
	if len(got) != 2 || deltas != 12 {
		t.Fatalf("%d deltas; required action %s", deltas, final.RawJSON())
	}
	for i, c := range got {
		if args[int64(i)] != c.Function.Arguments || c.Function.Arguments != calls[i].Arguments || ids[int64(i)] != c.ID {
			t.Fatalf("call %d: deltas %q (id %s), required_action %q (id %s)", i, args[int64(i)], ids[int64(i)], c.Function.Arguments, c.ID)
		}
	}
}

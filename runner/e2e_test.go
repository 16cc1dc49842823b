package runner_test

//lint:file-ignore SA1019 r2kit serves the Assistants API, which openai-go marks deprecated

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/runner"
	"github.com/r2kit/r2kit/storage"
)

// executorRef hands the API the worker made after it (the worker needs
// the API's Store).
type executorRef struct{ w *runner.Worker }

func (e *executorRef) Enqueue(ctx context.Context, thread, run string) error {
	return e.w.Enqueue(ctx, thread, run)
}

func (e *executorRef) Stream(ctx context.Context, thread, run string, emit func(string, any) error) error {
	return e.w.Stream(ctx, thread, run, emit)
}

var (
	_ api.RunExecutor = (*executorRef)(nil)
	_ api.RunExecutor = (*runner.Worker)(nil)
)

// live is the real API handler with a worker, on a local HTTP server,
// and the official client pointed at it.
type live struct {
	*env
	c    openai.Client
	asst string
	url  string // the API's base URL, http://127.0.0.1:port

	// For tests of streams: the created run's data, a flag, and the
	// worker clock's offset (nanoseconds) when the test set Options.Now
	// to read it.
	runs  string
	flag  atomic.Bool
	clock *atomic.Int64
}

func startLive(t *testing.T, bucket storage.Bucket, fm *fakemodel.Server, tools ...openai.AssistantToolUnionParam) *live {
	t.Helper()
	return startLiveWith(t, bucket, fm, nil, tools...)
}

// startLiveWith is startLive with the worker's options changed by mod
// (may be nil).
func startLiveWith(t *testing.T, bucket storage.Bucket, fm *fakemodel.Server, mod func(*runner.Options), tools ...openai.AssistantToolUnionParam) *live {
	t.Helper()
	return startLiveConfig(t, bucket, fm, nil, mod, tools...)
}

// startLiveConfig is startLiveWith with the API's configuration changed
// by cfg (may be nil). The worker searches the API's vector stores.
func startLiveConfig(t *testing.T, bucket storage.Bucket, fm *fakemodel.Server, cfg func(*api.Config), mod func(*runner.Options), tools ...openai.AssistantToolUnionParam) *live {
	t.Helper()
	e := newEnv(t, bucket, fm)
	ref := &executorRef{}
	c := api.Config{Bucket: bucket, Runs: ref}
	if cfg != nil {
		cfg(&c)
	}
	s := api.New(c)
	t.Cleanup(func() { _ = s.Close() })
	o := fastOptions
	o.ID = "live"
	o.VectorStores = s.VectorStores()
	if mod != nil {
		mod(&o)
	}
	ref.w = runner.New(s.Store(), e.client(""), &o)
	e.start(ref.w)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	cl := openai.NewClient(option.WithBaseURL(ts.URL+"/v1/"), option.WithAPIKey("sk-any"),
		option.WithHTTPClient(hc), option.WithMaxRetries(0))
	a, err := cl.Beta.Assistants.New(t.Context(), openai.BetaAssistantNewParams{Model: "fake-model",
		Instructions: openai.String("Answer briefly."), Tools: tools})
	if err != nil {
		t.Fatalf("create assistant: %v", err)
	}
	return &live{env: e, c: cl, asst: a.ID, url: ts.URL}
}

func (l *live) thread(text string) string {
	l.t.Helper()
	th, err := l.c.Beta.Threads.New(l.t.Context(), openai.BetaThreadNewParams{Messages: []openai.BetaThreadNewParamsMessage{
		{Role: "user", Content: openai.BetaThreadNewParamsMessageContentUnion{OfString: openai.String(text)}}}})
	if err != nil {
		l.t.Fatalf("create thread: %v", err)
	}
	return th.ID
}

// poll reads the run until its status is one of want.
func (l *live) poll(thread, run string, want ...openai.RunStatus) *openai.Run {
	l.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := l.c.Beta.Threads.Runs.Get(l.t.Context(), thread, run)
		if err != nil {
			l.t.Fatalf("get run: %v", err)
		}
		if slices.Contains(want, r.Status) {
			return r
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("run %s is %s; want %v", run, r.Status, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// newest returns the newest message of a thread.
func (l *live) newest(thread string) openai.Message {
	l.t.Helper()
	page, err := l.c.Beta.Threads.Messages.List(l.t.Context(), thread, openai.BetaThreadMessageListParams{Limit: openai.Int(1)})
	if err != nil || len(page.Data) != 1 {
		l.t.Fatalf("list messages: %v, %v", page, err)
	}
	return page.Data[0]
}

// TestOpenAIRunPoll: with openai-go, a run created and polled
// completes, with the reply listed as the newest message and usage.
func TestOpenAIRunPoll(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		l := startLive(t, newBucket(t), fakemodel.New(fakemodel.Reply{Content: "Four."}))
		thread := l.thread("2+2?")
		run, err := l.c.Beta.Threads.Runs.New(t.Context(), thread, openai.BetaThreadRunNewParams{AssistantID: l.asst,
			AdditionalInstructions: openai.String("Use words.")})
		if err != nil {
			t.Fatal(err)
		}
		got := l.poll(thread, run.ID, openai.RunStatusCompleted, openai.RunStatusFailed)
		if got.Status != openai.RunStatusCompleted || got.Usage.TotalTokens != 11 || got.CompletedAt == 0 {
			t.Fatalf("run = %s", got.RawJSON())
		}
		if strings.Contains(got.RawJSON(), "lease") {
			t.Fatalf("run carries its lease: %s", got.RawJSON())
		}
		m := l.newest(thread)
		if m.Role != "assistant" || m.RunID != run.ID || m.AssistantID != l.asst || m.Content[0].Text.Value != "Four." {
			t.Fatalf("newest message = %s", m.RawJSON())
		}
		sys := l.fm.Requests()[0].Body["messages"].([]any)[0].(map[string]any)
		if sys["role"] != "system" || sys["content"] != "Answer briefly.\n\nUse words." {
			t.Fatalf("system message %v", sys)
		}
		steps, err := l.c.Beta.Threads.Runs.Steps.List(t.Context(), thread, run.ID, openai.BetaThreadRunStepListParams{})
		if err != nil || len(steps.Data) != 1 || steps.Data[0].StepDetails.MessageCreation.MessageID != m.ID ||
			steps.Data[0].Usage.TotalTokens != 11 {
			t.Fatalf("steps = %v, %v", steps, err)
		}
	})
}

// TestOpenAIToolRoundTrip: a function tool call goes through
// requires_action and SubmitToolOutputs to completed.
func TestOpenAIToolRoundTrip(t *testing.T) {
	fm := fakemodel.New(
		fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{{ID: "call_7", Name: "get_time", Arguments: `{"tz":"UTC"}`}}},
		fakemodel.Reply{Content: "It is noon."},
	)
	l := startLive(t, backendtest.NewBucket(t, "file"), fm, openai.AssistantToolUnionParam{OfFunction: &openai.FunctionToolParam{
		Function: shared.FunctionDefinitionParam{Name: "get_time", Parameters: shared.FunctionParameters{"type": "object"}}}})
	ctx := t.Context()
	thread := l.thread("What time is it?")
	run, err := l.c.Beta.Threads.Runs.New(ctx, thread, openai.BetaThreadRunNewParams{AssistantID: l.asst})
	if err != nil {
		t.Fatal(err)
	}
	waiting := l.poll(thread, run.ID, openai.RunStatusRequiresAction, openai.RunStatusFailed)
	calls := waiting.RequiredAction.SubmitToolOutputs.ToolCalls
	if waiting.Status != openai.RunStatusRequiresAction || len(calls) != 1 || calls[0].ID != "call_7" || calls[0].Function.Name != "get_time" {
		t.Fatalf("run = %s", waiting.RawJSON())
	}
	if _, err := l.c.Beta.Threads.Runs.SubmitToolOutputs(ctx, thread, run.ID, openai.BetaThreadRunSubmitToolOutputsParams{
		ToolOutputs: []openai.BetaThreadRunSubmitToolOutputsParamsToolOutput{{ToolCallID: openai.String("call_7"), Output: openai.String("12:00")}},
	}); err != nil {
		t.Fatal(err)
	}
	got := l.poll(thread, run.ID, openai.RunStatusCompleted, openai.RunStatusFailed)
	if got.Status != openai.RunStatusCompleted || l.newest(thread).Content[0].Text.Value != "It is noon." {
		t.Fatalf("run = %s", got.RawJSON())
	}
	if r := strings.Join(roles(fm.Requests()[1]), ","); r != "system,user,assistant,tool" {
		t.Fatalf("second request roles %s", r)
	}
	steps, err := l.c.Beta.Threads.Runs.Steps.List(ctx, thread, run.ID, openai.BetaThreadRunStepListParams{Order: openai.BetaThreadRunStepListParamsOrderAsc})
	if err != nil || len(steps.Data) != 2 || steps.Data[0].Status != openai.RunStepStatusCompleted ||
		steps.Data[0].StepDetails.ToolCalls[0].Function.Output != "12:00" {
		t.Fatalf("steps = %v, %v", steps, err)
	}
}

// TestOpenAIStreaming: Runs.NewStreaming receives the v2 events in
// order, and the concatenated deltas equal the final message.
func TestOpenAIStreaming(t *testing.T) {
	tokens := []string{"Once ", "upon ", "a ", "time."}
	l := startLive(t, backendtest.NewBucket(t, "file"), fakemodel.New(fakemodel.Reply{Tokens: tokens, TokenDelay: 5 * time.Millisecond}))
	thread := l.thread("Tell me a story")
	stream := l.c.Beta.Threads.Runs.NewStreaming(t.Context(), thread, openai.BetaThreadRunNewParams{AssistantID: l.asst})
	defer stream.Close()
	var (
		names  []string
		deltas []string
		final  openai.Run
	)
	for stream.Next() {
		ev := stream.Current()
		if ev.Event == "thread.message.delta" {
			for _, c := range ev.AsThreadMessageDelta().Data.Delta.Content {
				deltas = append(deltas, c.Text.Value)
			}
			if len(names) > 0 && names[len(names)-1] == "thread.message.delta*" {
				continue
			}
			names = append(names, "thread.message.delta*")
			continue
		}
		if ev.Event == "thread.run.completed" {
			final = ev.AsThreadRunCompleted().Data
		}
		names = append(names, ev.Event)
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"thread.run.created", "thread.run.queued", "thread.run.in_progress",
		"thread.run.step.created", "thread.run.step.in_progress", "thread.message.created", "thread.message.in_progress",
		"thread.message.delta*", "thread.message.completed", "thread.run.step.completed", "thread.run.completed"}
	if !slices.Equal(names, want) {
		t.Fatalf("events\n got %v\nwant %v", names, want)
	}
	if !slices.Equal(deltas, tokens) {
		t.Fatalf("deltas %q", deltas)
	}
	m := l.newest(thread)
	if m.Content[0].Text.Value != strings.Join(deltas, "") || final.Status != openai.RunStatusCompleted || final.Usage.TotalTokens == 0 {
		t.Fatalf("message %s, final run %s", m.RawJSON(), final.RawJSON())
	}
}

// TestOpenAICancel: a run cancelled while the model answers ends
// cancelled.
func TestOpenAICancel(t *testing.T) {
	fm := fakemodel.New(fakemodel.Reply{Content: strings.Repeat("blah ", 200), TokenDelay: 20 * time.Millisecond})
	l := startLive(t, backendtest.NewBucket(t, "file"), fm)
	ctx := t.Context()
	thread := l.thread("Talk")
	run, err := l.c.Beta.Threads.Runs.New(ctx, thread, openai.BetaThreadRunNewParams{AssistantID: l.asst})
	if err != nil {
		t.Fatal(err)
	}
	l.poll(thread, run.ID, openai.RunStatusInProgress)
	for fm.Count() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	c, err := l.c.Beta.Threads.Runs.Cancel(ctx, thread, run.ID)
	if err != nil || c.Status != openai.RunStatusCancelling {
		t.Fatalf("cancel = %v, %v", c, err)
	}
	got := l.poll(thread, run.ID, openai.RunStatusCancelled, openai.RunStatusCompleted)
	if got.Status != openai.RunStatusCancelled || got.CancelledAt == 0 {
		t.Fatalf("run = %s", got.RawJSON())
	}
}

// TestOpenAIModelFailure: a failing model endpoint ends the run failed
// with last_error.
func TestOpenAIModelFailure(t *testing.T) {
	fm := fakemodel.New(fakemodel.Reply{Status: 400, Message: "This model's maximum context length is exceeded"})
	l := startLive(t, backendtest.NewBucket(t, "file"), fm)
	thread := l.thread("hi")
	run, err := l.c.Beta.Threads.Runs.New(t.Context(), thread, openai.BetaThreadRunNewParams{AssistantID: l.asst})
	if err != nil {
		t.Fatal(err)
	}
	got := l.poll(thread, run.ID, openai.RunStatusFailed, openai.RunStatusCompleted)
	if got.Status != openai.RunStatusFailed || got.LastError.Code != "invalid_prompt" ||
		!strings.Contains(got.LastError.Message, "maximum context length") {
		t.Fatalf("run = %s", got.RawJSON())
	}
}

//lint:file-ignore SA1019 OpenAI deprecated the Assistants API that r2kit serves; the official client's methods for it are what these tests drive.

package api_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// fakeExecutor is a RunExecutor that plays a run with one function
// call: the first Stream moves the run to requires_action with a
// tool_calls step, as a real executor does; the Stream after the
// outputs were submitted completes the step and the run.
type fakeExecutor struct {
	store *store.DB

	mu       sync.Mutex
	enqueued []string
	// enqueueErr fails Enqueue; streamErr fails Stream after failAfter
	// events.
	enqueueErr error
	streamErr  error
	failAfter  int
	// outputs are the tool outputs the resumed runs found in their steps.
	outputs []string
}

var _ api.RunExecutor = (*fakeExecutor)(nil)

// seen returns the runs enqueued and the outputs found so far.
func (f *fakeExecutor) seen() (enqueued, outputs []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.enqueued...), append([]string(nil), f.outputs...)
}

func (f *fakeExecutor) Enqueue(ctx context.Context, thread, run string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.enqueueErr != nil {
		return f.enqueueErr
	}
	f.enqueued = append(f.enqueued, run)
	return nil
}

func (f *fakeExecutor) Stream(ctx context.Context, thread, id string, emit func(string, any) error) error {
	n := 0
	send := func(name string, v any) error {
		if f.streamErr != nil && n == f.failAfter {
			return f.streamErr
		}
		n++
		return emit(name, v)
	}
	runs, steps := f.store.Runs, f.store.Steps
	run, err := runs.Get(ctx, thread, id)
	if err != nil {
		return err
	}
	resumed := run.Value.StartedAt != nil
	if !resumed {
		if err := send("thread.run.created", run.Value); err != nil {
			return err
		}
	}
	run, err = runs.Transition(ctx, thread, id, assistants.RunInProgress, nil)
	if err != nil {
		return err
	}
	if err := send("thread.run.in_progress", run.Value); err != nil {
		return err
	}
	if resumed {
		page, err := steps.List(ctx, thread, id, assistants.ListParams{})
		if err != nil {
			return err
		}
		for _, s := range page.Data {
			for _, c := range s.StepDetails.ToolCalls {
				f.mu.Lock()
				f.outputs = append(f.outputs, c.ID+"="+*c.Function.Output)
				f.mu.Unlock()
			}
			done, err := steps.Transition(ctx, thread, id, s.ID, assistants.StepCompleted, nil)
			if err != nil {
				return err
			}
			if err := send("thread.run.step.completed", done.Value); err != nil {
				return err
			}
		}
		run, err = runs.Transition(ctx, thread, id, assistants.RunCompleted, nil)
		if err != nil {
			return err
		}
		return send("thread.run.completed", run.Value)
	}
	call := assistants.RunToolCall{ID: "call_" + id, Type: "function",
		Function: assistants.RunToolCallFunction{Name: "lookup", Arguments: `{"q":"x"}`}}
	step := assistants.RunStep{ID: assistants.NewID(assistants.PrefixStep), CreatedAt: run.Value.CreatedAt,
		AssistantID: run.Value.AssistantID, ThreadID: thread, RunID: id, Type: assistants.StepToolCalls, Status: assistants.StepInProgress,
		StepDetails: assistants.StepDetails{Type: assistants.StepToolCalls, ToolCalls: []assistants.ToolCall{{ID: call.ID, Type: "function",
			Function: &assistants.FunctionCall{Name: call.Function.Name, Arguments: call.Function.Arguments}}}}}
	if _, err := steps.PutIf(ctx, step, ""); err != nil {
		return err
	}
	run, err = runs.Transition(ctx, thread, id, assistants.RunRequiresAction, func(r *assistants.Run) error {
		r.RequiredAction = &assistants.RequiredAction{SubmitToolOutputs: assistants.SubmitToolOutputs{ToolCalls: []assistants.RunToolCall{call}}}
		return nil
	})
	if err != nil {
		return err
	}
	return send("thread.run.requires_action", run.Value)
}

// runServer starts a server with a fake executor, an assistant and a
// thread.
func runServer(t *testing.T, b storage.Bucket) (*liveServer, *fakeExecutor, openai.Client, string, string) {
	t.Helper()
	fx := &fakeExecutor{}
	srv := startServer(t, b, api.Config{Runs: fx})
	fx.store = srv.Store()
	c := openaiClient(t, srv.URL, testKey)
	a, err := c.Beta.Assistants.New(t.Context(), openai.BetaAssistantNewParams{Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	th, err := c.Beta.Threads.New(t.Context(), openai.BetaThreadNewParams{Messages: []openai.BetaThreadNewParamsMessage{userMessage("hi")}})
	if err != nil {
		t.Fatal(err)
	}
	return srv, fx, c, a.ID, th.ID
}

// events drains a stream and returns its event names.
func events(t *testing.T, s *ssestream.Stream[openai.AssistantStreamEventUnion]) ([]string, []openai.AssistantStreamEventUnion, error) {
	t.Helper()
	defer s.Close()
	var names []string
	var evs []openai.AssistantStreamEventUnion
	for s.Next() {
		names = append(names, s.Current().Event)
		evs = append(evs, s.Current())
	}
	return names, evs, s.Err()
}

// TestRunStreamAndToolOutputs runs over every backend (see internal/backendtest).
func TestRunStreamAndToolOutputs(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		testRunStreamAndToolOutputs(t, newBucket(t))
	})
}

func testRunStreamAndToolOutputs(t *testing.T, b storage.Bucket) {
	_, fx, c, asst, thread := runServer(t, b)
	ctx := t.Context()
	names, evs, err := events(t, c.Beta.Threads.Runs.NewStreaming(ctx, thread, openai.BetaThreadRunNewParams{AssistantID: asst}))
	if err != nil || strings.Join(names, ",") != "thread.run.created,thread.run.in_progress,thread.run.requires_action" {
		t.Fatalf("stream: %v, %v", names, err)
	}
	run := evs[2].AsThreadRunRequiresAction().Data
	calls := run.RequiredAction.SubmitToolOutputs.ToolCalls
	if run.Status != openai.RunStatusRequiresAction || len(calls) != 1 || calls[0].Function.Name != "lookup" {
		t.Fatalf("requires_action run: %s", run.RawJSON())
	}
	out := func(id, v string) openai.BetaThreadRunSubmitToolOutputsParamsToolOutput {
		return openai.BetaThreadRunSubmitToolOutputsParamsToolOutput{ToolCallID: openai.String(id), Output: openai.String(v)}
	}
	for _, tc := range []struct {
		outputs []openai.BetaThreadRunSubmitToolOutputsParamsToolOutput
		param   string
	}{
		{nil, "tool_outputs"},
		{[]openai.BetaThreadRunSubmitToolOutputsParamsToolOutput{out("call_other", "1")}, "tool_outputs[0].tool_call_id"},
		{[]openai.BetaThreadRunSubmitToolOutputsParamsToolOutput{out(calls[0].ID, "1"), out(calls[0].ID, "2")}, "tool_outputs[1].tool_call_id"},
	} {
		_, err := c.Beta.Threads.Runs.SubmitToolOutputs(ctx, thread, run.ID, openai.BetaThreadRunSubmitToolOutputsParams{ToolOutputs: tc.outputs})
		if e := wantAPIError(t, err, 400, "invalid_request_error", ""); e.Param != tc.param {
			t.Fatalf("outputs %v: param %q (%s), want %q", tc.outputs, e.Param, e.Message, tc.param)
		}
	}
	names, _, err = events(t, c.Beta.Threads.Runs.SubmitToolOutputsStreaming(ctx, thread, run.ID,
		openai.BetaThreadRunSubmitToolOutputsParams{ToolOutputs: []openai.BetaThreadRunSubmitToolOutputsParamsToolOutput{out(calls[0].ID, "42")}}))
	if err != nil || strings.Join(names, ",") != "thread.run.in_progress,thread.run.step.completed,thread.run.completed" {
		t.Fatalf("stream after the outputs: %v, %v", names, err)
	}
	if _, outputs := fx.seen(); len(outputs) != 1 || outputs[0] != calls[0].ID+"=42" {
		t.Fatalf("the executor found the outputs %v", outputs)
	}
	steps, err := c.Beta.Threads.Runs.Steps.List(ctx, thread, run.ID, openai.BetaThreadRunStepListParams{})
	if err != nil || len(steps.Data) != 1 || steps.Data[0].StepDetails.ToolCalls[0].Function.Output != "42" || steps.Data[0].Status != "completed" {
		t.Fatalf("steps: %v, %v", steps, err)
	}
	got, err := c.Beta.Threads.Runs.Steps.Get(ctx, thread, run.ID, steps.Data[0].ID, openai.BetaThreadRunStepGetParams{})
	if err != nil || got.RawJSON() != steps.Data[0].RawJSON() {
		t.Fatalf("Steps.Get: %v, %v", got, err)
	}
	_, err = c.Beta.Threads.Runs.Steps.Get(ctx, thread, run.ID, "step_missing", openai.BetaThreadRunStepGetParams{})
	wantAPIError(t, err, 404, "invalid_request_error", "No run step found with id 'step_missing'.")
	final, err := c.Beta.Threads.Runs.Get(ctx, thread, run.ID)
	if err != nil || final.Status != openai.RunStatusCompleted {
		t.Fatalf("final run: %v, %v", final, err)
	}
	// Non-stream: Enqueue gets the run, created and after the outputs.
	run2, err := c.Beta.Threads.Runs.New(ctx, thread, openai.BetaThreadRunNewParams{AssistantID: asst})
	if enqueued, _ := fx.seen(); err != nil || run2.Status != openai.RunStatusQueued || len(enqueued) != 1 || enqueued[0] != run2.ID {
		t.Fatalf("Runs.New with an executor: %v, %v, enqueued %v", run2, err, enqueued)
	}
}

// Outputs are recorded in the run's tool_calls step; without one, in a
// new step; a second, different submission is refused.
// TestToolOutputsWithoutStep runs over every backend (see internal/backendtest).
func TestToolOutputsWithoutStep(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		testToolOutputsWithoutStep(t, newBucket(t))
	})
}

func testToolOutputsWithoutStep(t *testing.T, b storage.Bucket) {
	srv, fx, c, asst, thread := runServer(t, b)
	ctx := t.Context()
	run, err := c.Beta.Threads.Runs.New(ctx, thread, openai.BetaThreadRunNewParams{AssistantID: asst})
	if err != nil {
		t.Fatal(err)
	}
	runs := srv.Store().Runs
	if _, err := runs.Transition(ctx, thread, run.ID, assistants.RunInProgress, nil); err != nil {
		t.Fatal(err)
	}
	call := assistants.RunToolCall{ID: "call_a", Function: assistants.RunToolCallFunction{Name: "f", Arguments: "{}"}}
	if _, err := runs.Transition(ctx, thread, run.ID, assistants.RunRequiresAction, func(r *assistants.Run) error {
		r.RequiredAction = &assistants.RequiredAction{SubmitToolOutputs: assistants.SubmitToolOutputs{ToolCalls: []assistants.RunToolCall{call}}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Beta.Threads.Runs.SubmitToolOutputs(ctx, thread, run.ID, openai.BetaThreadRunSubmitToolOutputsParams{
		ToolOutputs: []openai.BetaThreadRunSubmitToolOutputsParamsToolOutput{{ToolCallID: openai.String("call_a"), Output: openai.String("out")}}})
	if err != nil || got.Status != openai.RunStatusQueued || got.RequiredAction.Type != "" {
		t.Fatalf("SubmitToolOutputs = %s, %v", got.RawJSON(), err)
	}
	if enqueued, _ := fx.seen(); len(enqueued) != 2 || enqueued[1] != run.ID {
		t.Fatalf("enqueued %v", enqueued)
	}
	steps, err := srv.Store().Steps.List(ctx, thread, run.ID, assistants.ListParams{})
	if err != nil || len(steps.Data) != 1 {
		t.Fatalf("steps %v, %v", steps, err)
	}
	s := steps.Data[0]
	if s.Status != assistants.StepInProgress || s.Type != assistants.StepToolCalls || len(s.StepDetails.ToolCalls) != 1 ||
		*s.StepDetails.ToolCalls[0].Function.Output != "out" || s.StepDetails.ToolCalls[0].Function.Name != "f" {
		t.Fatalf("the new step: %+v", s)
	}
	// The run waits again for the same call: a different output is refused.
	if _, err := runs.Transition(ctx, thread, run.ID, assistants.RunInProgress, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := runs.Transition(ctx, thread, run.ID, assistants.RunRequiresAction, func(r *assistants.Run) error {
		r.RequiredAction = &assistants.RequiredAction{SubmitToolOutputs: assistants.SubmitToolOutputs{ToolCalls: []assistants.RunToolCall{call}}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Beta.Threads.Runs.SubmitToolOutputs(ctx, thread, run.ID, openai.BetaThreadRunSubmitToolOutputsParams{
		ToolOutputs: []openai.BetaThreadRunSubmitToolOutputsParamsToolOutput{{ToolCallID: openai.String("call_a"), Output: openai.String("other")}}})
	wantAPIError(t, err, 400, "invalid_request_error", "Tool outputs were already submitted for tool call call_a.")
	// Cancel of a waiting run: cancelling; again: unchanged.
	for range 2 {
		r, err := c.Beta.Threads.Runs.Cancel(ctx, thread, run.ID)
		if err != nil || r.Status != openai.RunStatusCancelling {
			t.Fatalf("Cancel = %v, %v", r, err)
		}
	}
}

// TestCreateThreadAndRunStream runs over every backend (see internal/backendtest).
func TestCreateThreadAndRunStream(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		testCreateThreadAndRunStream(t, newBucket(t))
	})
}

func testCreateThreadAndRunStream(t *testing.T, b storage.Bucket) {
	_, _, c, asst, _ := runServer(t, b)
	names, evs, err := events(t, c.Beta.Threads.NewAndRunStreaming(t.Context(), openai.BetaThreadNewAndRunParams{AssistantID: asst,
		Thread: openai.BetaThreadNewAndRunParamsThread{Messages: []openai.BetaThreadNewAndRunParamsThreadMessage{{
			Role: "user", Content: openai.BetaThreadNewAndRunParamsThreadMessageContentUnion{OfString: openai.String("hi")}}}}}))
	if err != nil || len(names) != 4 || names[0] != "thread.created" || names[1] != "thread.run.created" {
		t.Fatalf("stream: %v, %v", names, err)
	}
	if th := evs[0].AsThreadCreated().Data; th.ID != evs[1].AsThreadRunCreated().Data.ThreadID {
		t.Fatalf("thread.created %s, run in %s", th.ID, evs[1].AsThreadRunCreated().Data.ThreadID)
	}
}

// TestRunExecutorFailures runs over every backend (see internal/backendtest).
func TestRunExecutorFailures(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) { testRunExecutorFailures(t, newBucket) })
}

func testRunExecutorFailures(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
	t.Run("enqueue", func(t *testing.T) {
		srv, fx, c, asst, thread := runServer(t, newBucket(t))
		fx.mu.Lock()
		fx.enqueueErr = errors.New("queue full")
		fx.mu.Unlock()
		_, err := c.Beta.Threads.Runs.New(t.Context(), thread, openai.BetaThreadRunNewParams{AssistantID: asst})
		wantAPIError(t, err, 500, "server_error", "")
		runs, err := c.Beta.Threads.Runs.List(t.Context(), thread, openai.BetaThreadRunListParams{})
		if err != nil || len(runs.Data) != 1 || runs.Data[0].Status != openai.RunStatusFailed || runs.Data[0].LastError.Code != "server_error" {
			t.Fatalf("the run after a failed Enqueue: %v, %v", runs, err)
		}
		if !strings.Contains(srv.logs.String(), "queue full") {
			t.Fatalf("the cause was not logged:\n%s", srv.logs)
		}
	})
	t.Run("stream fails at once", func(t *testing.T) {
		_, fx, c, asst, thread := runServer(t, newBucket(t))
		fx.streamErr = errors.New("model down")
		_, _, err := events(t, c.Beta.Threads.Runs.NewStreaming(t.Context(), thread, openai.BetaThreadRunNewParams{AssistantID: asst}))
		wantAPIError(t, err, 500, "server_error", "")
	})
	t.Run("stream fails midway", func(t *testing.T) {
		srv, fx, _, asst, thread := runServer(t, newBucket(t))
		fx.streamErr, fx.failAfter = api.InvalidRequest("", "the model refused"), 1
		status, h, body := rawRequest(t, httpClient(t), "POST", srv.URL+"/v1/threads/"+thread+"/runs", "application/json",
			strings.NewReader(`{"assistant_id":"`+asst+`","stream":true}`))
		lines := strings.Split(string(body), "\n")
		if status != 200 || h.Get("Content-Type") != "text/event-stream" || len(lines) != 10 ||
			lines[0] != "event: thread.run.created" || lines[3] != "event: error" ||
			lines[4] != `data: {"error":{"message":"the model refused","type":"invalid_request_error","param":null,"code":null}}` ||
			lines[6] != "event: done" || lines[7] != "data: [DONE]" {
			t.Fatalf("%d %v\n%s", status, h, body)
		}
	})
}

package runner_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/runner"
	"github.com/r2kit/r2kit/storage"
)

// TestRunCompletes: a queued run, enqueued, ends completed with the
// reply as the thread's newest message, a message_creation step, and
// usage on run and step.
func TestRunCompletes(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		e := newEnv(t, newBucket(t), fakemodel.New(fakemodel.Reply{Content: "Hello to you too"}))
		w := e.worker(e.client(""), "w1")
		e.start(w)
		thread := e.thread("hello")
		run := e.run(thread, func(r *assistants.Run) { r.Temperature = assistants.Ptr(0.5) })
		if err := w.Enqueue(t.Context(), thread, run.ID); err != nil {
			t.Fatal(err)
		}
		got := e.wait(thread, run.ID, assistants.RunCompleted, assistants.RunFailed)
		if got.Status != assistants.RunCompleted || got.Usage == nil || got.Usage.TotalTokens != 14 || got.CompletedAt == nil || got.StartedAt == nil {
			t.Fatalf("run = %+v (usage %+v)", got, got.Usage)
		}
		ms := e.messages(thread)
		last := ms[len(ms)-1]
		if len(ms) != 2 || last.Role != assistants.RoleAssistant || text(last) != "Hello to you too" ||
			*last.RunID != run.ID || *last.AssistantID != testAssistant || last.Status != assistants.MessageCompleted {
			t.Fatalf("messages = %+v", ms)
		}
		steps := e.steps(thread, run.ID)
		if len(steps) != 1 || steps[0].Type != assistants.StepMessageCreation || steps[0].Status != assistants.StepCompleted ||
			steps[0].StepDetails.MessageCreation.MessageID != last.ID || steps[0].Usage == nil || steps[0].Usage.TotalTokens != 14 {
			t.Fatalf("steps = %+v", steps)
		}
		req := e.fm.Requests()[0]
		if strings.Join(roles(req), ",") != "system,user" || req.Body["model"] != "fake-model" || req.Body["temperature"] != 0.5 {
			t.Fatalf("request = %+v", req.Body)
		}
		if _, ok := req.Body["tools"]; ok {
			t.Fatalf("request has tools: %v", req.Body["tools"])
		}
		wire, _ := json.Marshal(got)
		_, stored, err := e.store.Runs.GetLeased(t.Context(), thread, run.ID)
		if strings.Contains(string(wire), "lease") || err != nil || !stored.Held() {
			t.Fatalf("API form %s carries the lease, or the stored run has none (%v, %v)", wire, stored, err)
		}
		waitGone(t, e.bucket, store.QueueRunsPrefix+run.ID)
	})
}

// waitGone waits until key is deleted.
func waitGone(t *testing.T, b storage.Bucket, key string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := b.Stat(t.Context(), key)
		if err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still exists", key)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFunctionToolRoundTrip: a tool call puts the run in
// requires_action with a tool_calls step; the outputs resume it, and
// the second model request carries the call and its output.
func TestFunctionToolRoundTrip(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		fm := fakemodel.New(
			fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{{ID: "call_w1", Name: "get_weather", Arguments: `{"city":"Paris"}`}}},
			fakemodel.Reply{Content: "It is sunny in Paris"},
		)
		e := newEnv(t, newBucket(t), fm)
		w := e.worker(e.client(""), "w1")
		e.start(w)
		thread := e.thread("weather in Paris?")
		run := e.run(thread, func(r *assistants.Run) {
			r.Tools = []assistants.Tool{
				assistants.FunctionTool(assistants.FunctionDefinition{Name: "get_weather", Parameters: json.RawMessage(`{"type":"object"}`)}),
				assistants.CodeInterpreterTool(),
			}
		})
		if err := w.Enqueue(t.Context(), thread, run.ID); err != nil {
			t.Fatal(err)
		}
		got := e.wait(thread, run.ID, assistants.RunRequiresAction, assistants.RunFailed)
		if got.Status != assistants.RunRequiresAction || got.RequiredAction == nil ||
			len(got.RequiredAction.SubmitToolOutputs.ToolCalls) != 1 ||
			got.RequiredAction.SubmitToolOutputs.ToolCalls[0].ID != "call_w1" ||
			got.RequiredAction.SubmitToolOutputs.ToolCalls[0].Function.Arguments != `{"city":"Paris"}` {
			t.Fatalf("run = %+v", got)
		}
		steps := e.steps(thread, run.ID)
		if len(steps) != 1 || steps[0].Type != assistants.StepToolCalls || steps[0].Status != assistants.StepInProgress {
			t.Fatalf("steps = %+v", steps)
		}
		tools, _ := fm.Requests()[0].Body["tools"].([]any)
		if len(tools) != 1 {
			t.Fatalf("tools sent = %v; want get_weather only", tools)
		}
		if _, err := w.SubmitToolOutputs(t.Context(), thread, run.ID, []assistants.ToolOutput{{ToolCallID: "wrong", Output: "x"}}); err == nil {
			t.Fatal("outputs for an unknown call were accepted")
		}
		resumed, err := w.SubmitToolOutputs(t.Context(), thread, run.ID, []assistants.ToolOutput{{ToolCallID: "call_w1", Output: "sunny, 24C"}})
		if err != nil || resumed.Status != assistants.RunQueued || resumed.RequiredAction != nil {
			t.Fatalf("submit: %+v, %v", resumed, err)
		}
		if err := w.Enqueue(t.Context(), thread, run.ID); err != nil {
			t.Fatal(err)
		}
		got = e.wait(thread, run.ID, assistants.RunCompleted, assistants.RunFailed)
		if got.Status != assistants.RunCompleted || got.Usage == nil || got.Usage.TotalTokens != 11+15 {
			t.Fatalf("run = %+v, usage %+v", got, got.Usage)
		}
		second := fm.Requests()[1]
		if r := strings.Join(roles(second), ","); r != "system,user,assistant,tool" {
			t.Fatalf("second request roles %s", r)
		}
		msgs := second.Body["messages"].([]any)
		asst := msgs[2].(map[string]any)
		calls, _ := asst["tool_calls"].([]any)
		call, _ := calls[0].(map[string]any)
		tool := msgs[3].(map[string]any)
		if call["id"] != "call_w1" || tool["tool_call_id"] != "call_w1" || tool["content"] != "sunny, 24C" {
			t.Fatalf("second request messages = %v", msgs)
		}
		steps = e.steps(thread, run.ID)
		if len(steps) != 2 || steps[0].Status != assistants.StepCompleted ||
			*steps[0].StepDetails.ToolCalls[0].Function.Output != "sunny, 24C" ||
			steps[1].Type != assistants.StepMessageCreation || steps[1].Status != assistants.StepCompleted {
			t.Fatalf("steps = %+v", steps)
		}
		if ms := e.messages(thread); len(replies(ms, run.ID)) != 1 || text(ms[len(ms)-1]) != "It is sunny in Paris" {
			t.Fatalf("messages = %+v", ms)
		}
	})
}

// TestModelFailure: failures of the endpoint end the run failed with
// last_error.
func TestModelFailure(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		for _, tc := range []struct {
			name  string
			reply fakemodel.Reply
			code  string
			text  string
		}{
			{"bad request", fakemodel.Reply{Status: 400, Message: "context too long"}, assistants.ErrorCodeInvalidPrompt, "context too long"},
			{"rate limit", fakemodel.Reply{Status: 429, Message: "slow down"}, assistants.ErrorCodeRateLimitExceeded, "slow down"},
			{"server error", fakemodel.Reply{Status: 500, Message: "boom"}, assistants.ErrorCodeServerError, "boom"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				fm := fakemodel.New()
				fm.Default = func(fakemodel.Request) fakemodel.Reply { return tc.reply }
				e := newEnv(t, newBucket(t), fm)
				w := e.worker(e.client(""), "w1")
				e.start(w)
				thread := e.thread("hi")
				run := e.run(thread, nil)
				if err := w.Enqueue(t.Context(), thread, run.ID); err != nil {
					t.Fatal(err)
				}
				got := e.wait(thread, run.ID, assistants.RunFailed, assistants.RunCompleted)
				if got.Status != assistants.RunFailed || got.LastError == nil || got.LastError.Code != tc.code ||
					!strings.Contains(got.LastError.Message, tc.text) || got.FailedAt == nil {
					t.Fatalf("run = %+v, last_error %+v", got, got.LastError)
				}
				if _, ok, _ := e.store.Runs.Active(t.Context(), thread); ok {
					t.Fatal("the failed run still holds the thread's active-run lock")
				}
			})
		}
	})
}

// TestNoEndpoint: without a model endpoint a run fails at once, saying
// so.
func TestNoEndpoint(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		e := newEnv(t, newBucket(t), fakemodel.New())
		w := e.worker(&runner.Client{}, "w1")
		e.start(w)
		thread := e.thread("hi")
		run := e.run(thread, nil)
		start := time.Now()
		if err := w.Enqueue(t.Context(), thread, run.ID); err != nil {
			t.Fatal(err)
		}
		got := e.wait(thread, run.ID, assistants.RunFailed, assistants.RunCompleted)
		if got.Status != assistants.RunFailed || !strings.Contains(got.LastError.Message, "R2KIT_MODEL_BASE_URL") ||
			got.LastError.Code != assistants.ErrorCodeServerError {
			t.Fatalf("run = %+v, last_error %+v", got, got.LastError)
		}
		t.Logf("failed %v after Enqueue", time.Since(start).Round(time.Millisecond))
	})
}

// TestCancelMidRun: a cancellation asked for while the model streams
// ends the run cancelled within a few checks, with no reply.
func TestCancelMidRun(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		fm := fakemodel.New(fakemodel.Reply{Content: strings.Repeat("word ", 100), TokenDelay: 50 * time.Millisecond})
		e := newEnv(t, newBucket(t), fm)
		w := e.worker(e.client(""), "w1")
		e.start(w)
		thread := e.thread("talk for a while")
		run := e.run(thread, nil)
		if err := w.Enqueue(t.Context(), thread, run.ID); err != nil {
			t.Fatal(err)
		}
		e.wait(thread, run.ID, assistants.RunInProgress)
		for fm.Count() == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		if _, err := e.store.Runs.Transition(t.Context(), thread, run.ID, assistants.RunCancelling, nil); err != nil {
			t.Fatal(err)
		}
		asked := time.Now()
		got := e.wait(thread, run.ID, assistants.RunCancelled, assistants.RunCompleted, assistants.RunFailed)
		if got.Status != assistants.RunCancelled || got.CancelledAt == nil {
			t.Fatalf("run = %+v", got)
		}
		if d := time.Since(asked); d > 2*time.Second {
			t.Errorf("cancellation took %v", d)
		}
		if rs := replies(e.messages(thread), run.ID); len(rs) != 0 {
			t.Fatalf("cancelled run wrote %d replies", len(rs))
		}
	})
}

// TestExpiry: a run not finished by its expires_at ends expired: queued
// ones when claimed, in-progress ones while the model answers, and
// waiting ones when the worker scans them.
func TestExpiry(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		fm := fakemodel.New()
		fm.Default = func(req fakemodel.Request) fakemodel.Reply {
			switch fakemodel.LastUserText(req) {
			case "slow":
				return fakemodel.Reply{Content: "too late", Delay: 5 * time.Second}
			case "tools":
				return fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{{ID: "call_1", Name: "f", Arguments: "{}"}}}
			}
			return fakemodel.Reply{Content: "ok"}
		}
		e := newEnv(t, newBucket(t), fm)
		w := e.worker(e.client(""), "w1")
		e.start(w)
		now := time.Now().Unix()
		stale := e.thread("stale")
		r1 := e.run(stale, func(r *assistants.Run) { r.ExpiresAt = assistants.Ptr(now - 1) })
		slow := e.thread("slow")
		r2 := e.run(slow, func(r *assistants.Run) { r.ExpiresAt = assistants.Ptr(now + 2) })
		tools := e.thread("tools")
		r3 := e.run(tools, func(r *assistants.Run) {
			r.ExpiresAt = assistants.Ptr(now + 2)
			r.Tools = []assistants.Tool{assistants.FunctionTool(assistants.FunctionDefinition{Name: "f"})}
		})
		for _, r := range []assistants.Run{r1, r2, r3} {
			if err := w.Enqueue(t.Context(), r.ThreadID, r.ID); err != nil {
				t.Fatal(err)
			}
		}
		if got := e.wait(stale, r1.ID, assistants.RunExpired, assistants.RunCompleted); got.Status != assistants.RunExpired {
			t.Fatalf("queued past expiry: %+v", got)
		}
		e.wait(tools, r3.ID, assistants.RunRequiresAction, assistants.RunExpired)
		if got := e.wait(slow, r2.ID, assistants.RunExpired, assistants.RunCompleted); got.Status != assistants.RunExpired || got.ExpiresAt != nil {
			t.Fatalf("in progress past expiry: %+v", got)
		}
		if got := e.wait(tools, r3.ID, assistants.RunExpired, assistants.RunCompleted); got.Status != assistants.RunExpired {
			t.Fatalf("waiting past expiry: %+v", got)
		}
		for _, r := range []assistants.Run{r1, r2, r3} {
			waitGone(t, e.bucket, store.QueueRunsPrefix+r.ID)
			waitGone(t, e.bucket, store.QueueWaitingPrefix+r.ID)
		}
	})
}

// TestUnsupportedToolChoice: a tool choice forcing a tool r2kit does
// not run fails the run, saying so.
func TestUnsupportedToolChoice(t *testing.T) {
	e := newEnv(t, backendtest.NewBucket(t, "mem"), fakemodel.New())
	w := e.worker(e.client(""), "w1")
	e.start(w)
	thread := e.thread("run code")
	run := e.run(thread, func(r *assistants.Run) {
		r.Tools = []assistants.Tool{assistants.CodeInterpreterTool()}
		r.ToolChoice = assistants.ToolChoice{Tool: &assistants.NamedToolChoice{Type: assistants.ToolCodeInterpreter}}
	})
	if err := w.Enqueue(t.Context(), thread, run.ID); err != nil {
		t.Fatal(err)
	}
	got := e.wait(thread, run.ID, assistants.RunFailed, assistants.RunCompleted)
	if got.Status != assistants.RunFailed || got.LastError.Code != assistants.ErrorCodeInvalidPrompt ||
		!strings.Contains(got.LastError.Message, "code_interpreter is not supported") || e.fm.Count() != 0 {
		t.Fatalf("run = %+v, last_error %+v, %d model requests", got, got.LastError, e.fm.Count())
	}
}

// TestOrphanAdopted: a run stored without being enqueued (its creator
// died) is found through its thread's active-run lock and executed.
func TestOrphanAdopted(t *testing.T) {
	e := newEnv(t, backendtest.NewBucket(t, "mem"), fakemodel.New())
	w := e.worker(e.client(""), "w1")
	thread := e.thread("anyone there?")
	run := e.run(thread, nil)
	e.start(w)
	if got := e.wait(thread, run.ID, assistants.RunCompleted, assistants.RunFailed); got.Status != assistants.RunCompleted {
		t.Fatalf("run = %+v", got)
	}
}

// TestTakeoverFinishesWrittenReply: a worker that died after writing
// the turn's reply leaves it to the next worker, which completes the
// run without asking the model again and writes no second reply.
func TestTakeoverFinishesWrittenReply(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		e := newEnv(t, newBucket(t), fakemodel.New())
		thread := e.thread("hi")
		run := e.run(thread, nil)
		lease := store.Lease{Owner: "dead", Until: time.Now().Add(-time.Second).UnixMilli(), Claims: 1, Turn: 1,
			StepID: assistants.NewID(assistants.PrefixStep), MessageID: assistants.NewID(assistants.PrefixMessage)}
		if _, _, err := e.store.Runs.UpdateLeased(t.Context(), thread, run.ID, func(r *assistants.Run, l *store.Lease) error {
			*l = lease
			return r.Transition(assistants.RunInProgress, time.Now().Unix())
		}); err != nil {
			t.Fatal(err)
		}
		now := time.Now().Unix()
		m := assistants.Message{ID: lease.MessageID, Object: assistants.ObjectMessage, CreatedAt: now, ThreadID: thread,
			Status: assistants.MessageCompleted, CompletedAt: &now, Role: assistants.RoleAssistant,
			Content:     []assistants.ContentPart{assistants.TextPart("written before the crash")},
			AssistantID: assistants.Ptr(testAssistant), RunID: assistants.Ptr(run.ID)}
		if _, err := e.store.Messages.PutIf(t.Context(), m, ""); err != nil {
			t.Fatal(err)
		}
		w := e.worker(e.client(""), "w2")
		e.start(w)
		if err := w.Enqueue(t.Context(), thread, run.ID); err != nil {
			t.Fatal(err)
		}
		got := e.wait(thread, run.ID, assistants.RunCompleted, assistants.RunFailed)
		rs := replies(e.messages(thread), run.ID)
		if got.Status != assistants.RunCompleted || len(rs) != 1 || text(rs[0]) != "written before the crash" || e.fm.Count() != 0 {
			t.Fatalf("run %s, %d replies, %d model requests", got.Status, len(rs), e.fm.Count())
		}
		if st := e.steps(thread, run.ID); len(st) != 1 || st[0].ID != lease.StepID || st[0].Status != assistants.StepCompleted {
			t.Fatalf("steps = %+v", st)
		}
	})
}

// TestCancelWaiting: a run waiting for tool outputs whose cancellation
// the API wrote (without enqueueing it) ends cancelled at the next scan.
func TestCancelWaiting(t *testing.T) {
	fm := fakemodel.New(fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{{ID: "call_1", Name: "f", Arguments: "{}"}}})
	e := newEnv(t, backendtest.NewBucket(t, "mem"), fm)
	w := e.worker(e.client(""), "w1")
	e.start(w)
	thread := e.thread("call f")
	run := e.run(thread, func(r *assistants.Run) {
		r.Tools = []assistants.Tool{assistants.FunctionTool(assistants.FunctionDefinition{Name: "f"})}
	})
	if err := w.Enqueue(t.Context(), thread, run.ID); err != nil {
		t.Fatal(err)
	}
	e.wait(thread, run.ID, assistants.RunRequiresAction)
	if _, err := e.store.Runs.Transition(t.Context(), thread, run.ID, assistants.RunCancelling, nil); err != nil {
		t.Fatal(err)
	}
	if got := e.wait(thread, run.ID, assistants.RunCancelled); got.RequiredAction != nil {
		t.Fatalf("run = %+v", got)
	}
	waitGone(t, e.bucket, store.QueueWaitingPrefix+run.ID)
	if _, ok, _ := e.store.Runs.Active(t.Context(), thread); ok {
		t.Fatal("the cancelled run still holds the thread's active-run lock")
	}
}

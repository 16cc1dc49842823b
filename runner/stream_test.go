package runner_test

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/runner"
	"github.com/r2kit/r2kit/storage"
)

// recorder collects stream events as the API handler would write them.
type recorder struct {
	mu     sync.Mutex
	names  []string
	datas  []json.RawMessage
	deltas []string
}

func (r *recorder) emit(event string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, event)
	r.datas = append(r.datas, b)
	if event == runner.EventMessageDelta {
		var d runner.MessageDelta
		_ = json.Unmarshal(b, &d)
		for _, c := range d.Delta.Content {
			r.deltas = append(r.deltas, c.Text.Value)
		}
	}
	return nil
}

// compact returns the event names with runs of deltas folded into one.
func (r *recorder) compact() []string {
	var out []string
	for _, n := range r.names {
		if n == runner.EventMessageDelta && len(out) > 0 && out[len(out)-1] == n+"*" {
			continue
		}
		if n == runner.EventMessageDelta {
			n += "*"
		}
		out = append(out, n)
	}
	return out
}

// TestStreamEvents: Stream emits the v2 events in order, the tokens as
// message deltas as they arrive, and the deltas make the final message.
func TestStreamEvents(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		tokens := []string{"The ", "answer ", "is ", "42."}
		e := newEnv(t, newBucket(t), fakemodel.New(fakemodel.Reply{Tokens: tokens, TokenDelay: 5 * time.Millisecond}))
		w := e.worker(e.client(""), "w1")
		e.start(w) // a background worker too: it must not run the streamed run
		thread := e.thread("question")
		run := e.run(thread, nil)
		var rec recorder
		if err := w.Stream(t.Context(), thread, run.ID, rec.emit); err != nil {
			t.Fatal(err)
		}
		want := []string{
			runner.EventRunCreated, runner.EventRunQueued, runner.EventRunInProgress,
			runner.EventStepCreated, runner.EventStepInProgress,
			runner.EventMessageCreated, runner.EventMessageInProgress, runner.EventMessageDelta + "*",
			runner.EventMessageCompleted, runner.EventStepCompleted, runner.EventRunCompleted,
		}
		if got := rec.compact(); !slices.Equal(got, want) {
			t.Fatalf("events\n got %v\nwant %v", got, want)
		}
		if !slices.Equal(rec.deltas, tokens) {
			t.Fatalf("deltas %q, want %q", rec.deltas, tokens)
		}
		got := e.getRun(thread, run.ID)
		rs := replies(e.messages(thread), run.ID)
		if got.Status != assistants.RunCompleted || len(rs) != 1 || text(rs[0]) != strings.Join(rec.deltas, "") {
			t.Fatalf("run %s, replies %+v", got.Status, rs)
		}
		var final assistants.Run
		if err := json.Unmarshal(rec.datas[len(rec.datas)-1], &final); err != nil || final.Status != assistants.RunCompleted || final.Usage == nil {
			t.Fatalf("last event data %s", rec.datas[len(rec.datas)-1])
		}
		var created assistants.Message
		_ = json.Unmarshal(rec.datas[5], &created)
		if created.ID != rs[0].ID || created.Status != assistants.MessageInProgress {
			t.Fatalf("message.created %s; stored %s", rec.datas[5], rs[0].ID)
		}
		if e.fm.Count() != 1 {
			t.Fatalf("%d model requests; want 1", e.fm.Count())
		}
	})
}

// TestStreamToolCalls: a streamed run stops at requires_action; after
// the outputs, a second Stream resumes it from queued to completed.
func TestStreamToolCalls(t *testing.T) {
	fm := fakemodel.New(
		fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{{ID: "call_a", Name: "lookup", Arguments: `{"q":"x"}`}}},
		fakemodel.Reply{Content: "found it"},
	)
	e := newEnv(t, backendtest.NewBucket(t, "file"), fm)
	w := e.worker(e.client(""), "w1")
	thread := e.thread("find x")
	run := e.run(thread, func(r *assistants.Run) {
		r.Tools = []assistants.Tool{assistants.FunctionTool(assistants.FunctionDefinition{Name: "lookup"})}
	})
	var first recorder
	if err := w.Stream(t.Context(), thread, run.ID, first.emit); err != nil {
		t.Fatal(err)
	}
	want := []string{runner.EventRunCreated, runner.EventRunQueued, runner.EventRunInProgress,
		runner.EventStepCreated, runner.EventStepInProgress, runner.EventStepDelta, runner.EventStepDelta, runner.EventRunRequiresAction}
	if !slices.Equal(first.names, want) {
		t.Fatalf("events %v, want %v", first.names, want)
	}
	if _, err := w.SubmitToolOutputs(t.Context(), thread, run.ID, []assistants.ToolOutput{{ToolCallID: "call_a", Output: "x=1"}}); err != nil {
		t.Fatal(err)
	}
	var second recorder
	if err := w.Stream(t.Context(), thread, run.ID, second.emit); err != nil {
		t.Fatal(err)
	}
	want = []string{runner.EventRunQueued, runner.EventRunInProgress, runner.EventStepCompleted,
		runner.EventStepCreated, runner.EventStepInProgress,
		runner.EventMessageCreated, runner.EventMessageInProgress, runner.EventMessageDelta + "*",
		runner.EventMessageCompleted, runner.EventStepCompleted, runner.EventRunCompleted}
	if got := second.compact(); !slices.Equal(got, want) {
		t.Fatalf("events\n got %v\nwant %v", got, want)
	}
	if strings.Join(second.deltas, "") != "found it" {
		t.Fatalf("deltas %q", second.deltas)
	}
}

// TestStreamClientGone: when the listener fails, Stream returns and the
// run still completes.
func TestStreamClientGone(t *testing.T) {
	fm := fakemodel.New(fakemodel.Reply{Content: "one two three four", TokenDelay: 20 * time.Millisecond})
	e := newEnv(t, backendtest.NewBucket(t, "mem"), fm)
	w := e.worker(e.client(""), "w1")
	stop := e.start(w)
	thread := e.thread("hi")
	run := e.run(thread, nil)
	n := 0
	err := w.Stream(t.Context(), thread, run.ID, func(event string, _ any) error {
		if n++; event == runner.EventMessageDelta {
			return errGone
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.wait(thread, run.ID, assistants.RunCompleted, assistants.RunFailed); got.Status != assistants.RunCompleted {
		t.Fatalf("run = %+v", got)
	}
	stop()
	if rs := replies(e.messages(thread), run.ID); len(rs) != 1 || text(rs[0]) != "one two three four" {
		t.Fatalf("replies %+v", rs)
	}
}

var errGone = &goneError{}

type goneError struct{}

func (*goneError) Error() string { return "client went away" }

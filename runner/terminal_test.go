package runner_test

//lint:file-ignore SA1019 r2kit serves the Assistants API, which openai-go marks deprecated

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/runner"
)

// The streamed events of each way a run ends, in order, as OpenAI's
// Assistants streaming documentation (AssistantStreamEvent) describes
// them: thread.run.created when a run is created, thread.run.queued and
// thread.run.in_progress as it moves there; a message is announced by
// thread.message.created and thread.message.in_progress, streamed as
// many thread.message.delta events and ends with
// thread.message.completed (or thread.message.incomplete when it ends
// before completing); a run step is announced by
// thread.run.step.created and thread.run.step.in_progress, its parts
// are streamed as thread.run.step.delta and it ends with
// thread.run.step.completed, failed, cancelled or expired;
// thread.run.requires_action when the run waits for tool outputs;
// thread.run.cancelling when a run moves to cancelling; the
// run's terminal status (thread.run.completed, incomplete, failed,
// cancelled, expired); error when an error occurs; and done when the
// stream ends. "X*" stands for one or more X events.
var (
	streamStart    = []string{"thread.run.created", "thread.run.queued", "thread.run.in_progress"}
	streamMessage  = []string{"thread.run.step.created", "thread.run.step.in_progress", "thread.message.created", "thread.message.in_progress", "thread.message.delta*"}
	terminalEvents = map[string][]string{
		"completed":         cat(streamStart, streamMessage, "thread.message.completed", "thread.run.step.completed", "thread.run.completed", "done"),
		"requires_action":   cat(streamStart, nil, "thread.run.step.created", "thread.run.step.in_progress", "thread.run.step.delta*", "thread.run.requires_action", "done"),
		"incomplete/length": cat(streamStart, streamMessage, "thread.message.incomplete", "thread.run.step.completed", "thread.run.incomplete", "done"),
		"incomplete/prompt": cat(streamStart, nil, "thread.run.incomplete", "done"),
		"failed/at once":    cat(streamStart, nil, "thread.run.failed", "done"),
		"failed/mid-stream": cat(streamStart, streamMessage, "error", "thread.message.incomplete", "thread.run.step.failed", "thread.run.failed", "done"),
		"failed/tool call":  cat(streamStart, nil, "thread.run.step.created", "thread.run.step.in_progress", "thread.run.step.delta*", "error", "thread.run.step.failed", "thread.run.failed", "done"),
		"cancelled":         cat(streamStart, streamMessage, "thread.run.cancelling", "thread.message.incomplete", "thread.run.step.cancelled", "thread.run.cancelled", "done"),
		"expired":           cat(streamStart, streamMessage, "thread.message.incomplete", "thread.run.step.expired", "thread.run.expired", "done"),
	}
)

func cat(a, b []string, more ...string) []string {
	return append(append(slices.Clone(a), b...), more...)
}

// sseEvent is one server-sent event as read off the wire.
type sseEvent struct {
	name string
	data string
}

// streamRun creates a streamed run with body (the assistant_id is
// added) over plain HTTP, and calls each for every event as it arrives;
// it returns them all.
func (l *live) streamRun(thread string, body map[string]any, each func(sseEvent)) []sseEvent {
	l.t.Helper()
	body["assistant_id"], body["stream"] = l.asst, true
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(l.t.Context(), http.MethodPost, l.url+"/v1/threads/"+thread+"/runs", bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer sk-any")
	req.Header.Set("OpenAI-Beta", "assistants=v2")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		l.t.Fatalf("stream answered %d", resp.StatusCode)
	}
	var (
		out []sseEvent
		cur sseEvent
	)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		case line == "" && cur.name != "":
			out = append(out, cur)
			if each != nil {
				each(cur)
			}
			cur = sseEvent{}
		}
	}
	return out
}

// names returns the events' names, runs of one delta event folded into
// "name*".
func names(evs []sseEvent) []string {
	var out []string
	for _, e := range evs {
		n := e.name
		if strings.HasSuffix(n, ".delta") {
			n += "*"
			if len(out) > 0 && out[len(out)-1] == n {
				continue
			}
		}
		out = append(out, n)
	}
	return out
}

// TestStreamTerminalPaths: each way a streamed run ends sends the
// events of terminalEvents, in order, ending with done; the last
// thread.run.* event carries the run in its final status.
func TestStreamTerminalPaths(t *testing.T) {
	words := []string{"one ", "two ", "three ", "four ", "five ", "six "}
	slow := fakemodel.Reply{Tokens: append(slices.Clone(words), words...), TokenDelay: 40 * time.Millisecond}
	fn := openai.AssistantToolUnionParam{OfFunction: &openai.FunctionToolParam{
		Function: shared.FunctionDefinitionParam{Name: "lookup", Parameters: shared.FunctionParameters{"type": "object"}}}}
	cases := []struct {
		name   string
		reply  fakemodel.Reply
		body   map[string]any
		tools  bool
		status openai.RunStatus
		// during is called with each event and the live server.
		during func(l *live, thread string, ev sseEvent)
	}{
		{name: "completed", reply: fakemodel.Reply{Tokens: words}, status: openai.RunStatusCompleted},
		{name: "requires_action", tools: true, status: openai.RunStatusRequiresAction,
			reply: fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{{ID: "call_1", Name: "lookup", Arguments: `{"q":"x"}`}}}},
		{name: "incomplete/length", reply: fakemodel.Reply{Tokens: words, FinishReason: "length"}, status: openai.RunStatusIncomplete},
		{name: "incomplete/prompt", body: map[string]any{"max_prompt_tokens": 256,
			"additional_messages": []any{map[string]any{"role": "user", "content": strings.Repeat("long ", 400)}}},
			status: openai.RunStatusIncomplete},
		{name: "failed/at once", reply: fakemodel.Reply{Status: 400, Message: "bad request"}, status: openai.RunStatusFailed},
		{name: "failed/mid-stream", reply: fakemodel.Reply{Tokens: words, BreakStream: 3}, status: openai.RunStatusFailed},
		{name: "failed/tool call", tools: true, status: openai.RunStatusFailed,
			reply: fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{{ID: "call_1", Name: "lookup", Arguments: `{"q":"x"}`}}, BreakToolCalls: true}},
		{name: "cancelled", reply: slow, status: openai.RunStatusCancelled,
			during: func(l *live, thread string, ev sseEvent) {
				if ev.name == "thread.message.delta" && !l.flag.Swap(true) {
					if _, err := l.c.Beta.Threads.Runs.Cancel(l.t.Context(), thread, runID(l.t, l.runs)); err != nil {
						l.t.Errorf("cancel: %v", err)
					}
				}
			}},
		{name: "expired", reply: slow, status: openai.RunStatusExpired,
			during: func(l *live, _ string, ev sseEvent) {
				if ev.name == "thread.message.delta" {
					l.clock.Store(int64(time.Hour)) // past expires_at
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var clock atomic.Int64
			mod := func(o *runner.Options) {
				o.Now = func() time.Time { return time.Now().Add(time.Duration(clock.Load())) }
			}
			var tools []openai.AssistantToolUnionParam
			if tc.tools {
				tools = append(tools, fn)
			}
			l := startLiveWith(t, backendtest.NewBucket(t, "file"), fakemodel.New(tc.reply), mod, tools...)
			l.clock = &clock
			thread := l.thread("hello")
			body := tc.body
			if body == nil {
				body = map[string]any{}
			}
			evs := l.streamRun(thread, body, func(ev sseEvent) {
				if ev.name == "thread.run.created" {
					l.runs = ev.data
				}
				if tc.during != nil {
					tc.during(l, thread, ev)
				}
			})
			if got, want := names(evs), terminalEvents[tc.name]; !slices.Equal(got, want) {
				t.Fatalf("events\n got %v\nwant %v", got, want)
			}
			var last openai.Run
			for _, ev := range evs {
				if strings.HasPrefix(ev.name, "thread.run.") && !strings.HasPrefix(ev.name, "thread.run.step.") {
					_ = json.Unmarshal([]byte(ev.data), &last)
				}
			}
			if last.Status != tc.status {
				t.Fatalf("last run event has status %s; want %s", last.Status, tc.status)
			}
			if stored := l.poll(thread, last.ID, tc.status); stored.Status != tc.status {
				t.Fatalf("stored run %s", stored.RawJSON())
			}
		})
	}
}

// runID returns the id of the run in a thread.run.created event's data.
func runID(t *testing.T, data string) string {
	var r struct{ ID string }
	if err := json.Unmarshal([]byte(data), &r); err != nil || r.ID == "" {
		t.Fatalf("run created %q", data)
	}
	return r.ID
}

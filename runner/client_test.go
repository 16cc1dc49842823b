package runner_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/runner"
)

func str(s string) *string { return &s }

func newClient(t *testing.T, fm *fakemodel.Server) *runner.Client {
	srv := httptest.NewServer(fm)
	t.Cleanup(srv.Close)
	return &runner.Client{
		BaseURL: srv.URL + "/v1", APIKey: "sk-test",
		Retry: resilience.Policy{MaxRetries: 2, Base: time.Millisecond, Max: time.Millisecond},
	}
}

var hello = runner.ChatRequest{Model: "m", Messages: []runner.ChatMessage{{Role: "user", Content: str("hi")}}}

func TestCompletePlain(t *testing.T) {
	fm := fakemodel.New(fakemodel.Reply{Content: "hello there"})
	res, err := newClient(t, fm).Complete(t.Context(), hello, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Content != "hello there" || res.FinishReason != "stop" || res.Usage == nil || res.Usage.TotalTokens != 12 {
		t.Fatalf("result = %+v", res)
	}
	reqs := fm.Requests()
	if len(reqs) != 1 || reqs[0].Stream || reqs[0].Auth != "Bearer sk-test" || reqs[0].Body["model"] != "m" {
		t.Fatalf("requests = %+v", reqs)
	}
}

func TestCompleteStreams(t *testing.T) {
	fm := fakemodel.New(fakemodel.Reply{Tokens: []string{"one ", "two ", "three"}})
	var deltas []string
	res, err := newClient(t, fm).Complete(t.Context(), hello, func(d string) error {
		deltas = append(deltas, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(deltas, "|") != "one |two |three" || res.Content != "one two three" || res.Usage == nil {
		t.Fatalf("deltas %q, result %+v", deltas, res)
	}
	if !fm.Requests()[0].Stream {
		t.Fatal("request did not ask to stream")
	}
}

func TestCompleteToolCalls(t *testing.T) {
	calls := []fakemodel.ToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Paris"}`}, {ID: "call_2", Name: "now", Arguments: `{}`}}
	for _, stream := range []bool{false, true} {
		fm := fakemodel.New(fakemodel.Reply{ToolCalls: calls})
		var onDelta func(string) error
		if stream {
			onDelta = func(string) error { return nil }
		}
		res, err := newClient(t, fm).Complete(t.Context(), hello, onDelta)
		if err != nil {
			t.Fatal(err)
		}
		if res.FinishReason != "tool_calls" || len(res.ToolCalls) != 2 ||
			res.ToolCalls[0].ID != "call_1" || res.ToolCalls[0].Function.Arguments != `{"city":"Paris"}` ||
			res.ToolCalls[1].Function.Name != "now" {
			t.Fatalf("stream=%v: %+v", stream, res)
		}
	}
}

func TestCompleteRetries(t *testing.T) {
	fm := fakemodel.New(fakemodel.Reply{Status: 429}, fakemodel.Reply{Status: 503}, fakemodel.Reply{Content: "ok"})
	res, err := newClient(t, fm).Complete(t.Context(), hello, nil)
	if err != nil || res.Content != "ok" || fm.Count() != 3 {
		t.Fatalf("res %+v, err %v after %d requests", res, err, fm.Count())
	}
}

func TestCompleteErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		script   []fakemodel.Reply
		requests int
		code     string
	}{
		{"bad request is not retried", []fakemodel.Reply{{Status: 400, Message: "context too long"}}, 1, "invalid_prompt"},
		{"rate limit retried then given up", []fakemodel.Reply{{Status: 429}, {Status: 429}, {Status: 429}}, 3, "rate_limit_exceeded"},
		{"server error retried then given up", []fakemodel.Reply{{Status: 500}, {Status: 502}, {Status: 500}}, 3, "server_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fm := fakemodel.New(tc.script...)
			_, err := newClient(t, fm).Complete(t.Context(), hello, nil)
			var me *runner.ModelError
			if !errors.As(err, &me) || me.LastErrorCode() != tc.code || fm.Count() != tc.requests {
				t.Fatalf("err = %v (code %v) after %d requests; want %s after %d", err, me, fm.Count(), tc.code, tc.requests)
			}
		})
	}
}

func TestBrokenStreamNotRetriedAfterOutput(t *testing.T) {
	fm := fakemodel.New(fakemodel.Reply{Tokens: []string{"a", "b", "c"}, BreakStream: 2}, fakemodel.Reply{Content: "never"})
	var got string
	_, err := newClient(t, fm).Complete(t.Context(), hello, func(d string) error { got += d; return nil })
	if err == nil || got != "ab" || fm.Count() != 1 {
		t.Fatalf("err %v, got %q after %d requests; want a failure after ab and no retry", err, got, fm.Count())
	}
}

func TestNoEndpointConfigured(t *testing.T) {
	_, err := (&runner.Client{}).Complete(context.Background(), hello, nil)
	if err == nil || !strings.Contains(err.Error(), "R2KIT_MODEL_BASE_URL") {
		t.Fatalf("err = %v, want one naming R2KIT_MODEL_BASE_URL", err)
	}
}

package runner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/r2kit/r2kit/resilience"
)

// Client calls an OpenAI-compatible chat-completions endpoint (OpenAI,
// vLLM, Ollama, llama.cpp server, LiteLLM, ...).
type Client struct {
	// BaseURL is the OpenAI-style base URL, such as
	// http://127.0.0.1:11434/v1; "/chat/completions" is appended.
	BaseURL string
	// APIKey, if set, is sent as a bearer token.
	APIKey string
	// HTTP is the client used; nil means one with a 10-minute timeout.
	HTTP *http.Client
	// Retry is how timeouts, 429s and 5xx answers are retried before any
	// output has been received. The zero value means 4 retries from 500
	// ms up to 8 s.
	Retry resilience.Policy
	// Sleep waits between retries; nil means resilience.Sleep.
	Sleep resilience.Sleeper
}

// ModelError is a failed completion.
type ModelError struct {
	// Status is the HTTP status, 0 for a transport failure.
	Status int
	// Code is the error's code or type from the endpoint, if any.
	Code string
	// Message describes the failure.
	Message string
	// RetryAfter is the endpoint's Retry-After, if it sent one.
	After time.Duration
}

func (e *ModelError) Error() string {
	if e.Status == 0 {
		return "model endpoint: " + e.Message
	}
	return fmt.Sprintf("model endpoint answered %d: %s", e.Status, e.Message)
}

// RetryAfter implements the interface resilience honours.
func (e *ModelError) RetryAfter() time.Duration { return e.After }

// Retryable reports whether the failure is worth another attempt:
// transport failures, timeouts, 408, 409, 429 and 5xx.
func (e *ModelError) Retryable() bool {
	return e.Status == 0 || e.Status == 408 || e.Status == 409 || e.Status == 429 || e.Status >= 500
}

// LastErrorCode maps the failure to a run's last_error.code:
// rate_limit_exceeded for 429, invalid_prompt for other 4xx answers, and
// server_error otherwise.
func (e *ModelError) LastErrorCode() string {
	switch {
	case e.Status == http.StatusTooManyRequests:
		return "rate_limit_exceeded"
	case e.Status >= 400 && e.Status < 500:
		return "invalid_prompt"
	}
	return "server_error"
}

var defaultRetry = resilience.Policy{MaxRetries: 4, Base: 500 * time.Millisecond, Max: 8 * time.Second}

// Complete sends req and returns the completion. With onDelta set, the
// request streams and onDelta receives each piece of content as it
// arrives; an error from onDelta aborts. Failures are retried per
// c.Retry only while nothing has been delivered to onDelta. A failed
// completion is a *ModelError (or the context's error).
func (c *Client) Complete(ctx context.Context, req ChatRequest, onDelta func(content string) error) (*ChatResult, error) {
	if onDelta == nil {
		return c.CompleteDeltas(ctx, req, nil)
	}
	return c.CompleteDeltas(ctx, req, func(d Delta) error {
		if d.ToolCall != nil {
			return nil
		}
		return onDelta(d.Content)
	})
}

// CompleteDeltas is Complete with every piece of a streamed answer
// delivered to onDelta: content, and the fragments of tool calls as they
// arrive. Retries stop once anything was delivered.
func (c *Client) CompleteDeltas(ctx context.Context, req ChatRequest, onDelta func(Delta) error) (*ChatResult, error) {
	if c.BaseURL == "" {
		return nil, &ModelError{Message: "no model endpoint configured (set R2KIT_MODEL_BASE_URL or --model-base-url)"}
	}
	req.Stream = onDelta != nil
	if req.Stream {
		req.StreamOptions = &StreamOptions{IncludeUsage: true}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode chat request: %w", err)
	}
	policy := c.Retry
	if policy == (resilience.Policy{}) {
		policy = defaultRetry
	}
	sleep := c.Sleep
	if sleep == nil {
		sleep = resilience.Sleep
	}
	for attempt := 1; ; attempt++ {
		delivered := false
		res, err := c.once(ctx, body, onDelta, &delivered)
		if err == nil {
			return res, nil
		}
		var me *ModelError
		if delivered || ctx.Err() != nil || !errors.As(err, &me) || !me.Retryable() || !policy.Allows(attempt) {
			return nil, err
		}
		wait := max(policy.Backoff(attempt), me.After)
		if serr := sleep(ctx, wait); serr != nil {
			return nil, err
		}
	}
}

// once makes one request.
func (c *Client) once(ctx context.Context, body []byte, onDelta func(Delta) error, delivered *bool) (*ChatResult, error) {
	url := strings.TrimSuffix(c.BaseURL, "/") + "/chat/completions"
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, &ModelError{Message: err.Error()}
	}
	hreq.Header.Set("Content-Type", "application/json")
	if c.APIKey != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	if onDelta != nil {
		hreq.Header.Set("Accept", "text/event-stream")
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Minute}
	}
	resp, err := hc.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &ModelError{Message: err.Error()}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, responseError(resp)
	}
	if onDelta == nil {
		return decodeResponse(resp.Body)
	}
	return readStream(resp.Body, onDelta, delivered)
}

// responseError turns a non-2xx answer into a *ModelError.
func responseError(resp *http.Response) *ModelError {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	me := &ModelError{Status: resp.StatusCode, Message: strings.TrimSpace(string(raw))}
	var env struct {
		Error struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    any    `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &env) == nil && env.Error.Message != "" {
		me.Message = env.Error.Message
		me.Code = env.Error.Type
		if s, ok := env.Error.Code.(string); ok && s != "" {
			me.Code = s
		}
	}
	if me.Message == "" {
		me.Message = http.StatusText(resp.StatusCode)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		me.After = time.Duration(s) * time.Second
	}
	return me
}

func decodeResponse(r io.Reader) (*ChatResult, error) {
	var cr chatResponse
	if err := json.NewDecoder(r).Decode(&cr); err != nil {
		return nil, &ModelError{Status: http.StatusBadGateway, Message: "undecodable chat completion: " + err.Error()}
	}
	if len(cr.Choices) == 0 {
		return nil, &ModelError{Status: http.StatusBadGateway, Message: "chat completion has no choices"}
	}
	ch := cr.Choices[0]
	res := &ChatResult{ToolCalls: ch.Message.ToolCalls, FinishReason: ch.FinishReason, Usage: cr.Usage}
	if ch.Message.Content != nil {
		res.Content = *ch.Message.Content
	}
	if ch.Message.Refusal != nil {
		res.Refusal = *ch.Message.Refusal
	}
	return res, nil
}

// readStream reads server-sent chat chunks until [DONE], passing content
// to onDelta and assembling tool calls from their fragments.
func readStream(r io.Reader, onDelta func(Delta) error, delivered *bool) (*ChatResult, error) {
	res := &ChatResult{}
	var content, refusal strings.Builder
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	done := false
	for sc.Scan() {
		line := sc.Text()
		data, ok := strings.CutPrefix(line, "data:")
		if !ok {
			continue // comments, event names, blank separators
		}
		data = strings.TrimSpace(data)
		if data == "[DONE]" {
			done = true
			break
		}
		var ch chatChunk
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			return nil, &ModelError{Status: http.StatusBadGateway, Message: "undecodable stream chunk: " + err.Error()}
		}
		if ch.Usage != nil {
			res.Usage = ch.Usage
		}
		for _, choice := range ch.Choices {
			d := choice.Delta
			if d.Content != nil && *d.Content != "" {
				content.WriteString(*d.Content)
				*delivered = true
				if err := onDelta(Delta{Content: *d.Content}); err != nil {
					return nil, err
				}
			}
			if d.Refusal != nil {
				refusal.WriteString(*d.Refusal)
			}
			for _, tc := range d.ToolCalls {
				for len(res.ToolCalls) <= tc.Index {
					res.ToolCalls = append(res.ToolCalls, ToolCall{Type: "function"})
				}
				call := &res.ToolCalls[tc.Index]
				if tc.ID != "" {
					call.ID = tc.ID
				}
				if tc.Type != "" {
					call.Type = tc.Type
				}
				call.Function.Name += tc.Function.Name
				call.Function.Arguments += tc.Function.Arguments
				*delivered = true
				if err := onDelta(Delta{ToolCall: &ToolCallDelta{Index: tc.Index, ID: tc.ID, Type: tc.Type,
					Name: tc.Function.Name, Arguments: tc.Function.Arguments}}); err != nil {
					return nil, err
				}
			}
			if choice.FinishReason != nil {
				res.FinishReason = *choice.FinishReason
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &ModelError{Message: "stream broken: " + err.Error()}
	}
	if !done && res.FinishReason == "" {
		return nil, &ModelError{Message: "stream ended before completion"}
	}
	res.Content, res.Refusal = content.String(), refusal.String()
	return res, nil
}

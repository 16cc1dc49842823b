// Package fakemodel is a scriptable OpenAI-compatible chat-completions
// server for tests: it answers with scripted replies, tool calls, token
// streams, errors, 429s and delays, and records the requests it gets:
// how many messages each carried and with which roles (to prove
// truncation), and the images of their user messages.
package fakemodel

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Reply is one scripted answer.
type Reply struct {
	// Status, if not 0 or 200, answers with this HTTP status and an
	// OpenAI error envelope carrying Message.
	Status  int
	Message string
	// RetryAfter, if set, is sent as a Retry-After header (seconds).
	RetryAfter int
	// Content is the assistant's text; streamed as Tokens if those are
	// set, else word by word.
	Content string
	Tokens  []string
	// ToolCalls are function calls to request (finish_reason
	// "tool_calls").
	ToolCalls []ToolCall
	// Delay is waited before answering (and between streamed tokens,
	// TokenDelay).
	Delay, TokenDelay time.Duration
	// BreakStream closes a streaming answer after this many tokens
	// without finishing it (0: never).
	BreakStream int
	// BreakToolCalls closes a streaming answer after its tool call
	// fragments without finishing it.
	BreakToolCalls bool
	// FinishReason, if set, replaces the finish_reason ("stop", or
	// "tool_calls" with ToolCalls), such as "length".
	FinishReason string
	// ArgumentFragments is how many stream chunks carry each tool call's
	// arguments; 0 means 2, as real servers split them.
	ArgumentFragments int
}

// ToolCall is a scripted function call.
type ToolCall struct {
	ID, Name, Arguments string
}

// Request is what the server received.
type Request struct {
	Body   map[string]any
	Stream bool
	Auth   string
	// Path is the request's URL path (tests give each client its own
	// base path to tell them apart).
	Path string
	// Messages is how many messages the request carried, and Roles
	// their roles in order.
	Messages int
	Roles    []string
}

// Server answers chat-completion requests from a script. Replies are
// taken in order; when the script runs out, Default answers (or, if nil,
// a reply echoing the last user message).
type Server struct {
	mu          sync.Mutex
	script      []Reply
	requests    []Request
	inFlight    map[string]int
	maxInFlight map[string]int
	active      map[int]Request
	seq         int
	// Default, if set, makes each unscripted reply from the request.
	Default func(req Request) Reply
	// Key, if set, names the conversation a request belongs to, for
	// MaxInFlight; nil means LastUserText. Set it before the first
	// request.
	Key func(req Request) string
}

// New returns a server that answers with the given replies in order.
func New(script ...Reply) *Server { return &Server{script: script} }

// Push appends replies to the script.
func (s *Server) Push(r ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, r...)
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many requests were received.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// Active returns the requests being answered now.
func (s *Server) Active() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, 0, len(s.active))
	for _, r := range s.active {
		out = append(out, r)
	}
	return out
}

// MaxInFlight returns, by Key, the most requests that were ever being
// answered at once.
func (s *Server) MaxInFlight() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.maxInFlight))
	for k, n := range s.maxInFlight {
		out[k] = n
	}
	return out
}

// enter counts a request in flight and returns its release.
func (s *Server) enter(req Request) func() {
	key := LastUserText(req)
	if s.Key != nil {
		key = s.Key(req)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inFlight == nil {
		s.inFlight, s.maxInFlight, s.active = map[string]int{}, map[string]int{}, map[int]Request{}
	}
	s.inFlight[key]++
	s.maxInFlight[key] = max(s.maxInFlight[key], s.inFlight[key])
	s.seq++
	id := s.seq
	s.active[id] = req
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.inFlight[key]--
		delete(s.active, id)
	}
}

// ServeHTTP answers POST .../chat/completions.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "bad json: "+err.Error(), 0)
		return
	}
	req := Request{Body: body, Auth: r.Header.Get("Authorization"), Path: r.URL.Path}
	req.Stream, _ = body["stream"].(bool)
	msgs, _ := body["messages"].([]any)
	req.Messages = len(msgs)
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		role, _ := mm["role"].(string)
		req.Roles = append(req.Roles, role)
	}
	defer s.enter(req)()
	s.mu.Lock()
	s.requests = append(s.requests, req)
	var reply Reply
	switch {
	case len(s.script) > 0:
		reply, s.script = s.script[0], s.script[1:]
	case s.Default != nil:
		reply = s.Default(req)
	default:
		reply = Reply{Content: "echo: " + LastUserText(req)}
	}
	s.mu.Unlock()

	if reply.Delay > 0 {
		select {
		case <-time.After(reply.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		writeError(w, reply.Status, reply.Message, reply.RetryAfter)
		return
	}
	if req.Stream {
		s.stream(w, r, reply)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(), "model": body["model"],
		"choices": []any{map[string]any{"index": 0, "message": message(reply), "finish_reason": finish(reply)}},
		"usage":   usage(reply),
	})
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request, reply Reply) {
	w.Header().Set("Content-Type", "text/event-stream")
	flusher, _ := w.(http.Flusher)
	send := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flusher != nil {
			flusher.Flush()
		}
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": "chatcmpl-fake", "object": "chat.completion.chunk",
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	send(chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	for i, tok := range tokens(reply) {
		if reply.BreakStream > 0 && i == reply.BreakStream {
			return
		}
		if reply.TokenDelay > 0 {
			select {
			case <-time.After(reply.TokenDelay):
			case <-r.Context().Done():
				return
			}
		}
		send(chunk(map[string]any{"content": tok}, nil))
	}
	for i, tc := range reply.ToolCalls {
		// The first fragment names the call, the others carry only more
		// of its arguments, as real servers send them.
		for j, frag := range fragments(tc.Arguments, reply.ArgumentFragments) {
			call := map[string]any{"index": i, "function": map[string]any{"arguments": frag}}
			if j == 0 {
				call["id"], call["type"] = tc.ID, "function"
				call["function"].(map[string]any)["name"] = tc.Name
			}
			send(chunk(map[string]any{"tool_calls": []any{call}}, nil))
		}
	}
	if reply.BreakToolCalls {
		return
	}
	send(chunk(map[string]any{}, finish(reply)))
	send(map[string]any{"id": "chatcmpl-fake", "object": "chat.completion.chunk", "choices": []any{}, "usage": usage(reply)})
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func tokens(r Reply) []string {
	if len(r.Tokens) > 0 {
		return r.Tokens
	}
	if r.Content == "" {
		return nil
	}
	var out []string
	words := strings.SplitAfter(r.Content, " ")
	for _, w := range words {
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

func message(r Reply) map[string]any {
	m := map[string]any{"role": "assistant", "content": r.Content}
	if len(r.ToolCalls) > 0 {
		var calls []any
		for _, tc := range r.ToolCalls {
			calls = append(calls, map[string]any{"id": tc.ID, "type": "function",
				"function": map[string]any{"name": tc.Name, "arguments": tc.Arguments}})
		}
		m["tool_calls"] = calls
		if r.Content == "" {
			m["content"] = nil
		}
	}
	return m
}

// fragments cuts s into n pieces (n < 1 means 2) of about equal length,
// the last ones possibly empty.
func fragments(s string, n int) []string {
	if n < 1 {
		n = 2
	}
	out := make([]string, n)
	size := (len(s) + n - 1) / n
	for i := range out {
		lo, hi := min(i*size, len(s)), min((i+1)*size, len(s))
		out[i] = s[lo:hi]
	}
	return out
}

func finish(r Reply) string {
	if r.FinishReason != "" {
		return r.FinishReason
	}
	if len(r.ToolCalls) > 0 {
		return "tool_calls"
	}
	return "stop"
}

// usage counts words as tokens: enough for tests to check it is carried.
func usage(r Reply) map[string]any {
	completion := len(tokens(r)) + len(r.ToolCalls)
	return map[string]any{"prompt_tokens": 10, "completion_tokens": completion, "total_tokens": 10 + completion}
}

func writeError(w http.ResponseWriter, status int, msg string, retryAfter int) {
	if msg == "" {
		msg = http.StatusText(status)
	}
	if retryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(retryAfter))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	typ := "server_error"
	if status < 500 {
		typ = "invalid_request_error"
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": nil}})
}

// LastUserText returns the text of the last user message of a request
// (its text parts joined by newlines when its content is an array).
func LastUserText(req Request) string {
	msgs, _ := req.Body["messages"].([]any)
	for i := len(msgs) - 1; i >= 0; i-- {
		m, _ := msgs[i].(map[string]any)
		if m["role"] == "user" {
			return Text(m)
		}
	}
	return ""
}

// Text returns the text of one request message: its content string, or
// its text parts joined by newlines.
func Text(msg map[string]any) string {
	if s, ok := msg["content"].(string); ok {
		return s
	}
	parts, _ := msg["content"].([]any)
	var texts []string
	for _, p := range parts {
		pm, _ := p.(map[string]any)
		if pm["type"] == "text" {
			t, _ := pm["text"].(string)
			texts = append(texts, t)
		}
	}
	return strings.Join(texts, "\n")
}

// Image is an image_url part of a request's message.
type Image struct {
	// Message is the index of the message in the request.
	Message     int
	URL, Detail string
}

// Images returns the image_url parts of a request's messages, in order.
func Images(req Request) []Image {
	var out []Image
	msgs, _ := req.Body["messages"].([]any)
	for i, m := range msgs {
		mm, _ := m.(map[string]any)
		parts, _ := mm["content"].([]any)
		for _, p := range parts {
			pm, _ := p.(map[string]any)
			iu, _ := pm["image_url"].(map[string]any)
			if pm["type"] != "image_url" || iu == nil {
				continue
			}
			url, _ := iu["url"].(string)
			detail, _ := iu["detail"].(string)
			out = append(out, Image{Message: i, URL: url, Detail: detail})
		}
	}
	return out
}

// ToolOutputs returns the contents of the request's tool messages, in
// order.
func ToolOutputs(req Request) []string {
	msgs, _ := req.Body["messages"].([]any)
	var out []string
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		if mm["role"] == "tool" {
			out = append(out, Text(mm))
		}
	}
	return out
}

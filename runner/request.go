package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
)

// UnsupportedError is a run that asks for something r2kit cannot do
// (a tool choice forcing code_interpreter or file_search): the run
// fails with last_error code invalid_prompt and this message.
type UnsupportedError struct{ What string }

func (e *UnsupportedError) Error() string { return e.What + " is not supported by r2kit" }

// request builds the chat-completions request of the run's next turn:
//
//   - model: the run's (the assistant's unless the run overrode it);
//   - a system message with the run's instructions (the assistant's or
//     the run's override, with additional_instructions appended when
//     the run was created), if not empty;
//   - the thread's messages in creation order (the run's
//     additional_messages were added to the thread when it was
//     created), truncated (see truncate); a user message's image_file
//     and image_url parts become image_url parts (see images.go);
//   - the previous turns of this run: for each completed tool_calls step,
//     an assistant message with the calls and a tool message per output
//     (for a file_search call, its results: see searchOutput);
//   - the run's function tools, and the search function for file_search
//     (see filesearch.go; code_interpreter is not sent: r2kit does not
//     run it), tool_choice, parallel_tool_calls,
//     temperature, top_p, response_format, and max_completion_tokens
//     less the completion tokens of the run's earlier turns.
//
// It also returns the usage of the run's earlier steps. A run whose
// token budget is spent fails with an *incompleteError.
func (x *execution) request(ctx context.Context) (ChatRequest, assistants.Usage, error) {
	r := x.run
	req := ChatRequest{Model: r.Model, Temperature: r.Temperature, TopP: r.TopP}
	if rf, ok := responseFormat(r.ResponseFormat); ok {
		req.ResponseFormat = rf
	}
	var system []ChatMessage
	if r.Instructions != "" {
		system = append(system, ChatMessage{Role: "system", Content: ptr(r.Instructions)})
	}
	thread, err := x.threadMessages(ctx)
	if err != nil {
		return req, assistants.Usage{}, err
	}
	rounds, usage, err := x.toolRounds(ctx)
	if err != nil {
		return req, usage, err
	}
	if err := x.tools(&req); err != nil {
		return req, usage, err
	}
	if r.MaxCompletionTokens != nil {
		left := *r.MaxCompletionTokens - usage.CompletionTokens
		if left <= 0 {
			return req, usage, &incompleteError{reason: assistants.RunIncompleteMaxCompletionTokens}
		}
		req.MaxCompletionTokens = ptr(int(left))
	}
	thread, err = x.truncate(req.Model, system, thread, rounds, usage)
	if err != nil {
		return req, usage, err
	}
	if err := x.images(ctx, thread); err != nil {
		return req, usage, err
	}
	req.Messages = append(append(system, thread...), rounds...)
	return req, usage, nil
}

// incompleteError ends a run incomplete with reason (before the model is
// called: its token budget is spent).
type incompleteError struct{ reason string }

func (e *incompleteError) Error() string { return "run incomplete: " + e.reason }

// truncate returns the thread messages sent with instructions system
// and this run's tool rounds:
//
//   - truncation_strategy last_messages N keeps the last N;
//   - auto (and a null strategy) drops the oldest messages until the
//     prompt fits the model's context window (Options.ContextTokens, or
//     ContextWindow(model); no limit for a model it does not know) less
//     room for the reply: the run's remaining max_completion_tokens, or
//     an eighth of the window, at most half of it;
//   - max_prompt_tokens, less the prompt tokens of the run's earlier
//     turns, bounds the prompt whatever the strategy, dropping the
//     oldest messages too.
//
// The instructions, the newest user message (and the messages after
// it) and the run's tool rounds are never dropped. When they alone
// exceed max_prompt_tokens, the run ends incomplete (an
// *incompleteError); when they alone exceed the context window, they
// are sent as they are and the model answers.
func (x *execution) truncate(model string, system, thread, rounds []ChatMessage, used assistants.Usage) ([]ChatMessage, error) {
	r := x.run
	t := r.TruncationStrategy
	if t == nil {
		t = &assistants.TruncationStrategy{Type: assistants.TruncationAuto}
	}
	if t.Type == assistants.TruncationLastMessages && t.LastMessages != nil && len(thread) > *t.LastMessages {
		thread = thread[len(thread)-*t.LastMessages:]
	}
	budget, strict := 0, false
	if t.Type == assistants.TruncationAuto {
		window := x.w.opts.ContextTokens
		if window <= 0 {
			window = ContextWindow(model)
		}
		if window > 0 {
			reserve := window / 8
			if r.MaxCompletionTokens != nil {
				reserve = int(*r.MaxCompletionTokens - used.CompletionTokens)
			}
			budget = window - min(reserve, window/2)
		}
	}
	if r.MaxPromptTokens != nil {
		if left := int(*r.MaxPromptTokens - used.PromptTokens); budget == 0 || left <= budget {
			budget, strict = left, true
		}
	}
	if budget == 0 && !strict {
		return thread, nil
	}
	return dropOldest(newCounter(model), system, thread, rounds, budget, strict)
}

// dropOldest drops thread messages from the oldest end until the
// prompt fits budget tokens, keeping the newest user message and those
// after it. Messages are kept newest first while they fit: an older
// message is never kept in place of a newer one.
func dropOldest(c counter, system, thread, rounds []ChatMessage, budget int, strict bool) ([]ChatMessage, error) {
	keep := len(thread) // thread[keep:] is never dropped
	for i := len(thread) - 1; i >= 0; i-- {
		if thread[i].Role == assistants.RoleUser {
			keep = i
			break
		}
	}
	if keep == len(thread) {
		keep = max(len(thread)-1, 0) // no user message: keep the newest
	}
	total := c.messages(system) + c.messages(rounds) - tokensPerReply
	for i := keep; i < len(thread); i++ {
		total += c.message(&thread[i])
	}
	if total > budget {
		if strict {
			return nil, &incompleteError{reason: assistants.RunIncompleteMaxPromptTokens}
		}
		return thread[keep:], nil
	}
	// Newest first, so that only the messages kept (and one more) are
	// counted, however long the thread.
	start := keep
	for start > 0 {
		n := c.message(&thread[start-1])
		if total+n > budget {
			break
		}
		total += n
		start--
	}
	return thread[start:], nil
}

func ptr[T any](v T) *T { return &v }

// tools sets the request's tools and tool choice from the run's: its
// function tools, and the search function if it has file_search (until
// it made MaxSearchCalls searches). A forced file_search is a forced
// call of the search function until the run has searched once.
func (x *execution) tools(req *ChatRequest) error {
	r := x.run
	_, search := fileSearchTool(r)
	for _, t := range r.Tools {
		if t.Type != assistants.ToolFunction || t.Function == nil {
			continue
		}
		f := t.Function
		if search && f.Name == SearchFunction {
			return &UnsupportedError{What: "a function tool named " + SearchFunction + " alongside the file_search tool"}
		}
		req.Tools = append(req.Tools, ChatTool{Type: "function", Function: ChatFunction{
			Name: f.Name, Description: f.Description, Parameters: f.Parameters, Strict: f.Strict,
		}})
	}
	if search && x.w.opts.VectorStores == nil {
		return &searchFailure{"file_search: this server has no vector store service (runner.Options.VectorStores)"}
	}
	offer := search && len(x.sources) < MaxSearchCalls
	if offer {
		req.Tools = append(req.Tools, searchTool)
	}
	tc := r.ToolChoice
	if tc.Tool != nil {
		switch tc.Tool.Type {
		case assistants.ToolFunction:
		case assistants.ToolFileSearch:
			if !search {
				return &UnsupportedError{What: "tool_choice file_search without the file_search tool"}
			}
			if !offer || len(x.sources) > 0 {
				tc = assistants.ToolChoice{} // searched: the model answers
			} else {
				tc = assistants.ToolChoice{Tool: &assistants.NamedToolChoice{Type: assistants.ToolFunction,
					Function: &assistants.FunctionName{Name: SearchFunction}}}
			}
		default:
			return &UnsupportedError{What: "tool_choice " + tc.Tool.Type}
		}
	}
	if len(req.Tools) == 0 {
		return nil // no tool_choice or parallel_tool_calls without tools
	}
	req.ParallelToolCalls = ptr(r.ParallelToolCalls)
	if !tc.IsZero() {
		raw, err := json.Marshal(tc)
		if err != nil {
			return err
		}
		req.ToolChoice = raw
	}
	return nil
}

// responseFormat returns the chat form of a run's response_format; none
// for null and "auto".
func responseFormat(f assistants.ResponseFormat) (json.RawMessage, bool) {
	switch f.Type {
	case "", assistants.ResponseFormatAuto:
		return nil, false
	}
	raw, err := json.Marshal(f)
	return raw, err == nil
}

// threadMessages returns the thread's messages, oldest first, as chat
// messages.
func (x *execution) threadMessages(ctx context.Context) ([]ChatMessage, error) {
	var out []ChatMessage
	p := store.MessageListParams{ListParams: assistants.ListParams{Limit: assistants.MaxListLimit, Order: assistants.OrderAsc}}
	for {
		page, err := x.w.store.Messages.List(ctx, x.thread, p)
		if err != nil {
			return nil, err
		}
		for i := range page.Data {
			m := &page.Data[i]
			if m.ID == x.lease.MessageID {
				continue // this turn's own reply, if a crashed attempt wrote part of it
			}
			out = append(out, chatMessage(m))
		}
		if !page.HasMore || page.LastID == nil {
			return out, nil
		}
		p.After = *page.LastID
	}
}

// chatMessage returns a thread message as a chat message: its text as
// content; a user message with images as parts (text, and image_url
// parts whose image_file URLs images makes later).
func chatMessage(m *assistants.Message) ChatMessage {
	cm := ChatMessage{Role: m.Role}
	if m.Role != assistants.RoleUser || !hasImage(m) {
		cm.Content = ptr(messageText(m))
		return cm
	}
	cm.Parts = []ChatPart{}
	for _, p := range m.Content {
		switch {
		case p.Type == assistants.ContentImageFile && p.ImageFile != nil:
			cm.Parts = append(cm.Parts, ChatPart{Type: PartImageURL, ImageURL: &ChatImageURL{Detail: p.ImageFile.Detail}, fileID: p.ImageFile.FileID})
		case p.Type == assistants.ContentImageURL && p.ImageURL != nil:
			cm.Parts = append(cm.Parts, ChatPart{Type: PartImageURL, ImageURL: &ChatImageURL{URL: p.ImageURL.URL, Detail: p.ImageURL.Detail}})
		default:
			if t := partText(p); t != "" {
				cm.Parts = append(cm.Parts, ChatPart{Type: PartText, Text: t})
			}
		}
	}
	return cm
}

func hasImage(m *assistants.Message) bool {
	for _, p := range m.Content {
		if p.Type == assistants.ContentImageFile || p.Type == assistants.ContentImageURL {
			return true
		}
	}
	return false
}

// messageText returns a message's content as text: text parts as they
// are, refusals as text, and a note in place of each image (an
// assistant's message never carries one to the model).
func messageText(m *assistants.Message) string {
	var parts []string
	for _, p := range m.Content {
		parts = append(parts, partText(p))
	}
	return strings.Join(parts, "\n")
}

// partText returns a content part as text.
func partText(p assistants.ContentPart) string {
	switch {
	case p.Type == assistants.ContentText && p.Text != nil:
		return p.Text.Value
	case p.Type == assistants.ContentRefusal:
		return p.Refusal
	case p.Type == assistants.ContentImageFile && p.ImageFile != nil:
		return fmt.Sprintf("[image %s]", p.ImageFile.FileID)
	case p.Type == assistants.ContentImageURL && p.ImageURL != nil:
		return fmt.Sprintf("[image %s]", p.ImageURL.URL)
	}
	return fmt.Sprintf("[%s content omitted]", p.Type)
}

// toolRounds returns the run's answered tool calls and their outputs,
// oldest first, and the usage of all its steps so far. It notes in
// x.answered the answered steps still in_progress, and in x.sources the
// results of every file_search call of the run, by call number.
func (x *execution) toolRounds(ctx context.Context) ([]ChatMessage, assistants.Usage, error) {
	var (
		out   []ChatMessage
		usage assistants.Usage
	)
	x.answered, x.sources = nil, nil
	if x.lease.Turn <= 1 {
		return nil, usage, nil // the first turn has no earlier steps
	}
	p := assistants.ListParams{Limit: assistants.MaxListLimit, Order: assistants.OrderAsc}
	for {
		page, err := x.w.store.Steps.List(ctx, x.thread, x.id, p)
		if err != nil {
			return nil, usage, err
		}
		for i := range page.Data {
			s := &page.Data[i]
			if s.ID == x.lease.StepID {
				continue // this turn's own step
			}
			addUsage(&usage, s.Usage)
			first := len(x.sources) // the number of the step's first file_search call
			if s.Type == assistants.StepToolCalls {
				for _, c := range s.StepDetails.ToolCalls {
					if c.Type == assistants.ToolFileSearch && c.FileSearch != nil {
						x.sources = append(x.sources, c.FileSearch.Results)
					}
				}
			}
			if !answered(s) {
				continue
			}
			out = append(out, toolMessages(s.StepDetails.ToolCalls, first)...)
			if s.Status == assistants.StepInProgress {
				x.answered = append(x.answered, s.ID)
			}
		}
		if !page.HasMore || page.LastID == nil {
			return out, usage, nil
		}
		p.After = *page.LastID
	}
}

// answered reports whether s is a tool_calls step whose calls all have
// their outputs: completed, or in_progress with the outputs recorded by
// a submission (the next turn completes it).
func answered(s *assistants.RunStep) bool {
	if s.Type != assistants.StepToolCalls || (s.Status != assistants.StepCompleted && s.Status != assistants.StepInProgress) {
		return false
	}
	for _, c := range s.StepDetails.ToolCalls {
		if c.Type == assistants.ToolFunction && (c.Function == nil || c.Function.Output == nil) {
			return false
		}
	}
	return true
}

// toolMessages returns the assistant message that made calls and a tool
// message with the output of each: a function's submitted output, or a
// file_search call's results (numbered from the run's call number
// first).
func toolMessages(calls []assistants.ToolCall, first int) []ChatMessage {
	asst := ChatMessage{Role: "assistant"}
	var outputs []ChatMessage
	n := first
	for _, c := range calls {
		switch {
		case c.Type == assistants.ToolFunction && c.Function != nil:
			asst.ToolCalls = append(asst.ToolCalls, ToolCall{ID: c.ID, Type: "function",
				Function: FunctionCall{Name: c.Function.Name, Arguments: c.Function.Arguments}})
			output := ""
			if c.Function.Output != nil {
				output = *c.Function.Output
			}
			outputs = append(outputs, ChatMessage{Role: "tool", ToolCallID: c.ID, Content: ptr(output)})
		case c.Type == assistants.ToolFileSearch && c.FileSearch != nil:
			args, _ := json.Marshal(map[string]string{"query": c.FileSearch.Query})
			asst.ToolCalls = append(asst.ToolCalls, ToolCall{ID: c.ID, Type: "function",
				Function: FunctionCall{Name: SearchFunction, Arguments: string(args)}})
			outputs = append(outputs, ChatMessage{Role: "tool", ToolCallID: c.ID, Content: ptr(searchOutput(n, c.FileSearch))})
			n++
		}
	}
	if len(asst.ToolCalls) == 0 {
		return nil
	}
	return append([]ChatMessage{asst}, outputs...)
}

// addUsage adds u (may be nil) to sum.
func addUsage(sum *assistants.Usage, u *assistants.Usage) {
	if u == nil {
		return
	}
	sum.PromptTokens += u.PromptTokens
	sum.CompletionTokens += u.CompletionTokens
	sum.TotalTokens += u.TotalTokens
}

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
//     created), the last N only with truncation_strategy last_messages;
//     text content only: an image part becomes a note in the text;
//   - the previous turns of this run: for each completed tool_calls step,
//     an assistant message with the calls and a tool message per output;
//   - the run's function tools (code_interpreter and file_search are not
//     sent: r2kit does not run them), tool_choice, parallel_tool_calls,
//     temperature, top_p, response_format and max_completion_tokens.
//
// It also returns the usage of the run's earlier steps.
func (x *execution) request(ctx context.Context) (ChatRequest, assistants.Usage, error) {
	r := x.run
	req := ChatRequest{Model: r.Model, Temperature: r.Temperature, TopP: r.TopP}
	if r.MaxCompletionTokens != nil {
		req.MaxCompletionTokens = ptr(int(*r.MaxCompletionTokens))
	}
	if rf, ok := responseFormat(r.ResponseFormat); ok {
		req.ResponseFormat = rf
	}
	if err := x.tools(&req); err != nil {
		return req, assistants.Usage{}, err
	}
	if r.Instructions != "" {
		req.Messages = append(req.Messages, ChatMessage{Role: "system", Content: ptr(r.Instructions)})
	}
	thread, err := x.threadMessages(ctx)
	if err != nil {
		return req, assistants.Usage{}, err
	}
	if t := r.TruncationStrategy; t != nil && t.Type == assistants.TruncationLastMessages && t.LastMessages != nil && len(thread) > *t.LastMessages {
		thread = thread[len(thread)-*t.LastMessages:]
	}
	req.Messages = append(req.Messages, thread...)
	rounds, usage, err := x.toolRounds(ctx)
	if err != nil {
		return req, usage, err
	}
	req.Messages = append(req.Messages, rounds...)
	return req, usage, nil
}

func ptr[T any](v T) *T { return &v }

// tools sets the request's tools and tool choice from the run's.
func (x *execution) tools(req *ChatRequest) error {
	r := x.run
	for _, t := range r.Tools {
		if t.Type != assistants.ToolFunction || t.Function == nil {
			continue
		}
		f := t.Function
		req.Tools = append(req.Tools, ChatTool{Type: "function", Function: ChatFunction{
			Name: f.Name, Description: f.Description, Parameters: f.Parameters, Strict: f.Strict,
		}})
	}
	tc := r.ToolChoice
	if tc.Tool != nil && tc.Tool.Type != assistants.ToolFunction {
		return &UnsupportedError{What: "tool_choice " + tc.Tool.Type}
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
			out = append(out, ChatMessage{Role: m.Role, Content: ptr(messageText(m))})
		}
		if !page.HasMore || page.LastID == nil {
			return out, nil
		}
		p.After = *page.LastID
	}
}

// messageText returns a message's content as text: text parts as they
// are, refusals as text, and a note in place of each image.
func messageText(m *assistants.Message) string {
	var parts []string
	for _, p := range m.Content {
		switch {
		case p.Type == assistants.ContentText && p.Text != nil:
			parts = append(parts, p.Text.Value)
		case p.Type == assistants.ContentRefusal:
			parts = append(parts, p.Refusal)
		case p.Type == assistants.ContentImageFile && p.ImageFile != nil:
			parts = append(parts, fmt.Sprintf("[image %s omitted: r2kit sends text content only]", p.ImageFile.FileID))
		case p.Type == assistants.ContentImageURL && p.ImageURL != nil:
			parts = append(parts, fmt.Sprintf("[image %s omitted: r2kit sends text content only]", p.ImageURL.URL))
		default:
			parts = append(parts, fmt.Sprintf("[%s content omitted: r2kit sends text content only]", p.Type))
		}
	}
	return strings.Join(parts, "\n")
}

// toolRounds returns the run's answered tool calls and their outputs,
// oldest first, and the usage of all its steps so far. It notes in
// x.answered the answered steps still in_progress.
func (x *execution) toolRounds(ctx context.Context) ([]ChatMessage, assistants.Usage, error) {
	var (
		out   []ChatMessage
		usage assistants.Usage
	)
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
			if !answered(s) {
				continue
			}
			out = append(out, toolMessages(s.StepDetails.ToolCalls)...)
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
// message with the output of each.
func toolMessages(calls []assistants.ToolCall) []ChatMessage {
	asst := ChatMessage{Role: "assistant"}
	var outputs []ChatMessage
	for _, c := range calls {
		if c.Type != assistants.ToolFunction || c.Function == nil {
			continue
		}
		asst.ToolCalls = append(asst.ToolCalls, ToolCall{ID: c.ID, Type: "function",
			Function: FunctionCall{Name: c.Function.Name, Arguments: c.Function.Arguments}})
		output := ""
		if c.Function.Output != nil {
			output = *c.Function.Output
		}
		outputs = append(outputs, ChatMessage{Role: "tool", ToolCallID: c.ID, Content: ptr(output)})
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

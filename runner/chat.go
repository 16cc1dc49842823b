package runner

import (
	"encoding/json"
)

// ChatMessage is one message of a chat-completions request. Its content
// is Content (a string, or null), or Parts when they are set (an array
// of text and image_url parts).
type ChatMessage struct {
	Role       string     `json:"role"` // system, user, assistant, tool
	Content    *string    `json:"content"`
	Parts      []ChatPart `json:"-"`
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

type chatMessageJSON struct {
	Role       string     `json:"role"`
	Content    any        `json:"content"`
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

// MarshalJSON writes the message with its content as a string (or
// null), or as the array of its Parts.
func (m ChatMessage) MarshalJSON() ([]byte, error) {
	w := chatMessageJSON{Role: m.Role, ToolCalls: m.ToolCalls, ToolCallID: m.ToolCallID}
	switch {
	case m.Parts != nil:
		w.Content = m.Parts
	case m.Content != nil:
		w.Content = *m.Content
	}
	return json.Marshal(w)
}

// Chat content part types.
const (
	PartText     = "text"
	PartImageURL = "image_url"
)

// ChatPart is one part of a message's content: {"type":"text","text"}
// or {"type":"image_url","image_url":{"url","detail"}}.
type ChatPart struct {
	Type     string        `json:"type"`
	Text     string        `json:"text,omitempty"`
	ImageURL *ChatImageURL `json:"image_url,omitempty"`

	fileID string // an image_file part until its URL is made
}

// ChatImageURL is an image: an http(s) URL or a data URL, and the
// detail asked for (auto, low or high; "" is omitted).
type ChatImageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

// ToolCall is a function call requested by the model.
type ToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"` // "function"
	Function FunctionCall `json:"function"`
}

// FunctionCall names the function and carries its JSON arguments.
type FunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// ChatTool is a function the model may call.
type ChatTool struct {
	Type     string       `json:"type"` // "function"
	Function ChatFunction `json:"function"`
}

// ChatFunction describes a callable function.
type ChatFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// ChatRequest is a /chat/completions request body.
type ChatRequest struct {
	Model               string          `json:"model"`
	Messages            []ChatMessage   `json:"messages"`
	Tools               []ChatTool      `json:"tools,omitempty"`
	ToolChoice          json.RawMessage `json:"tool_choice,omitempty"`
	ParallelToolCalls   *bool           `json:"parallel_tool_calls,omitempty"`
	Temperature         *float64        `json:"temperature,omitempty"`
	TopP                *float64        `json:"top_p,omitempty"`
	ResponseFormat      json.RawMessage `json:"response_format,omitempty"`
	MaxCompletionTokens *int            `json:"max_completion_tokens,omitempty"`
	Stream              bool            `json:"stream,omitempty"`
	StreamOptions       *StreamOptions  `json:"stream_options,omitempty"`
}

// StreamOptions asks a streaming endpoint for usage in its last chunk.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// Usage counts tokens.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Delta is one piece of a streamed completion: content, or a fragment
// of a tool call.
type Delta struct {
	Content  string
	ToolCall *ToolCallDelta
}

// ToolCallDelta is a fragment of the tool call at Index: its first
// fragment usually carries the id, type and function name, the others
// more of the arguments.
type ToolCallDelta struct {
	Index          int
	ID, Type, Name string
	Arguments      string
}

// ChatResult is the outcome of one completion, streamed or not.
type ChatResult struct {
	Content      string
	Refusal      string
	ToolCalls    []ToolCall
	FinishReason string
	Usage        *Usage
}

// chatResponse is a non-streaming /chat/completions answer.
type chatResponse struct {
	Choices []struct {
		Message struct {
			Content   *string    `json:"content"`
			Refusal   *string    `json:"refusal"`
			ToolCalls []ToolCall `json:"tool_calls"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *Usage `json:"usage"`
}

// chatChunk is one server-sent event of a streaming answer.
type chatChunk struct {
	Choices []struct {
		Delta struct {
			Content   *string `json:"content"`
			Refusal   *string `json:"refusal"`
			ToolCalls []struct {
				Index    int    `json:"index"`
				ID       string `json:"id"`
				Type     string `json:"type"`
				Function struct {
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *Usage `json:"usage"`
}

package assistants

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// MessageCreateRequest is the body of POST /threads/{id}/messages (and
// an element of a thread's or run's initial messages). Content is a
// string or an array of parts; a text part is {"type":"text","text":
// "..."} here, not the stored form.
type MessageCreateRequest struct {
	Role        string              `json:"role"`
	Content     MessageContentInput `json:"content"`
	Attachments []Attachment        `json:"attachments,omitempty"`
	Metadata    Metadata            `json:"metadata,omitempty"`
}

// Validate checks the request as the API does: role user or assistant,
// content present (a non-empty string, or at least one part, each text,
// image_file or image_url, text non-empty), attachments and metadata.
func (r *MessageCreateRequest) Validate() error {
	return firstErr(
		checkEnum("role", r.Role, RoleUser, RoleAssistant),
		r.Content.validate("content"),
		ValidateAttachments("attachments", r.Attachments),
		ValidateMetadata(r.Metadata),
	)
}

// Message returns the message the request creates, with the given id,
// thread and creation time: status completed, content as parts,
// attachments [] when none. The caller sets AssistantID and RunID when
// a run creates it.
func (r *MessageCreateRequest) Message(id, thread string, createdAt int64) Message {
	return Message{
		ID: id, Object: ObjectMessage, CreatedAt: createdAt, ThreadID: thread,
		Status: MessageCompleted, CompletedAt: Ptr(createdAt), Role: r.Role,
		Content: r.Content.Parts(), Attachments: orEmpty(slices.Clone(r.Attachments)),
		Metadata: r.Metadata,
	}
}

// MessageContentInput is the content of a message create request: a
// string or an array of parts.
type MessageContentInput struct {
	// Text is the string form; IsText reports whether it was used.
	Text   string
	IsText bool
	// List is the array form, decoded into the stored part form (a text
	// part's string becomes TextContent.Value).
	List []ContentPart

	set bool
}

// TextInput returns string content.
func TextInput(s string) MessageContentInput {
	return MessageContentInput{Text: s, IsText: true, set: true}
}

// PartsInput returns array content.
func PartsInput(parts ...ContentPart) MessageContentInput {
	return MessageContentInput{List: parts, set: true}
}

// Parts returns the content as stored message parts.
func (c MessageContentInput) Parts() []ContentPart {
	if c.IsText {
		return []ContentPart{TextPart(c.Text)}
	}
	out := make([]ContentPart, len(c.List))
	copy(out, c.List)
	return out
}

// MarshalJSON writes the string or the array of request parts.
func (c MessageContentInput) MarshalJSON() ([]byte, error) {
	if c.IsText {
		return encodeJSON(c.Text)
	}
	if !c.set && c.List == nil {
		return []byte("null"), nil
	}
	out := make([]json.RawMessage, len(c.List))
	for i, p := range c.List {
		var err error
		if p.Type == ContentText && p.Text != nil && p.raw == nil {
			out[i], err = encodeJSON(struct {
				Type string `json:"type"`
				Text string `json:"text"`
			}{p.Type, p.Text.Value})
		} else {
			out[i], err = p.MarshalJSON()
		}
		if err != nil {
			return nil, err
		}
	}
	return encodeJSON(out)
}

// UnmarshalJSON reads a string or an array of request parts. A text
// part whose text is not a string is an error naming the part.
func (c *MessageContentInput) UnmarshalJSON(data []byte) error {
	*c = MessageContentInput{}
	if isNull(data) {
		return nil
	}
	c.set = true
	if json.Unmarshal(data, &c.Text) == nil {
		c.IsText = true
		return nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return &FieldError{Path: "content", Reason: "expected a string or an array of content parts", Err: err}
	}
	c.List = make([]ContentPart, len(raws))
	for i, raw := range raws {
		if err := c.List[i].unmarshalRequest(raw); err != nil {
			return &FieldError{Path: fmt.Sprintf("content[%d]", i), Reason: err.Error(), Err: err}
		}
	}
	return nil
}

// unmarshalRequest reads a part in request form.
func (p *ContentPart) unmarshalRequest(data []byte) error {
	typ, err := typeOf(data)
	if err != nil {
		return fmt.Errorf("expected a content part object")
	}
	if typ != ContentText {
		return json.Unmarshal(data, p)
	}
	var w struct {
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(data, &w); err != nil || w.Text == nil {
		return fmt.Errorf("text: expected a string")
	}
	*p = TextPart(*w.Text)
	return nil
}

func (c MessageContentInput) validate(path string) error {
	switch {
	case !c.set && c.List == nil && !c.IsText:
		return fieldErr(path, "required")
	case c.IsText && c.Text == "":
		return fieldErr(path, "empty; expected at least 1 character")
	case c.IsText:
		return nil
	case len(c.List) == 0:
		return fieldErr(path, "empty; expected at least 1 content part")
	}
	for i := range c.List {
		p := &c.List[i]
		if p.Known() && p.Type == ContentRefusal {
			return unknownTypeAt(fmt.Sprintf("%s[%d].type", path, i), p.Type, ContentText, ContentImageFile, ContentImageURL)
		}
		if err := p.validate(true); err != nil {
			return nest(fmt.Sprintf("%s[%d]", path, i), err)
		}
	}
	return nil
}

// ThreadCreateRequest is the body of POST /threads.
type ThreadCreateRequest struct {
	Messages      []MessageCreateRequest `json:"messages,omitempty"`
	ToolResources *ToolResources         `json:"tool_resources,omitempty"`
	Metadata      Metadata               `json:"metadata,omitempty"`
}

// MaxThreadMessages is the most initial messages a thread may be
// created with, as the API allows.
const MaxThreadMessages = 32

// Validate checks the request: at most MaxThreadMessages messages, each
// valid, the tool resources and the metadata.
func (r *ThreadCreateRequest) Validate() error {
	if n := len(r.Messages); n > MaxThreadMessages {
		return fieldErr("messages", "array too long. Expected an array with maximum length %d, "+
			"but got an array with length %d instead", MaxThreadMessages, n)
	}
	for i := range r.Messages {
		if err := r.Messages[i].Validate(); err != nil {
			return nest(fmt.Sprintf("messages[%d]", i), err)
		}
	}
	return firstErr(
		validateToolResources("tool_resources", r.ToolResources),
		ValidateMetadata(r.Metadata),
	)
}

// RunCreateRequest is the body of POST /threads/{id}/runs. Nil members
// take the assistant's value or the default.
type RunCreateRequest struct {
	AssistantID            string                 `json:"assistant_id"`
	Model                  *string                `json:"model,omitempty"`
	Instructions           *string                `json:"instructions,omitempty"`
	AdditionalInstructions *string                `json:"additional_instructions,omitempty"`
	AdditionalMessages     []MessageCreateRequest `json:"additional_messages,omitempty"`
	// Tools, if not nil, replaces the assistant's tools (at most 20).
	Tools               []Tool              `json:"tools,omitempty"`
	Metadata            Metadata            `json:"metadata,omitempty"`
	Temperature         *float64            `json:"temperature,omitempty"`
	TopP                *float64            `json:"top_p,omitempty"`
	Stream              *bool               `json:"stream,omitempty"`
	MaxPromptTokens     *int64              `json:"max_prompt_tokens,omitempty"`
	MaxCompletionTokens *int64              `json:"max_completion_tokens,omitempty"`
	TruncationStrategy  *TruncationStrategy `json:"truncation_strategy,omitempty"`
	ToolChoice          ToolChoice          `json:"tool_choice,omitzero"`
	ParallelToolCalls   *bool               `json:"parallel_tool_calls,omitempty"`
	ResponseFormat      ResponseFormat      `json:"response_format,omitzero"`
	// ReasoningEffort, if set, is carried by the run for the model
	// (one of ReasoningEfforts).
	ReasoningEffort *string `json:"reasoning_effort,omitempty"`
}

// Validate checks the request: assistant_id "asst_...", instructions
// at most 256000 characters, additional messages, at most 20 tools,
// metadata, temperature 0..2, top_p 0..1, token limits at least 256,
// truncation strategy, tool choice and response format.
func (r *RunCreateRequest) Validate() error {
	if err := checkID("assistant_id", PrefixAssistant, r.AssistantID); err != nil {
		return err
	}
	if r.Model != nil && *r.Model == "" {
		return fieldErr("model", "empty")
	}
	for i := range r.AdditionalMessages {
		if err := r.AdditionalMessages[i].Validate(); err != nil {
			return nest(fmt.Sprintf("additional_messages[%d]", i), err)
		}
	}
	return firstErr(
		checkMaxLen("instructions", r.Instructions, MaxInstructionsLen),
		checkMaxLen("additional_instructions", r.AdditionalInstructions, MaxInstructionsLen),
		ValidateTools("tools", r.Tools, MaxRunTools),
		ValidateMetadata(r.Metadata),
		checkRange("temperature", r.Temperature, 0, 2),
		checkRange("top_p", r.TopP, 0, 1),
		checkMinTokens("max_prompt_tokens", r.MaxPromptTokens),
		checkMinTokens("max_completion_tokens", r.MaxCompletionTokens),
		r.TruncationStrategy.validate("truncation_strategy"),
		r.ToolChoice.validate("tool_choice"),
		r.ResponseFormat.validate("response_format"),
		checkReasoningEffort(r.ReasoningEffort),
	)
}

// NewRun returns the queued run r creates in thread for assistant a at
// Unix time now, with a new id. Members the request leaves out take the
// assistant's value (model, instructions, tools, temperature, top_p,
// response_format, reasoning_effort) or the API's default (truncation
// strategy auto, tool choice auto, parallel tool calls, response format
// auto). additional_instructions are appended to the instructions after
// a blank line. The run expires DefaultRunExpiry seconds after now.
// additional_messages are not part of the run (the store writes them).
func (r *RunCreateRequest) NewRun(a *Assistant, thread string, now int64) (Run, error) {
	run := Run{
		ID: NewID(PrefixRun), Object: ObjectRun, CreatedAt: now,
		ThreadID: thread, AssistantID: a.ID, Status: RunQueued,
		ExpiresAt: Ptr(now + DefaultRunExpiry),
		Model:     a.Model, Tools: a.Tools, Metadata: r.Metadata,
		Temperature: a.Temperature, TopP: a.TopP,
		MaxPromptTokens: r.MaxPromptTokens, MaxCompletionTokens: r.MaxCompletionTokens,
		TruncationStrategy: r.TruncationStrategy, ToolChoice: r.ToolChoice,
		ParallelToolCalls: true, ResponseFormat: a.ResponseFormat,
	}
	if a.Instructions != nil {
		run.Instructions = *a.Instructions
	}
	if r.Model != nil {
		run.Model = *r.Model
	}
	if r.Instructions != nil {
		run.Instructions = *r.Instructions
	}
	if add := r.AdditionalInstructions; add != nil && *add != "" {
		if run.Instructions != "" {
			run.Instructions += "\n\n"
		}
		run.Instructions += *add
	}
	if r.Tools != nil {
		run.Tools = r.Tools
	}
	if run.Tools == nil {
		run.Tools = []Tool{}
	}
	if r.Temperature != nil {
		run.Temperature = r.Temperature
	}
	if r.TopP != nil {
		run.TopP = r.TopP
	}
	if r.ParallelToolCalls != nil {
		run.ParallelToolCalls = *r.ParallelToolCalls
	}
	if !r.ResponseFormat.IsZero() {
		run.ResponseFormat = r.ResponseFormat
	}
	if run.ResponseFormat.IsZero() {
		run.ResponseFormat = AutoResponseFormat()
	}
	if run.TruncationStrategy == nil {
		run.TruncationStrategy = &TruncationStrategy{Type: TruncationAuto}
	}
	if run.ToolChoice.IsZero() {
		run.ToolChoice = ToolChoice{Mode: ToolChoiceAuto}
	}
	effort := r.ReasoningEffort
	if raw, ok := a.Extra[reasoningEffortMember]; ok && effort == nil {
		run.Extra = Extra{reasoningEffortMember: raw}
	}
	var err error
	run.Extra, err = WithReasoningEffort(run.Extra, effort)
	return run, err
}

// ReasoningEfforts are the values of reasoning_effort.
var ReasoningEfforts = []string{"none", "minimal", "low", "medium", "high", "xhigh"}

// reasoningEffortMember is the member assistants and runs carry it in.
const reasoningEffortMember = "reasoning_effort"

func checkReasoningEffort(effort *string) error {
	if effort == nil {
		return nil
	}
	return checkEnum(reasoningEffortMember, *effort, ReasoningEfforts...)
}

// WithReasoningEffort records a reasoning_effort (nil: none) among the
// members extra keeps for an assistant or a run, after checking it (a
// *FieldError for a value not in ReasoningEfforts). The object then
// carries it on the wire; the executor reads it there. extra is not
// modified: a changed copy is returned.
func WithReasoningEffort(extra Extra, effort *string) (Extra, error) {
	if effort == nil {
		return extra, nil
	}
	if err := checkReasoningEffort(effort); err != nil {
		return extra, err
	}
	raw, err := json.Marshal(*effort)
	if err != nil {
		return extra, err
	}
	extra = maps.Clone(extra)
	if extra == nil {
		extra = Extra{}
	}
	extra[reasoningEffortMember] = raw
	return extra, nil
}

// SubmitToolOutputsRequest is the body of POST
// /threads/{id}/runs/{id}/submit_tool_outputs.
type SubmitToolOutputsRequest struct {
	ToolOutputs []ToolOutput `json:"tool_outputs"`
	Stream      *bool        `json:"stream,omitempty"`
}

// ToolOutput is the output of one tool call.
type ToolOutput struct {
	ToolCallID string `json:"tool_call_id"`
	Output     string `json:"output"`
}

// Match checks the request against the run's required action (nil if
// the run is not waiting): every pending tool call answered exactly
// once, no unknown or empty call ids.
func (r *SubmitToolOutputsRequest) Match(action *RequiredAction) error {
	if action == nil {
		return fieldErr("tool_outputs", "the run is not waiting for tool outputs")
	}
	pending := map[string]bool{}
	for _, c := range action.SubmitToolOutputs.ToolCalls {
		pending[c.ID] = true
	}
	seen := map[string]bool{}
	for i, o := range r.ToolOutputs {
		p := fmt.Sprintf("tool_outputs[%d].tool_call_id", i)
		switch {
		case o.ToolCallID == "":
			return fieldErr(p, "required")
		case !pending[o.ToolCallID]:
			return fieldErr(p, "%s is not a pending tool call of this run", shorten(o.ToolCallID))
		case seen[o.ToolCallID]:
			return fieldErr(p, "duplicate output for tool call %q", o.ToolCallID)
		}
		seen[o.ToolCallID] = true
	}
	for _, c := range action.SubmitToolOutputs.ToolCalls {
		if !seen[c.ID] {
			return fieldErr("tool_outputs", "missing output for tool call %q", c.ID)
		}
	}
	return nil
}

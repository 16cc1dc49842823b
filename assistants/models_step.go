package assistants

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Run step types (RunStep.Type and StepDetails.Type).
const (
	StepMessageCreation = "message_creation"
	StepToolCalls       = "tool_calls"
)

// RunStep is the run step object ("object":"thread.run.step"). Every
// member is always written; last_error, expired_at, cancelled_at,
// failed_at, completed_at and usage are null when unset.
type RunStep struct {
	ID string `json:"id"`
	// Object is "thread.run.step"; marshalling fills it in when empty.
	Object      string `json:"object"`
	CreatedAt   int64  `json:"created_at"`
	AssistantID string `json:"assistant_id"`
	ThreadID    string `json:"thread_id"`
	RunID       string `json:"run_id"`
	// Type is StepMessageCreation or StepToolCalls, the same as
	// StepDetails.Type.
	Type        string      `json:"type"`
	Status      StepStatus  `json:"status"`
	StepDetails StepDetails `json:"step_details"`
	// LastError code: server_error or rate_limit_exceeded.
	LastError   *LastError `json:"last_error"`
	ExpiredAt   *int64     `json:"expired_at"`
	CancelledAt *int64     `json:"cancelled_at"`
	FailedAt    *int64     `json:"failed_at"`
	CompletedAt *int64     `json:"completed_at"`
	Metadata    Metadata   `json:"metadata"`
	Usage       *Usage     `json:"usage"`

	// Extra holds members this version does not know (see Extra).
	Extra Extra `json:"-"`
}

type runStepJSON RunStep

// MarshalJSON writes the step with every member present and its Extra
// members after them.
func (s RunStep) MarshalJSON() ([]byte, error) {
	w := runStepJSON(s)
	w.Object = orDefault(w.Object, ObjectRunStep)
	return marshalObject(&w, s.Extra)
}

// UnmarshalJSON reads a step, keeping unknown members in Extra.
func (s *RunStep) UnmarshalJSON(data []byte) error {
	var w runStepJSON
	extra, err := unmarshalObject(data, &w)
	if err != nil {
		return err
	}
	*s = RunStep(w)
	s.Extra = extra
	return nil
}

// Validate checks the step: ids ("step_", "asst_", "thread_", "run_"),
// object, type and status, step details of the step's type (each tool
// call well formed), last_error code, timestamps, metadata and usage.
func (s *RunStep) Validate() error {
	return firstErr(
		checkID("id", PrefixStep, s.ID),
		checkObject(s.Object, ObjectRunStep),
		checkTimestamp("created_at", s.CreatedAt),
		checkID("assistant_id", PrefixAssistant, s.AssistantID),
		checkID("thread_id", PrefixThread, s.ThreadID),
		checkID("run_id", PrefixRun, s.RunID),
		checkEnum("type", s.Type, StepMessageCreation, StepToolCalls),
		checkEnum("status", string(s.Status), stepStatusNames...),
		s.validateDetails(),
		s.validateLastError(),
		checkOptTimestamp("expired_at", s.ExpiredAt),
		checkOptTimestamp("cancelled_at", s.CancelledAt),
		checkOptTimestamp("failed_at", s.FailedAt),
		checkOptTimestamp("completed_at", s.CompletedAt),
		ValidateMetadata(s.Metadata),
		validateUsage("usage", s.Usage),
	)
}

func (s *RunStep) validateDetails() error {
	if err := s.StepDetails.Validate(); err != nil {
		return nest("step_details", err)
	}
	if s.StepDetails.Type != s.Type {
		return fieldErr("step_details.type", "%s does not match the step's type %q", shorten(s.StepDetails.Type), s.Type)
	}
	return nil
}

func (s *RunStep) validateLastError() error {
	if s.LastError == nil {
		return nil
	}
	return checkEnum("last_error.code", s.LastError.Code, ErrorCodeServerError, ErrorCodeRateLimitExceeded)
}

// StepDetails are a step's details:
//
//	{"type":"message_creation","message_creation":{"message_id"}}
//	{"type":"tool_calls","tool_calls":[...]}
//
// Details of an unknown type decode and marshal back verbatim but fail
// Validate.
type StepDetails struct {
	Type            string
	MessageCreation *MessageCreation // type message_creation
	ToolCalls       []ToolCall       // type tool_calls; written as [] when empty

	raw json.RawMessage
}

// MessageCreation names the message a message_creation step created.
type MessageCreation struct {
	MessageID string `json:"message_id"`
}

type stepDetailsJSON struct {
	Type            string           `json:"type"`
	MessageCreation *MessageCreation `json:"message_creation,omitempty"`
	ToolCalls       []ToolCall       `json:"tool_calls,omitempty"`
}

// MarshalJSON writes the details in their wire form.
func (d StepDetails) MarshalJSON() ([]byte, error) {
	if d.raw != nil {
		return slices.Clone(d.raw), nil
	}
	if d.Type == StepToolCalls {
		return encodeJSON(struct {
			Type            string           `json:"type"`
			MessageCreation *MessageCreation `json:"message_creation,omitempty"`
			ToolCalls       []ToolCall       `json:"tool_calls"`
		}{d.Type, d.MessageCreation, orEmpty(d.ToolCalls)})
	}
	return encodeJSON(stepDetailsJSON{Type: d.Type, MessageCreation: d.MessageCreation, ToolCalls: d.ToolCalls})
}

// UnmarshalJSON reads step details; an unknown type is kept verbatim.
func (d *StepDetails) UnmarshalJSON(data []byte) error {
	*d = StepDetails{}
	if isNull(data) {
		return nil
	}
	typ, err := typeOf(data)
	if err != nil {
		return err
	}
	if typ != StepMessageCreation && typ != StepToolCalls {
		*d = StepDetails{Type: typ, raw: slices.Clone(data)}
		return nil
	}
	var w stepDetailsJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*d = StepDetails{Type: w.Type, MessageCreation: w.MessageCreation, ToolCalls: w.ToolCalls}
	return nil
}

// Validate checks the details: a known type with its member, a
// "msg_..." message id, and each tool call.
func (d *StepDetails) Validate() error {
	if d.raw != nil || (d.Type != StepMessageCreation && d.Type != StepToolCalls) {
		return unknownType("type", d.Type, StepMessageCreation, StepToolCalls)
	}
	if d.Type == StepMessageCreation {
		switch {
		case d.MessageCreation == nil:
			return fieldErr("message_creation", "required with type message_creation")
		case d.ToolCalls != nil:
			return fieldErr("tool_calls", "not allowed with type message_creation")
		}
		return checkID("message_creation.message_id", PrefixMessage, d.MessageCreation.MessageID)
	}
	if d.MessageCreation != nil {
		return fieldErr("message_creation", "not allowed with type tool_calls")
	}
	for i := range d.ToolCalls {
		if err := d.ToolCalls[i].Validate(); err != nil {
			return nest(fmt.Sprintf("tool_calls[%d]", i), err)
		}
	}
	return nil
}

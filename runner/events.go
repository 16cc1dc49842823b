package runner

import (
	"context"

	"github.com/r2kit/r2kit/assistants"
)

// Stream event names of the Assistants API v2.
const (
	EventThreadCreated     = "thread.created"
	EventRunCreated        = "thread.run.created"
	EventRunQueued         = "thread.run.queued"
	EventRunInProgress     = "thread.run.in_progress"
	EventRunRequiresAction = "thread.run.requires_action"
	EventRunCompleted      = "thread.run.completed"
	EventRunIncomplete     = "thread.run.incomplete"
	EventRunFailed         = "thread.run.failed"
	EventRunCancelling     = "thread.run.cancelling"
	EventRunCancelled      = "thread.run.cancelled"
	EventRunExpired        = "thread.run.expired"
	EventStepCreated       = "thread.run.step.created"
	EventStepInProgress    = "thread.run.step.in_progress"
	EventStepDelta         = "thread.run.step.delta"
	EventStepCompleted     = "thread.run.step.completed"
	EventStepFailed        = "thread.run.step.failed"
	EventStepCancelled     = "thread.run.step.cancelled"
	EventStepExpired       = "thread.run.step.expired"
	EventMessageCreated    = "thread.message.created"
	EventMessageInProgress = "thread.message.in_progress"
	EventMessageDelta      = "thread.message.delta"
	EventMessageCompleted  = "thread.message.completed"
	EventMessageIncomplete = "thread.message.incomplete"
	EventError             = "error"
)

// ObjectMessageDelta is the object name of a message delta.
const ObjectMessageDelta = "thread.message.delta"

// RunEvent returns the event announcing that a run reached its status:
// thread.run.<status>.
func RunEvent(status assistants.RunStatus) string { return "thread.run." + string(status) }

// MessageDelta is the data of a thread.message.delta event: one piece of
// a message's content.
type MessageDelta struct {
	ID     string           `json:"id"`
	Object string           `json:"object"`
	Delta  MessageDeltaBody `json:"delta"`
}

// MessageDeltaBody is the change a MessageDelta carries.
type MessageDeltaBody struct {
	Content []DeltaContent `json:"content"`
}

// DeltaContent is a piece of one content part: {index, type, text}.
type DeltaContent struct {
	Index int        `json:"index"`
	Type  string     `json:"type"`
	Text  *DeltaText `json:"text,omitempty"`
}

// DeltaText is a piece of a text part.
type DeltaText struct {
	Value string `json:"value"`
}

// newTextDelta returns the delta event data of text appended to the
// first content part of message id.
func newTextDelta(id, text string) MessageDelta {
	return MessageDelta{ID: id, Object: ObjectMessageDelta, Delta: MessageDeltaBody{Content: []DeltaContent{{
		Index: 0, Type: assistants.ContentText, Text: &DeltaText{Value: text},
	}}}}
}

// events sends stream events to a listener. A nil *events sends
// nothing (background execution). Once the listener fails (the client
// went away) or its context is done, later events are dropped: the run
// goes on without it.
// Its methods are called by one goroutine at a time.
type events struct {
	ctx  context.Context
	emit func(event string, data any) error
	dead bool
	gone chan struct{} // closed when the listener is gone
}

func newEvents(ctx context.Context, emit func(event string, data any) error) *events {
	return &events{ctx: ctx, emit: emit, gone: make(chan struct{})}
}

func (e *events) send(event string, data any) {
	if e == nil || e.dead {
		return
	}
	if e.ctx.Err() != nil || e.emit(event, data) != nil {
		e.dead = true
		close(e.gone)
	}
}

// run announces r's status.
func (e *events) run(r *assistants.Run) {
	if e != nil && r != nil {
		e.send(RunEvent(r.Status), *r)
	}
}

// ObjectStepDelta is the object name of a run step delta.
const ObjectStepDelta = "thread.run.step.delta"

// StepDelta is the data of a thread.run.step.delta event: a fragment of
// a tool_calls step's calls as the model streams them.
type StepDelta struct {
	ID     string        `json:"id"`
	Object string        `json:"object"`
	Delta  StepDeltaBody `json:"delta"`
}

// StepDeltaBody is the change a StepDelta carries.
type StepDeltaBody struct {
	StepDetails StepDeltaDetails `json:"step_details"`
}

// StepDeltaDetails are {type:"tool_calls", tool_calls:[...]}.
type StepDeltaDetails struct {
	Type      string              `json:"type"`
	ToolCalls []StepToolCallDelta `json:"tool_calls"`
}

// StepToolCallDelta is a fragment of the call at Index: the first one
// carries its id, type and function name, the others more arguments.
type StepToolCallDelta struct {
	Index    int            `json:"index"`
	ID       string         `json:"id,omitempty"`
	Type     string         `json:"type"`
	Function *FunctionDelta `json:"function,omitempty"`
	// FileSearch is {} for a file_search call (its results come with
	// thread.run.step.completed).
	FileSearch *struct{} `json:"file_search,omitempty"`
}

// FunctionDelta is a fragment of a function call; Output is null.
type FunctionDelta struct {
	Name      string  `json:"name,omitempty"`
	Arguments string  `json:"arguments"`
	Output    *string `json:"output"`
}

// ErrorData is the data of an error event: the error object
// {code, message, param, type}.
type ErrorData struct {
	Code    *string `json:"code"`
	Message string  `json:"message"`
	Param   *string `json:"param"`
	Type    string  `json:"type"`
}

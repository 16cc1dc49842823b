package runner

import (
	"context"

	"github.com/r2kit/r2kit/assistants"
)

// toolDelta streams a fragment of a tool call: the first one announces
// the tool_calls step (created, in_progress); each is a step delta. The
// ids announced are the ones the step is written with (requireAction).
func (x *execution) toolDelta(d *ToolCallDelta) {
	if x.ev == nil {
		return
	}
	if x.toolStep == nil {
		now := x.w.now().Unix()
		x.toolStep = &assistants.RunStep{
			ID: x.lease.StepID, Object: assistants.ObjectRunStep, CreatedAt: now,
			AssistantID: x.run.AssistantID, ThreadID: x.thread, RunID: x.id,
			Type: assistants.StepToolCalls, Status: assistants.StepInProgress,
			StepDetails: assistants.StepDetails{Type: assistants.StepToolCalls, ToolCalls: []assistants.ToolCall{}},
		}
		x.ev.send(EventStepCreated, *x.toolStep)
		x.ev.send(EventStepInProgress, *x.toolStep)
	}
	call := StepToolCallDelta{Index: d.Index, Type: assistants.ToolFunction, Function: &FunctionDelta{Arguments: d.Arguments}}
	for len(x.partial) <= d.Index {
		x.partial = append(x.partial, assistants.ToolCall{Type: assistants.ToolFunction, Function: &assistants.FunctionCall{}})
	}
	p := &x.partial[d.Index]
	if p.ID == "" {
		p.ID = x.callID(d.ID)
		if _, ok := fileSearchTool(x.run); ok && d.Name == SearchFunction {
			// A search: announced as a file_search call, its arguments
			// not shown (OpenAI's stream has none).
			*p = assistants.ToolCall{ID: p.ID, Type: assistants.ToolFileSearch, FileSearch: &assistants.FileSearchCall{}}
			x.ev.send(EventStepDelta, StepDelta{ID: x.lease.StepID, Object: ObjectStepDelta, Delta: StepDeltaBody{
				StepDetails: StepDeltaDetails{Type: assistants.StepToolCalls, ToolCalls: []StepToolCallDelta{{
					Index: d.Index, ID: p.ID, Type: assistants.ToolFileSearch, FileSearch: &struct{}{}}}}}})
			return
		}
		call.ID, call.Function.Name = p.ID, d.Name
	}
	if p.Type == assistants.ToolFileSearch {
		return
	}
	p.Function.Name += d.Name
	p.Function.Arguments += d.Arguments
	x.ev.send(EventStepDelta, StepDelta{ID: x.lease.StepID, Object: ObjectStepDelta, Delta: StepDeltaBody{
		StepDetails: StepDeltaDetails{Type: assistants.StepToolCalls, ToolCalls: []StepToolCallDelta{call}}}})
}

// callID returns the id a tool call of the model's id is stored with:
// the model's, unless it is not a valid call id or one already taken.
func (x *execution) callID(id string) string {
	if assistants.ParseID("", id) != nil {
		return assistants.NewID(assistants.PrefixToolCall)
	}
	for _, c := range x.partial {
		if c.ID == id {
			return assistants.NewID(assistants.PrefixToolCall)
		}
	}
	return id
}

// abandon ends what the turn announced to the stream and cannot finish
// now that run ended failed, cancelled or expired: the reply message is
// written incomplete with the text so far (reason run_failed,
// run_cancelled or run_expired) and its step, or the tool_calls step,
// failed, cancelled or expired, each then emitted.
func (x *execution) abandon(ctx context.Context, run *assistants.Run) {
	if x.ev == nil || (x.announced == nil && x.toolStep == nil) {
		return
	}
	var (
		step   assistants.StepStatus
		reason string
		event  string
	)
	switch run.Status {
	case assistants.RunFailed:
		step, reason, event = assistants.StepFailed, assistants.MessageIncompleteRunFailed, EventStepFailed
	case assistants.RunCancelled:
		step, reason, event = assistants.StepCancelled, assistants.MessageIncompleteRunCancelled, EventStepCancelled
	case assistants.RunExpired:
		step, reason, event = assistants.StepExpired, assistants.MessageIncompleteRunExpired, EventStepExpired
	default:
		return
	}
	now := x.w.now().Unix()
	var st *assistants.RunStep
	if x.announced != nil {
		m := x.message(x.announced.CreatedAt, assistants.MessageIncomplete, x.content.String())
		m.IncompleteAt = ptr(now)
		m.IncompleteDetails = &assistants.IncompleteDetails{Reason: reason}
		msg, err := x.createMessage(ctx, *m)
		if err != nil {
			x.w.log.Warn("write abandoned reply", "run", x.id, "err", err)
			msg = m
		}
		x.ev.send(EventMessageIncomplete, *msg)
		st = x.messageStep(x.step.CreatedAt, assistants.StepInProgress)
	} else {
		s := *x.toolStep
		st = &s
		st.StepDetails.ToolCalls = x.partial // the calls as far as they came
	}
	if err := st.Transition(step, now); err != nil {
		return
	}
	if step == assistants.StepFailed && run.LastError != nil {
		code := run.LastError.Code
		if code != assistants.ErrorCodeRateLimitExceeded {
			code = assistants.ErrorCodeServerError
		}
		st.LastError = &assistants.LastError{Code: code, Message: run.LastError.Message}
	}
	stored, err := x.createStep(ctx, *st)
	if err != nil {
		x.w.log.Warn("write abandoned step", "run", x.id, "err", err)
		stored = st
	}
	x.ev.send(event, *stored)
}

package api

import (
	"context"
	"net/http"

	"github.com/r2kit/r2kit/assistants"
)

// submitToolOutputs: POST
// /v1/threads/{thread_id}/runs/{run_id}/submit_tool_outputs. The run
// must be requires_action and the outputs must answer exactly the tool
// calls of its required_action (each once); else 400. The outputs are
// recorded in the run's tool_calls steps, then the run goes back to
// queued and to the executor (see RunExecutor for the hand-over).
func (s *Server) submitToolOutputs(w http.ResponseWriter, r *http.Request) error {
	thread, id, err := runPath(r)
	if err != nil {
		return err
	}
	var q assistants.SubmitToolOutputsRequest
	if err := DecodeJSON(r, &q); err != nil {
		return err
	}
	if q.ToolOutputs == nil {
		return missingParam("tool_outputs")
	}
	stream := q.Stream != nil && *q.Stream
	if err := s.checkStream(stream); err != nil {
		return err
	}
	ctx := r.Context()
	cur, err := s.store.Runs.Get(ctx, thread, id)
	if err != nil {
		return err
	}
	if err := acceptsOutputs(&cur.Value, &q); err != nil {
		return err
	}
	if err := s.recordToolOutputs(ctx, &cur.Value, q.ToolOutputs); err != nil {
		return err
	}
	d, err := s.store.Runs.Update(ctx, thread, id, func(run *assistants.Run) error {
		if err := acceptsOutputs(run, &q); err != nil {
			return err
		}
		return run.Transition(assistants.RunQueued, s.unixNow())
	})
	if err != nil {
		return err
	}
	// submit_tool_outputs takes no include[]: its stream's steps carry
	// no file_search content.
	return s.startRun(w, r, d.Value, runAnswer{stream: stream}, nil)
}

// acceptsOutputs checks that run waits for tool outputs and that q
// answers each of its pending calls exactly once.
func acceptsOutputs(run *assistants.Run, q *assistants.SubmitToolOutputsRequest) error {
	if run.Status != assistants.RunRequiresAction {
		return InvalidRequest("", "Runs in status \"%s\" do not accept tool outputs.", run.Status)
	}
	return q.Match(run.RequiredAction)
}

// recordToolOutputs writes each output as the function.output of its
// call in the newest in_progress tool_calls step of run holding it; the
// calls no step holds get a new in_progress tool_calls step. An output
// already recorded for a call may only be recorded again unchanged.
func (s *Server) recordToolOutputs(ctx context.Context, run *assistants.Run, outputs []assistants.ToolOutput) error {
	pending := make(map[string]string, len(outputs))
	for _, o := range outputs {
		pending[o.ToolCallID] = o.Output
	}
	p := assistants.ListParams{Limit: assistants.MaxListLimit, Order: assistants.OrderDesc}
	for len(pending) > 0 {
		page, err := s.store.Steps.List(ctx, run.ThreadID, run.ID, p)
		if err != nil {
			return err
		}
		for i := range page.Data {
			if err := s.recordInStep(ctx, &page.Data[i], pending); err != nil {
				return err
			}
		}
		if !page.HasMore {
			break
		}
		p.After = *page.LastID
	}
	if len(pending) == 0 {
		return nil
	}
	return s.newToolCallsStep(ctx, run, pending)
}

// recordInStep records the outputs of pending whose calls step holds,
// if it is an in_progress tool_calls step, and removes them from
// pending.
func (s *Server) recordInStep(ctx context.Context, step *assistants.RunStep, pending map[string]string) error {
	if step.Type != assistants.StepToolCalls || step.Status != assistants.StepInProgress {
		return nil
	}
	mine := map[string]string{}
	for _, c := range step.StepDetails.ToolCalls {
		if out, ok := pending[c.ID]; ok && c.Function != nil {
			mine[c.ID] = out
		}
	}
	if len(mine) == 0 {
		return nil
	}
	_, err := s.store.Steps.Update(ctx, step.ThreadID, step.RunID, step.ID, func(st *assistants.RunStep) error {
		calls := st.StepDetails.ToolCalls
		for i := range calls {
			out, ok := mine[calls[i].ID]
			if !ok || calls[i].Function == nil {
				continue
			}
			if prev := calls[i].Function.Output; prev != nil && *prev != out {
				return InvalidRequest("tool_outputs", "Tool outputs were already submitted for tool call %s.", calls[i].ID)
			}
			fn := *calls[i].Function
			fn.Output = assistants.Ptr(out)
			calls[i].Function = &fn
		}
		return nil
	})
	if err != nil {
		return err
	}
	for id := range mine {
		delete(pending, id)
	}
	return nil
}

// newToolCallsStep records the outputs of pending in a new in_progress
// tool_calls step of run, with the calls' names and arguments from its
// required_action.
func (s *Server) newToolCallsStep(ctx context.Context, run *assistants.Run, pending map[string]string) error {
	now := s.unixNow()
	step := assistants.RunStep{
		ID: assistants.NewID(assistants.PrefixStep), Object: assistants.ObjectRunStep, CreatedAt: now,
		AssistantID: run.AssistantID, ThreadID: run.ThreadID, RunID: run.ID,
		Type: assistants.StepToolCalls, Status: assistants.StepInProgress,
		StepDetails: assistants.StepDetails{Type: assistants.StepToolCalls},
	}
	for _, c := range run.RequiredAction.SubmitToolOutputs.ToolCalls {
		out, ok := pending[c.ID]
		if !ok {
			continue
		}
		step.StepDetails.ToolCalls = append(step.StepDetails.ToolCalls, assistants.ToolCall{
			ID: c.ID, Type: assistants.ToolFunction,
			Function: &assistants.FunctionCall{Name: c.Function.Name, Arguments: c.Function.Arguments, Output: assistants.Ptr(out)},
		})
	}
	_, err := s.store.Steps.PutIf(ctx, step, "")
	return err
}

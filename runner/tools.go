package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/storage"
)

// Function tools.
//
// When the model answers with tool calls, the turn writes a tool_calls
// step (in_progress, each call with its name and arguments and a null
// output) and moves the run to requires_action, with
// required_action.submit_tool_outputs listing the calls. The client
// runs the functions and submits their outputs (SubmitToolOutputs): the
// outputs are recorded on the step, which completes, and the run goes
// back to queued. The next turn sends the model the conversation plus,
// for each completed tool_calls step, the assistant message with the
// calls and a tool message with each output.

// toolCalls handles the model's tool calls. Calls of the search
// function (see filesearch.go) are searched here; with function calls
// among them, the turn's tool_calls step carries both and the run
// requires_action for the functions (requireAction). When every call
// was a search, the step is written completed, a new turn starts
// (nextTurn) and again is true: the caller executes that turn.
func (x *execution) toolCalls(ctx context.Context, calls []ToolCall) (again bool, err error) {
	ids := x.stepCallIDs(calls)
	_, fileSearch := fileSearchTool(x.run)
	var (
		step      []assistants.ToolCall
		functions int
		stores    []string
		looked    bool
	)
	for i, c := range calls {
		if !fileSearch || c.Function.Name != SearchFunction {
			functions++
			step = append(step, assistants.ToolCall{ID: ids[i], Type: assistants.ToolFunction,
				Function: &assistants.FunctionCall{Name: c.Function.Name, Arguments: c.Function.Arguments}})
			continue
		}
		if len(x.sources)+len(step)-functions >= MaxSearchCalls {
			return false, &searchFailure{fmt.Sprintf("file_search: the model kept searching (more than %d searches in one run)", MaxSearchCalls)}
		}
		if !looked {
			if stores, err = x.searchStores(ctx); err != nil {
				return false, err
			}
			if err := x.awaitIngestion(ctx, stores); err != nil {
				return false, err
			}
			looked = true
		}
		call, err := x.searchCall(ctx, ids[i], c.Function.Arguments, stores)
		if err != nil {
			return false, err
		}
		step = append(step, call)
	}
	if functions == len(calls) {
		return false, x.requireAction(ctx, step)
	}
	switch err := x.check(ctx); { // searching took a while: still ours?
	case errors.Is(err, errCancelled):
		return false, x.cancel(ctx)
	case errors.Is(err, errExpired):
		return false, x.expire(ctx)
	case err != nil:
		return false, err
	}
	if functions > 0 {
		return false, x.requireAction(ctx, step)
	}
	return true, x.searched(ctx, step)
}

// stepCallIDs returns the ids the model's calls are stored with: as
// announced to the stream, else the model's when valid and unique, else
// new ones.
func (x *execution) stepCallIDs(calls []ToolCall) []string {
	ids := make([]string, len(calls))
	seen := map[string]bool{}
	for i, c := range calls {
		id := c.ID
		switch {
		case i < len(x.partial) && x.partial[i].ID != "":
			id = x.partial[i].ID // as announced to the stream
		case assistants.ParseID("", id) != nil || seen[id]:
			id = assistants.NewID(assistants.PrefixToolCall)
		}
		seen[id] = true
		ids[i] = id
	}
	return ids
}

// toolStepOf returns the turn's tool_calls step with calls, in_progress.
func (x *execution) toolStepOf(calls []assistants.ToolCall) assistants.RunStep {
	st := assistants.RunStep{
		ID: x.lease.StepID, Object: assistants.ObjectRunStep, CreatedAt: x.w.now().Unix(),
		AssistantID: x.run.AssistantID, ThreadID: x.thread, RunID: x.id,
		Type: assistants.StepToolCalls, Status: assistants.StepInProgress,
		StepDetails: assistants.StepDetails{Type: assistants.StepToolCalls, ToolCalls: calls},
		Usage:       x.turn,
	}
	if x.toolStep != nil {
		st.CreatedAt = x.toolStep.CreatedAt
	}
	return st
}

// searched writes the turn's tool_calls step, whose calls are all
// searches, completed, streams it, and starts the run's next turn.
func (x *execution) searched(ctx context.Context, calls []assistants.ToolCall) error {
	st := x.toolStepOf(calls)
	st.Status, st.CompletedAt = assistants.StepCompleted, ptr(x.w.now().Unix())
	if st.Usage == nil {
		st.Usage = &assistants.Usage{}
	}
	step, err := x.createStep(ctx, st)
	if err != nil {
		return err
	}
	if x.ev != nil {
		if x.toolStep == nil { // not streamed as it was made
			created := *step
			created.Status, created.CompletedAt, created.Usage = assistants.StepInProgress, nil, nil
			created.StepDetails.ToolCalls = nil
			x.ev.send(EventStepCreated, created)
			x.ev.send(EventStepInProgress, created)
		}
		x.ev.send(EventStepCompleted, *step)
	}
	return x.nextTurn(ctx)
}

// nextTurn starts a new turn of the run x holds, with fresh step and
// message ids in its lease (a worker that takes the run over later
// executes that turn), and resets what x knew of the turn before.
func (x *execution) nextTurn(ctx context.Context) error {
	_, l, err := x.updateLeased(ctx, func(_ *assistants.Run, l *store.Lease) error {
		if l.StepID != x.lease.StepID {
			return nil // already started (a retried write)
		}
		l.Turn++
		l.StepID = assistants.NewID(assistants.PrefixStep)
		l.MessageID = assistants.NewID(assistants.PrefixMessage)
		return nil
	})
	if err != nil {
		return err
	}
	prior := x.prior
	addUsage(&prior, x.turn)
	*x = execution{w: x.w, thread: x.thread, id: x.id, run: x.run, lease: l, ev: x.ev, prior: prior}
	return nil
}

// requireAction writes the turn's tool_calls step with calls and moves
// the run to requires_action.
func (x *execution) requireAction(ctx context.Context, calls []assistants.ToolCall) error {
	step, err := x.createStep(ctx, x.toolStepOf(calls))
	if err != nil {
		return err
	}
	return x.waitFor(ctx, step)
}

// waitFor moves the run to requires_action for the calls of its
// tool_calls step.
func (x *execution) waitFor(ctx context.Context, step *assistants.RunStep) error {
	var calls []assistants.RunToolCall
	for _, c := range step.StepDetails.ToolCalls {
		if c.Function == nil {
			continue
		}
		calls = append(calls, assistants.RunToolCall{ID: c.ID, Type: assistants.ToolFunction,
			Function: assistants.RunToolCallFunction{Name: c.Function.Name, Arguments: c.Function.Arguments}})
	}
	if len(calls) == 0 {
		return x.fail(ctx, assistants.ErrorCodeServerError, "the model's tool calls name no function")
	}
	run, _, err := x.updateLeased(ctx, func(r *assistants.Run, l *store.Lease) error {
		if err := r.Transition(assistants.RunRequiresAction, x.w.now().Unix()); err != nil {
			return err
		}
		r.RequiredAction = &assistants.RequiredAction{Type: assistants.RequiredActionSubmitToolOutputs,
			SubmitToolOutputs: assistants.SubmitToolOutputs{ToolCalls: calls}}
		l.Until = 0 // released: nothing runs until the outputs arrive
		return nil
	})
	if err != nil {
		return err
	}
	x.w.park(ctx, x.thread, x.id)
	if x.ev != nil {
		if x.toolStep == nil { // not streamed as it was made
			x.ev.send(EventStepCreated, *step)
			x.ev.send(EventStepInProgress, *step)
		}
		x.ev.run(run)
	}
	return nil
}

// SubmitToolOutputs records the outputs of the tool calls a run waits
// for and queues the run again, for library users that drive runs
// without the HTTP API (whose handler does the same itself); the caller
// then hands the run to Enqueue or Stream. The outputs must answer
// every pending call exactly once (else an *assistants.FieldError,
// which the API answers 400). It writes the outputs on the turn's
// tool_calls step (a conditional write; a retried submission of the
// same outputs goes through; the next turn completes the step), writes
// the run's queue marker, then moves the run from requires_action to
// queued (a conditional write: of concurrent submissions one wins). A
// run past its expires_at is ended expired and refused. It returns the
// run as stored.
func (w *Worker) SubmitToolOutputs(ctx context.Context, threadID, runID string, outputs []assistants.ToolOutput) (*assistants.Run, error) {
	const op = "submit tool outputs"
	d, lease, err := w.store.Runs.GetLeased(ctx, threadID, runID)
	if err != nil {
		return nil, err
	}
	r := &d.Value
	if r.Status == assistants.RunRequiresAction && w.expired(r) {
		_, _ = w.store.Runs.Transition(ctx, threadID, runID, assistants.RunExpired, nil)
		w.retire(ctx, runID)
		return nil, &assistants.FieldError{Path: "tool_outputs",
			Reason: fmt.Sprintf("run %s expired at %d and no longer accepts tool outputs", runID, *r.ExpiresAt)}
	}
	req := assistants.SubmitToolOutputsRequest{ToolOutputs: outputs}
	if r.Status != assistants.RunRequiresAction {
		return nil, &assistants.FieldError{Path: "tool_outputs",
			Reason: fmt.Sprintf("run %s is %s and does not wait for tool outputs", runID, r.Status)}
	}
	if err := req.Match(r.RequiredAction); err != nil {
		return nil, err
	}
	if lease.StepID == "" {
		return nil, storage.Errorf(op, runID, storage.ErrInvalidArgument, "run %s has no tool_calls step to record outputs on", runID)
	}
	if err := w.recordOutputs(ctx, threadID, runID, lease.StepID, outputs); err != nil {
		return nil, err
	}
	if err := w.store.Queue.Put(ctx, store.Queued, threadID, runID); err != nil {
		return nil, err
	}
	pending := callIDs(r.RequiredAction)
	d, err = w.store.Runs.Update(ctx, threadID, runID, func(cur *assistants.Run) error {
		if cur.Status != assistants.RunRequiresAction || !slices.Equal(callIDs(cur.RequiredAction), pending) {
			return &assistants.FieldError{Path: "tool_outputs",
				Reason: fmt.Sprintf("run %s is %s and does not wait for tool outputs", runID, cur.Status)}
		}
		return cur.Transition(assistants.RunQueued, w.now().Unix())
	})
	if err != nil {
		return nil, err
	}
	if err := w.store.Queue.Drop(ctx, store.Waiting, runID); err != nil {
		w.log.Warn("delete waiting marker", "run", runID, "err", err)
	}
	return &d.Value, nil
}

// recordOutputs writes outputs on the calls of step (the next turn
// completes it). An output already recorded may be recorded again only
// unchanged (a retried submission).
func (w *Worker) recordOutputs(ctx context.Context, thread, run, step string, outputs []assistants.ToolOutput) error {
	byID := make(map[string]string, len(outputs))
	for _, o := range outputs {
		byID[o.ToolCallID] = o.Output
	}
	_, err := w.store.Steps.Update(ctx, thread, run, step, func(s *assistants.RunStep) error {
		for i := range s.StepDetails.ToolCalls {
			c := &s.StepDetails.ToolCalls[i]
			out, ok := byID[c.ID]
			if !ok || c.Function == nil {
				continue
			}
			if prev := c.Function.Output; prev != nil && *prev != out {
				return &assistants.FieldError{Path: "tool_outputs",
					Reason: fmt.Sprintf("tool outputs were already submitted for tool call %s", c.ID)}
			}
			fn := *c.Function
			fn.Output = ptr(out)
			c.Function = &fn
		}
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Errorf("submit tool outputs", run, storage.ErrInvalidArgument, "the tool_calls step %s of run %s is missing", step, run)
	}
	return err
}

// callIDs returns the ids of the calls a required action waits for.
func callIDs(a *assistants.RequiredAction) []string {
	if a == nil {
		return nil
	}
	var ids []string
	for _, c := range a.SubmitToolOutputs.ToolCalls {
		ids = append(ids, c.ID)
	}
	return ids
}

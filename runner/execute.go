package runner

import (
	"context"
	"errors"
	"strings"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
)

// execution is one turn of a run by the worker holding its lease: the
// model called once, its answer written (a reply message, or tool calls
// to wait for), the run moved on.
type execution struct {
	w          *Worker
	thread, id string
	run        *assistants.Run       // as last read or written
	lease      store.Lease           // the claim's lease
	takeover   bool                  // the turn was started by a worker that died
	ev         *events               // nil for background execution
	prior      assistants.Usage      // usage of the run's earlier steps
	turn       *assistants.Usage     // usage of this turn's completion
	announced  *assistants.Message   // the reply announced to the stream
	step       *assistants.RunStep   // the step announced to the stream
	content    strings.Builder       // the reply so far
	answered   []string              // answered tool_calls steps to complete
	toolStep   *assistants.RunStep   // the tool_calls step announced to the stream
	partial    []assistants.ToolCall // by index, the tool calls announced so far
	// sources are the results of the run's file_search calls, by call
	// number (see toolRounds), for the reply's citations.
	sources [][]assistants.FileSearchResult
}

func (w *Worker) newExecution(c *claim, ev *events) *execution {
	return &execution{w: w, thread: c.thread, id: c.id, run: c.run, lease: c.lease, takeover: c.takeover, ev: ev}
}

// execute runs the turn to its outcome. It returns early, writing
// nothing more, when ctx is done (the worker is stopping or died: the
// lease lapses and another worker takes the turn over) or when the
// lease is lost.
func (x *execution) execute(ctx context.Context) {
	log := x.w.log.With("thread", x.thread, "run", x.id, "turn", x.lease.Turn, "claims", x.lease.Claims)
	err := x.turnOnce(ctx)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		log.Info("run interrupted", "err", err)
	case errors.Is(err, errLeaseLost):
		log.Warn("run lease lost: stopped without writing", "err", err)
	default:
		log.Error("run execution failed", "err", err)
	}
}

// turnOnce executes the turn and writes its outcome.
func (x *execution) turnOnce(ctx context.Context) error {
	if x.takeover {
		if done, err := x.resume(ctx); done || err != nil {
			return err
		}
	}
	req, prior, err := x.request(ctx)
	x.prior = prior
	var (
		ue *UnsupportedError
		pe *promptError
		ie *incompleteError
		sf *searchFailure
	)
	switch {
	case errors.As(err, &ue), errors.As(err, &pe):
		return x.fail(ctx, assistants.ErrorCodeInvalidPrompt, err.Error())
	case errors.As(err, &sf):
		return x.fail(ctx, assistants.ErrorCodeServerError, err.Error())
	case errors.As(err, &ie):
		if err := x.completeAnswered(ctx); err != nil {
			return err
		}
		return x.incomplete(ctx, ie.reason)
	case err != nil:
		return err
	}
	if err := x.completeAnswered(ctx); err != nil {
		return err
	}
	res, err := x.complete(ctx, req)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, errCancelled):
		return x.cancel(ctx)
	case errors.Is(err, errExpired):
		return x.expire(ctx)
	case errors.Is(err, errLeaseLost):
		return err
	case err != nil:
		return x.modelFailed(ctx, err)
	}
	if res.Usage != nil {
		x.turn = &assistants.Usage{PromptTokens: int64(res.Usage.PromptTokens),
			CompletionTokens: int64(res.Usage.CompletionTokens), TotalTokens: int64(res.Usage.TotalTokens)}
	}
	switch err := x.checkpoint(ctx); {
	case errors.Is(err, errCancelled):
		return x.cancel(ctx)
	case errors.Is(err, errExpired):
		return x.expire(ctx)
	case err != nil:
		return err
	}
	if len(res.ToolCalls) > 0 && res.FinishReason != "length" {
		again, err := x.toolCalls(ctx, res.ToolCalls)
		if sf := (*searchFailure)(nil); errors.As(err, &sf) {
			return x.fail(ctx, assistants.ErrorCodeServerError, err.Error())
		}
		if err != nil || !again {
			return err
		}
		return x.turnOnce(ctx) // searched: the next turn answers from the results
	}
	return x.reply(ctx, res)
}

// completeAnswered completes the tool_calls steps whose outputs were
// submitted, now that the run resumed.
func (x *execution) completeAnswered(ctx context.Context) error {
	for _, id := range x.answered {
		d, err := x.w.store.Steps.Update(ctx, x.thread, x.id, id, func(s *assistants.RunStep) error {
			if s.Status != assistants.StepInProgress {
				return nil
			}
			return s.Transition(assistants.StepCompleted, x.w.now().Unix())
		})
		if err != nil {
			return err
		}
		if x.ev != nil {
			x.ev.send(EventStepCompleted, d.Value)
		}
	}
	return nil
}

// complete calls the model, streaming its tokens to the listener, while
// watch looks for reasons to stop. The error is errCancelled,
// errExpired or errLeaseLost when watch stopped the call.
func (x *execution) complete(ctx context.Context, req ChatRequest) (*ChatResult, error) {
	mctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		x.watch(mctx, stop)
	}()
	res, err := x.w.client.CompleteDeltas(mctx, req, func(d Delta) error {
		if d.ToolCall != nil {
			x.toolDelta(d.ToolCall)
		} else {
			x.token(d.Content)
		}
		return nil
	})
	stop(nil)
	<-watched
	if cause := context.Cause(mctx); err != nil && ctx.Err() == nil && cause != nil && !errors.Is(cause, context.Canceled) {
		return nil, cause
	}
	return res, err
}

// token records a piece of the reply and streams it: the first one
// announces the message_creation step and the message.
func (x *execution) token(tok string) {
	x.content.WriteString(tok)
	if x.ev == nil {
		return
	}
	if x.announced == nil {
		now := x.w.now().Unix()
		x.step = x.messageStep(now, assistants.StepInProgress)
		x.announced = x.message(now, assistants.MessageInProgress, "")
		x.ev.send(EventStepCreated, *x.step)
		x.ev.send(EventStepInProgress, *x.step)
		x.ev.send(EventMessageCreated, *x.announced)
		x.ev.send(EventMessageInProgress, *x.announced)
	}
	x.ev.send(EventMessageDelta, newTextDelta(x.lease.MessageID, tok))
}

// message returns the turn's reply message with the given status and
// text.
func (x *execution) message(now int64, status, text string) *assistants.Message {
	m := &assistants.Message{
		ID: x.lease.MessageID, Object: assistants.ObjectMessage, CreatedAt: now, ThreadID: x.thread,
		Status: status, Role: assistants.RoleAssistant, Content: []assistants.ContentPart{},
		AssistantID: ptr(x.run.AssistantID), RunID: ptr(x.id), Attachments: []assistants.Attachment{},
	}
	if status != assistants.MessageInProgress || text != "" {
		m.Content = []assistants.ContentPart{assistants.TextPart(text)}
	}
	return m
}

// messageStep returns the turn's message_creation step.
func (x *execution) messageStep(now int64, status assistants.StepStatus) *assistants.RunStep {
	return &assistants.RunStep{
		ID: x.lease.StepID, Object: assistants.ObjectRunStep, CreatedAt: now,
		AssistantID: x.run.AssistantID, ThreadID: x.thread, RunID: x.id,
		Type: assistants.StepMessageCreation, Status: status,
		StepDetails: assistants.StepDetails{Type: assistants.StepMessageCreation,
			MessageCreation: &assistants.MessageCreation{MessageID: x.lease.MessageID}},
	}
}

// usage returns the run's usage: its earlier steps plus this turn; nil
// when no tokens are known (a run that failed before the model
// answered).
func (x *execution) usage() *assistants.Usage {
	u := x.prior
	addUsage(&u, x.turn)
	if u == (assistants.Usage{}) && x.turn == nil {
		return nil
	}
	return &u
}

// reply writes the reply message and its step, then completes the run
// (or ends it incomplete when the model ran out of tokens). Message and
// step are created with create-only writes of the turn's ids: a second
// attempt at the turn finds them and writes no other.
func (x *execution) reply(ctx context.Context, res *ChatResult) error {
	now := x.w.now().Unix()
	status, runStatus := assistants.MessageCompleted, assistants.RunCompleted
	m := x.message(now, status, res.Content)
	switch {
	case res.Content == "" && res.Refusal != "":
		m.Content = []assistants.ContentPart{assistants.RefusalPart(res.Refusal)}
	case res.FinishReason == "length":
		status, runStatus = assistants.MessageIncomplete, assistants.RunIncomplete
		m.Status, m.IncompleteAt = status, ptr(now)
		m.IncompleteDetails = &assistants.IncompleteDetails{Reason: assistants.MessageIncompleteMaxTokens}
	}
	if status == assistants.MessageCompleted {
		m.CompletedAt = ptr(now)
	}
	if x.announced != nil {
		m.CreatedAt = x.announced.CreatedAt
	}
	if len(m.Content) == 1 && m.Content[0].Text != nil {
		m.Content[0].Text.Annotations = citations(m.Content[0].Text.Value, x.sources)
	}
	msg, err := x.createMessage(ctx, *m)
	if err != nil {
		return err
	}
	return x.finishReply(ctx, msg, runStatus)
}

// finishReply writes the completed step of the reply msg and moves the
// run to runStatus (completed or incomplete).
func (x *execution) finishReply(ctx context.Context, msg *assistants.Message, runStatus assistants.RunStatus) error {
	now := x.w.now().Unix()
	st := x.messageStep(now, assistants.StepCompleted)
	if x.step != nil {
		st.CreatedAt = x.step.CreatedAt
	}
	st.CompletedAt, st.Usage = ptr(now), x.turn
	if st.Usage == nil {
		st.Usage = &assistants.Usage{}
	}
	step, err := x.createStep(ctx, *st)
	if err != nil {
		return err
	}
	run, err := x.update(ctx, func(r *assistants.Run) error {
		if err := r.Transition(runStatus, x.w.now().Unix()); err != nil {
			return err
		}
		if r.Usage = x.usage(); r.Usage == nil {
			r.Usage = &assistants.Usage{} // the endpoint reported none
		}
		if runStatus == assistants.RunIncomplete {
			r.IncompleteDetails = &assistants.IncompleteDetails{Reason: assistants.RunIncompleteMaxCompletionTokens}
		}
		return nil
	})
	if err != nil {
		return err
	}
	x.w.retire(ctx, x.id)
	if x.ev != nil {
		if x.announced == nil { // nothing was streamed: announce it whole
			x.announceMessage(msg)
		}
		if msg.Status == assistants.MessageIncomplete {
			x.ev.send(EventMessageIncomplete, *msg)
		} else {
			x.ev.send(EventMessageCompleted, *msg)
		}
		x.ev.send(EventStepCompleted, *step)
		x.ev.run(run)
	}
	return nil
}

// announceMessage streams a message that was not streamed as it was
// made: its step, the message and its content in one delta.
func (x *execution) announceMessage(msg *assistants.Message) {
	st := x.messageStep(msg.CreatedAt, assistants.StepInProgress)
	x.ev.send(EventStepCreated, *st)
	x.ev.send(EventStepInProgress, *st)
	created := x.message(msg.CreatedAt, assistants.MessageInProgress, "")
	x.ev.send(EventMessageCreated, *created)
	x.ev.send(EventMessageInProgress, *created)
	if text := messageText(msg); text != "" {
		x.ev.send(EventMessageDelta, newTextDelta(msg.ID, text))
	}
}

// createMessage writes m unless the turn's message exists already, and
// returns the stored message.
func (x *execution) createMessage(ctx context.Context, m assistants.Message) (*assistants.Message, error) {
	d, err := x.w.store.Messages.PutIf(ctx, m, "")
	if errors.Is(err, doc.ErrConflict) {
		d, err = x.w.store.Messages.Get(ctx, x.thread, m.ID)
	}
	if err != nil {
		return nil, err
	}
	return &d.Value, nil
}

// createStep writes s unless the turn's step exists already, and
// returns the stored step.
func (x *execution) createStep(ctx context.Context, s assistants.RunStep) (*assistants.RunStep, error) {
	d, err := x.w.store.Steps.PutIf(ctx, s, "")
	if errors.Is(err, doc.ErrConflict) {
		d, err = x.w.store.Steps.Get(ctx, x.thread, x.id, s.ID)
		if err == nil && d.Value.Status == assistants.StepInProgress && s.Status.IsTerminal() {
			d, err = x.w.store.Steps.Update(ctx, x.thread, x.id, s.ID, func(cur *assistants.RunStep) error {
				if cur.Status == assistants.StepInProgress {
					*cur = s
				}
				return nil
			})
		}
	}
	if err != nil {
		return nil, err
	}
	return &d.Value, nil
}

// resume finishes a turn whose earlier worker died after writing its
// outcome in part: if the turn's message exists, the reply is finished
// without calling the model again; if its tool_calls step exists, the
// run waits for those calls. done is false when the turn has to be
// executed again.
func (x *execution) resume(ctx context.Context) (done bool, err error) {
	if md, err := x.w.store.Messages.Get(ctx, x.thread, x.lease.MessageID); err == nil {
		status := assistants.RunCompleted
		if md.Value.Status == assistants.MessageIncomplete {
			status = assistants.RunIncomplete
		}
		if sd, err := x.w.store.Steps.Get(ctx, x.thread, x.id, x.lease.StepID); err == nil {
			x.turn = sd.Value.Usage
		}
		_, prior, err := x.toolRounds(ctx)
		if err != nil {
			return true, err
		}
		x.prior = prior
		return true, x.finishReply(ctx, &md.Value, status)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return true, err
	}
	sd, err := x.w.store.Steps.Get(ctx, x.thread, x.id, x.lease.StepID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return false, nil
	case err != nil:
		return true, err
	case sd.Value.Type != assistants.StepToolCalls:
		return false, nil
	case sd.Value.Status == assistants.StepCompleted && !hasFunctionCall(&sd.Value):
		// The turn searched; the worker died before starting the next.
		return false, x.nextTurn(ctx)
	}
	return true, x.waitFor(ctx, &sd.Value)
}

// hasFunctionCall reports whether step s has a function call.
func hasFunctionCall(s *assistants.RunStep) bool {
	for _, c := range s.StepDetails.ToolCalls {
		if c.Type == assistants.ToolFunction {
			return true
		}
	}
	return false
}

// fail ends the run failed with last_error {code, message} (cancelled
// if a cancellation was asked for meanwhile).
func (x *execution) fail(ctx context.Context, code, message string) error {
	return x.finish(ctx, func(r *assistants.Run) error {
		if r.Status == assistants.RunCancelling {
			return r.Transition(assistants.RunCancelled, x.w.now().Unix())
		}
		if err := r.Transition(assistants.RunFailed, x.w.now().Unix()); err != nil {
			return err
		}
		r.LastError = &assistants.LastError{Code: code, Message: message}
		return nil
	})
}

// modelFailed ends the run failed after the model endpoint failed. A
// stream that received part of the answer gets an error event first.
func (x *execution) modelFailed(ctx context.Context, err error) error {
	code, msg := assistants.ErrorCodeServerError, err.Error()
	var me *ModelError
	if errors.As(err, &me) {
		code = me.LastErrorCode()
	}
	x.w.log.Warn("model call failed", "thread", x.thread, "run", x.id, "err", err)
	if x.ev != nil && (x.announced != nil || x.toolStep != nil) {
		typ := "server_error"
		if me != nil && me.Status >= 400 && me.Status < 500 {
			typ = "invalid_request_error"
		}
		x.ev.send(EventError, ErrorData{Code: &code, Message: msg, Type: typ})
	}
	return x.fail(ctx, code, msg)
}

// incomplete ends the run incomplete with reason (its token budget is
// spent), or cancelled if a cancellation was asked for meanwhile.
func (x *execution) incomplete(ctx context.Context, reason string) error {
	return x.finish(ctx, func(r *assistants.Run) error {
		if r.Status == assistants.RunCancelling {
			return r.Transition(assistants.RunCancelled, x.w.now().Unix())
		}
		if err := r.Transition(assistants.RunIncomplete, x.w.now().Unix()); err != nil {
			return err
		}
		r.IncompleteDetails = &assistants.IncompleteDetails{Reason: reason}
		return nil
	})
}

// cancel ends a run whose cancellation was asked for. A stream first
// hears of the cancellation (thread.run.cancelling, as OpenAI sends it),
// then of what the turn leaves unfinished, then thread.run.cancelled.
func (x *execution) cancel(ctx context.Context) error {
	if x.ev != nil {
		if d, err := x.w.store.Runs.Get(ctx, x.thread, x.id); err == nil && d.Value.Status == assistants.RunCancelling {
			x.ev.run(&d.Value)
		}
	}
	return x.end(ctx, assistants.RunCancelled)
}

// expire ends a run past its expires_at.
func (x *execution) expire(ctx context.Context) error {
	return x.end(ctx, assistants.RunExpired)
}

// end moves the run to a terminal status with nothing more to write.
func (x *execution) end(ctx context.Context, to assistants.RunStatus) error {
	return x.finish(ctx, func(r *assistants.Run) error { return r.Transition(to, x.w.now().Unix()) })
}

// finish applies end (a move to a terminal status) to the run with the
// usage so far, in one conditional write, then retires the run's queue
// markers, ends what the turn announced to the stream (abandon) and
// emits the run.
func (x *execution) finish(ctx context.Context, end func(r *assistants.Run) error) error {
	run, err := x.update(ctx, func(r *assistants.Run) error {
		if err := end(r); err != nil {
			return err
		}
		r.Usage = x.usage()
		return nil
	})
	if err != nil {
		return err
	}
	x.w.retire(ctx, x.id)
	x.abandon(ctx, run)
	x.ev.run(run)
	return nil
}

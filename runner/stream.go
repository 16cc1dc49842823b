package runner

import (
	"context"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/resilience"
)

// Stream executes run threadID/runID in the caller's goroutine and
// emits its Assistants v2 stream events as they happen, returning when
// the run reaches a terminal status or requires_action. The API handler
// stores the run (or the tool outputs) first, then calls Stream, writes
// each event as server-sent event and finally "done"; it does not call
// Enqueue for a streamed run.
//
// The events, in order:
//
//	thread.run.created             a run never started before (status queued)
//	thread.run.queued              the run as claimed from (queued)
//	thread.run.in_progress         the run claimed by this worker
//	thread.run.step.created        \ the message_creation step and the reply
//	thread.run.step.in_progress     | message (in_progress, empty), at the
//	thread.message.created          | model's first token
//	thread.message.in_progress     /
//	thread.message.delta           each token: {id, object, delta:{content:[{index:0, type:"text", text:{value}}]}}
//	thread.message.completed       the stored message (incomplete: thread.message.incomplete)
//	thread.run.step.completed      the stored step, with usage
//	thread.run.completed           the stored run, with usage (or incomplete)
//
// With tool calls, after in_progress: thread.run.step.created and
// thread.run.step.in_progress (the tool_calls step) at the first
// fragment of a call, a thread.run.step.delta per fragment
// ({id, object, delta:{step_details:{type:"tool_calls", tool_calls:[{index, id, type, function:{name, arguments, output}}]}}},
// the id and name in a call's first fragment only), then
// thread.run.requires_action. A call of the file_search function is
// announced by a step delta {index, id, type:"file_search",
// file_search:{}} (its arguments are not shown); when every call of the
// turn was a search, thread.run.step.completed follows with the
// results, and the next turn's events come after it. A run that ends incomplete before the
// model is called (its max_prompt_tokens or max_completion_tokens is
// spent) ends with thread.run.incomplete after in_progress; a reply cut
// at max_completion_tokens ends with thread.message.incomplete,
// thread.run.step.completed and thread.run.incomplete. A run that
// fails, is cancelled or expires ends with thread.run.failed,
// thread.run.cancelled or thread.run.expired; when the model had
// streamed part of its answer, the reply is written incomplete
// (thread.message.incomplete, reason run_failed, run_cancelled or
// run_expired) and its step ends (thread.run.step.failed, cancelled or
// expired) first, and a model failure is announced by an error event
// ({code, message, param, type}) before them. A run resumed after
// SubmitToolOutputs starts at thread.run.queued.
//
// Stream claims the run's lease like a background worker, then writes
// the run's queue marker, so a run whose streaming process dies is
// taken over by another worker. If another worker holds the run, Stream
// follows it instead: it reads the run every CheckInterval, emits its
// status changes and the reply message whole, and claims the run if
// that worker's lease lapses.
//
// The run does not depend on the listener: when emit fails or ctx is
// done (the client went away), Stream returns while the run goes on to
// its outcome in the background, emitting nothing more. Stream's error
// reports a failure to read or claim the run; a failed run is not an
// error.
func (w *Worker) Stream(ctx context.Context, threadID, runID string, emit func(event string, data any) error) error {
	ev := newEvents(ctx, emit)
	exec, cancel := context.WithCancel(context.WithoutCancel(ctx))
	handed := false // to the goroutine executing the run, which cancels exec
	defer func() {
		if !handed {
			cancel()
		}
	}()
	defer context.AfterFunc(w.base, cancel)()
	d, err := w.store.Runs.Get(ctx, threadID, runID)
	if err != nil {
		return err
	}
	first := d.Value
	if first.Status == assistants.RunQueued && first.StartedAt == nil {
		ev.send(EventRunCreated, first)
	}
	last := assistants.RunStatus("")
	for {
		if !w.begin(runID) {
			// Executing in this process's background loop: follow it.
			if err := resilience.Sleep(ctx, w.opts.CheckInterval); err != nil {
				return nil
			}
			if done, err := w.follow(ctx, ev, threadID, runID, &last); done || err != nil {
				return err
			}
			continue
		}
		c, err := w.claim(exec, threadID, runID)
		if err != nil {
			w.end(runID)
			return err
		}
		if c.outcome == claimed {
			if last == "" && c.before.Status == assistants.RunQueued {
				ev.send(EventRunQueued, *c.before)
			}
			ev.run(c.run)
			if err := w.store.Queue.Put(exec, store.Queued, threadID, runID); err != nil {
				w.log.Warn("write queue marker", "run", runID, "err", err)
			}
			x := w.newExecution(c, ev)
			done := make(chan struct{})
			handed = true
			w.wg.Add(1)
			go func() {
				defer w.wg.Done()
				defer close(done)
				defer w.end(runID)
				defer cancel()
				defer context.AfterFunc(w.base, cancel)()
				x.execute(exec)
			}()
			select {
			case <-done:
			case <-ev.gone:
			case <-ctx.Done():
			}
			return nil
		}
		w.end(runID)
		w.settle(exec, c)
		if done, err := w.follow(ctx, ev, threadID, runID, &last); done || err != nil {
			return err
		}
		if err := resilience.Sleep(ctx, w.opts.CheckInterval); err != nil {
			return nil
		}
	}
}

// follow reads the run, emits a change of its status since *last, and
// reports whether the stream is over (terminal or requires_action).
func (w *Worker) follow(ctx context.Context, ev *events, thread, run string, last *assistants.RunStatus) (bool, error) {
	d, lease, err := w.store.Runs.GetLeased(ctx, thread, run)
	if err != nil {
		return true, err
	}
	r := &d.Value
	if r.Status == *last {
		return false, nil
	}
	*last = r.Status
	if r.Status.IsTerminal() && lease.MessageID != "" {
		if md, err := w.store.Messages.Get(ctx, thread, lease.MessageID); err == nil {
			x := &execution{w: w, thread: thread, id: run, run: r, lease: lease, ev: ev}
			x.announceMessage(&md.Value)
			if md.Value.Status == assistants.MessageIncomplete {
				ev.send(EventMessageIncomplete, md.Value)
			} else {
				ev.send(EventMessageCompleted, md.Value)
			}
			if sd, err := w.store.Steps.Get(ctx, thread, run, lease.StepID); err == nil {
				ev.send(EventStepCompleted, sd.Value)
			}
		}
	}
	ev.run(r)
	return r.Status.IsTerminal() || r.Status == assistants.RunRequiresAction, nil
}

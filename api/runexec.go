package api

import "context"

// RunExecutor executes runs. Config.Runs may be nil: runs are then stored queued and stay queued.
//
// The server stores runs; the executor runs them. What each side does:
//
//   - Create run, create thread and run: the server checks the request,
//     reads the assistant, writes the run (status queued, the thread's
//     active-run lock taken) and its additional messages, then calls
//     Enqueue, or Stream when the request says "stream": true. If
//     Enqueue fails, the server marks the run failed (last_error
//     server_error) and answers the error.
//   - Submit tool outputs: the server checks that the run is
//     requires_action and that the outputs answer exactly the tool calls
//     of its required_action. It records each output as the
//     function.output of its call in the run's in_progress tool_calls
//     step (the newest step holding the call; a call that no step holds
//     gets a new in_progress tool_calls step), then moves the run to
//     queued (required_action cleared) and calls Enqueue or Stream. The
//     executor reads the outputs from the step and completes it when it
//     resumes the run. Outputs already recorded for a call can be
//     submitted again only unchanged (a retry).
//   - Cancel: the server writes the status (a queued run becomes
//     cancelled at once; an in_progress or requires_action run becomes
//     cancelling) and, for a cancelling run, calls Enqueue so that the
//     executor finishes the cancellation (cancelling to cancelled) at
//     once even when no worker is busy with the run.
//
// A stream starts with the events the server emits itself
// ("thread.created" for create thread and run), then every event Stream
// emits, beginning with "thread.run.created". The server writes each
// event as it is emitted and flushes it. If Stream fails before it
// emitted anything (and the server emitted nothing either), the client
// gets an ordinary error answer; after that, an "error" event whose data
// is the error envelope ({"error":{"message","type","param","code"}},
// which the OpenAI SDKs raise), then the done event. emit fails once the client has gone away; Stream should then
// return (the run itself may go on). Requests with "stream": true
// answer 400 when Config.Runs is nil.
//
// Enqueue and Stream may be called concurrently, for any number of
// runs, by any number of server processes sharing one bucket. Their ctx
// is the request's: it ends with the request (for Stream, when the
// client goes away), so work that outlives Enqueue must not use it.
type RunExecutor interface {
	// Enqueue schedules a stored queued run (after create, createAndRun, or submit_tool_outputs moved it back to queued).
	Enqueue(ctx context.Context, threadID, runID string) error
	// Stream executes the run in this process now and emits Assistants v2 stream events
	// (event name such as "thread.run.created", data object) as they happen, returning when the run
	// reaches a terminal status or requires_action. The handler writes them as server-sent events
	// and then "event: done\ndata: [DONE]".
	Stream(ctx context.Context, threadID, runID string, emit func(event string, data any) error) error
}

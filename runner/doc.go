// Package runner executes Assistants runs against any OpenAI-compatible
// chat-completions endpoint (OpenAI, vLLM, Ollama, llama.cpp server,
// LiteLLM, ...).
//
// Client is the endpoint client: plain and streamed completions,
// function tool calls assembled from stream fragments, and retries of
// timeouts, 429s and 5xx answers before any output arrived.
//
// Worker executes runs stored by package assistants/store, and works
// only through its methods (Runs.UpdateLeased, Runs.GetLeased, the run
// Queue, DB.ActiveRuns): it builds no key and touches no object itself. Every r2kit
// serve process runs one (Run, the background loop); the API hands it
// the runs it stores (Enqueue), or has it execute a run in the request
// and stream its events (Stream).
//
// # A run's turns
//
// A turn is one model call: the run's model, instructions, the thread's
// messages in order, the run's earlier tool calls and their outputs,
// and its function tools and sampling options (see request.go). Its
// outcome is either a reply (an assistant message and a
// message_creation step; the run completes, with usage), or tool calls
// (a tool_calls step; the run requires_action until the outputs are
// submitted and it is queued again for the next turn), or a failure
// (the run fails with last_error server_error, rate_limit_exceeded or
// invalid_prompt). Searches are the exception to the round trip: calls
// of the file_search function are run by the worker itself, written as
// a completed tool_calls step, and the run goes straight on to its next
// turn with their results (see filesearch.go). A cancellation (the API writes cancelling) is seen
// within CheckInterval and ends the run cancelled; a run past its
// expires_at ends expired. Every status change goes through the store's
// run state machine (store.Runs), which releases the thread's
// active-run lock at a terminal status.
//
// # Many workers, one bucket
//
// A run is claimed with a conditional write of the run that stores a
// lease in it (see lease.go and store.Lease): the lease is a store
// document kept with the run, never part of the API's run object. The holder renews
// it every LeaseDuration/3; every write of its results is conditional
// on still holding it, so a worker that lost its lease writes nothing
// more, and a run whose worker died is claimed by another once the
// lease lapses. The ids of a turn's message and step are chosen when
// the turn starts and kept in the lease; they are written with
// create-only writes, so a turn taken over after its worker died
// writes no second reply (and finds a reply already written instead of
// asking the model again). Queued runs are found through the store's
// run queue (store.Queue: one marker per run under queue/), without
// scanning threads (see queue.go).
package runner

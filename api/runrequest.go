package api

import (
	"net/http"
	"slices"

	"github.com/r2kit/r2kit/assistants"
)

// runRequest is the body of POST /v1/threads/{thread_id}/runs: the
// assistants request plus reasoning_effort, which the run carries on
// the wire for the executor.
type runRequest struct {
	assistants.RunCreateRequest
	ReasoningEffort *string `json:"reasoning_effort,omitempty"`
}

// runIncludes are the values of the include[] query parameter of the
// run and run step endpoints.
var runIncludes = []string{"step_details.tool_calls[*].file_search.results[*].content"}

// checkInclude checks the include[] query parameter (also accepted as
// include). Run steps carry file search results whole, so it changes
// nothing in the answers.
func checkInclude(r *http.Request) error {
	q := r.URL.Query()
	for _, v := range append(q["include[]"], q["include"]...) {
		if !slices.Contains(runIncludes, v) {
			return invalidValue("include", v, runIncludes)
		}
	}
	return nil
}

// checkRunRequest checks a run request before anything is written: the
// include parameter, assistant_id, the members (RunCreateRequest's
// Validate) and stream, which needs Config.Runs. It reports whether the
// answer is a stream.
func (s *Server) checkRunRequest(r *http.Request, q *runRequest) (stream bool, err error) {
	if err := checkInclude(r); err != nil {
		return false, err
	}
	if q.AssistantID == "" {
		return false, missingParam("assistant_id")
	}
	if err := q.Validate(); err != nil {
		return false, err
	}
	if _, err := withReasoningEffort(nil, q.ReasoningEffort); err != nil {
		return false, err
	}
	stream = q.Stream != nil && *q.Stream
	return stream, s.checkStream(stream)
}

// run returns the queued run the request creates in thread for
// assistant a at Unix time now. Members the request leaves out take the
// assistant's value (model, instructions, tools, temperature, top_p,
// response_format, reasoning_effort) or the API's default (truncation
// strategy auto, tool choice auto, parallel tool calls, response format
// auto). additional_instructions are appended to the instructions after
// a blank line. The run expires DefaultRunExpiry seconds after now.
func (q *runRequest) run(a *assistants.Assistant, thread string, now int64) (assistants.Run, error) {
	run := assistants.Run{
		ID: assistants.NewID(assistants.PrefixRun), Object: assistants.ObjectRun, CreatedAt: now,
		ThreadID: thread, AssistantID: a.ID, Status: assistants.RunQueued,
		ExpiresAt: assistants.Ptr(now + assistants.DefaultRunExpiry),
		Model:     a.Model, Tools: a.Tools, Metadata: q.Metadata,
		Temperature: a.Temperature, TopP: a.TopP,
		MaxPromptTokens: q.MaxPromptTokens, MaxCompletionTokens: q.MaxCompletionTokens,
		TruncationStrategy: q.TruncationStrategy, ToolChoice: q.ToolChoice,
		ParallelToolCalls: true, ResponseFormat: a.ResponseFormat,
	}
	if a.Instructions != nil {
		run.Instructions = *a.Instructions
	}
	if q.Model != nil {
		run.Model = *q.Model
	}
	if q.Instructions != nil {
		run.Instructions = *q.Instructions
	}
	if add := q.AdditionalInstructions; add != nil && *add != "" {
		if run.Instructions != "" {
			run.Instructions += "\n\n"
		}
		run.Instructions += *add
	}
	if q.Tools != nil {
		run.Tools = q.Tools
	}
	if run.Tools == nil {
		run.Tools = []assistants.Tool{}
	}
	setIf(&run.Temperature, q.Temperature)
	setIf(&run.TopP, q.TopP)
	if q.ParallelToolCalls != nil {
		run.ParallelToolCalls = *q.ParallelToolCalls
	}
	if !q.ResponseFormat.IsZero() {
		run.ResponseFormat = q.ResponseFormat
	}
	if run.ResponseFormat.IsZero() {
		run.ResponseFormat = assistants.AutoResponseFormat()
	}
	if run.TruncationStrategy == nil {
		run.TruncationStrategy = &assistants.TruncationStrategy{Type: assistants.TruncationAuto}
	}
	if run.ToolChoice.IsZero() {
		run.ToolChoice = assistants.ToolChoice{Mode: assistants.ToolChoiceAuto}
	}
	effort := q.ReasoningEffort
	if raw, ok := a.Extra["reasoning_effort"]; ok && effort == nil {
		run.Extra = assistants.Extra{"reasoning_effort": raw}
	}
	var err error
	run.Extra, err = withReasoningEffort(run.Extra, effort)
	return run, err
}

// checkStream refuses a stream ("stream": true) when no executor is
// configured.
func (s *Server) checkStream(stream bool) error {
	if stream && s.cfg.Runs == nil {
		return InvalidRequest("stream", "Streaming is not available: this r2kit server has no run executor "+
			"configured, so runs stay queued. Send the request without \"stream\": true.")
	}
	return nil
}

package api

import (
	"net/http"
	"slices"

	"github.com/r2kit/r2kit/assistants"
)

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
// Validate, reasoning_effort included) and stream, which needs
// Config.Runs. It reports whether the
// answer is a stream.
func (s *Server) checkRunRequest(r *http.Request, q *assistants.RunCreateRequest) (stream bool, err error) {
	if err := checkInclude(r); err != nil {
		return false, err
	}
	if q.AssistantID == "" {
		return false, missingParam("assistant_id")
	}
	if err := q.Validate(); err != nil {
		return false, err
	}
	if err := s.checkRunRefs(r.Context(), q); err != nil {
		return false, err
	}
	stream = q.Stream != nil && *q.Stream
	return stream, s.checkStream(stream)
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

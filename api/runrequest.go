package api

import (
	"net/http"
	"slices"

	"github.com/r2kit/r2kit/assistants"
)

// runIncludes are the values of the include[] query parameter of the
// run and run step endpoints.
var runIncludes = []string{assistants.IncludeFileSearchContent}

// checkInclude checks the include[] query parameter (also accepted as
// include; an unknown value is 400) and reports whether it asks for
// assistants.IncludeFileSearchContent. It changes the answers: the run
// steps that step list, step get and the stream of a run create (or
// create thread and run) send have their file_search results' content
// only when it does, as OpenAI's (see assistants.PresentStep). The
// stream of submit_tool_outputs, which takes no include[], never has
// it.
func checkInclude(r *http.Request) (content bool, err error) {
	q := r.URL.Query()
	for _, v := range append(q["include[]"], q["include"]...) {
		if !slices.Contains(runIncludes, v) {
			return false, invalidValue("include", v, runIncludes)
		}
		content = content || v == assistants.IncludeFileSearchContent
	}
	return content, nil
}

// runAnswer is how a run create is answered: as a stream or not, and
// whether the stream's run steps carry file_search results' content
// (include[], see checkInclude).
type runAnswer struct {
	stream, stepContent bool
}

// checkRunRequest checks a run request before anything is written: the
// include parameter, assistant_id, the members (RunCreateRequest's
// Validate, reasoning_effort included) and stream, which needs
// Config.Runs. It reports how the run is answered.
func (s *Server) checkRunRequest(r *http.Request, q *assistants.RunCreateRequest) (runAnswer, error) {
	content, err := checkInclude(r)
	if err != nil {
		return runAnswer{}, err
	}
	if q.AssistantID == "" {
		return runAnswer{}, missingParam("assistant_id")
	}
	if err := q.Validate(); err != nil {
		return runAnswer{}, err
	}
	if err := s.checkRunRefs(r.Context(), q); err != nil {
		return runAnswer{}, err
	}
	stream := q.Stream != nil && *q.Stream
	return runAnswer{stream: stream, stepContent: content}, s.checkStream(stream)
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

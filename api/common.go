package api

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"

	"github.com/r2kit/r2kit/assistants"
)

// unixNow returns the server's clock (Config.Store's Now) in Unix
// seconds, the unit of every timestamp.
func (s *Server) unixNow() int64 { return s.now().Unix() }

// missingParam is OpenAI's 400 for a required parameter that is absent.
func missingParam(name string) *Error {
	return InvalidRequest(name, "Missing required parameter: '%s'.", name)
}

// reasoningEfforts are the values of reasoning_effort.
var reasoningEfforts = []string{"none", "minimal", "low", "medium", "high", "xhigh"}

// withReasoningEffort records the reasoning_effort of a request (nil:
// none) among the members extra keeps for the object, after checking
// it. The object then carries it on the wire; the executor reads it
// there.
func withReasoningEffort(extra assistants.Extra, effort *string) (assistants.Extra, error) {
	if effort == nil {
		return extra, nil
	}
	if !slices.Contains(reasoningEfforts, *effort) {
		return extra, invalidValue("reasoning_effort", *effort, reasoningEfforts)
	}
	raw, err := json.Marshal(*effort)
	if err != nil {
		return extra, err
	}
	extra = maps.Clone(extra) // the caller's map may be shared
	if extra == nil {
		extra = assistants.Extra{}
	}
	extra["reasoning_effort"] = raw
	return extra, nil
}

// nestParam prefixes the field of a validation failure (an
// *assistants.FieldError) with prefix, so that param names the member
// of a nested request: "thread" and "messages[0].role" give
// "thread.messages[0].role". Other errors are returned as they are.
func nestParam(prefix string, err error) error {
	var fe *assistants.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	out := *fe
	out.Path = prefix
	if fe.Path != "" {
		out.Path += "." + fe.Path
	}
	return &out
}

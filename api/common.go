package api

import (
	"errors"

	"github.com/r2kit/r2kit/assistants"
)

// unixNow returns the server's clock (Config.Store's Now) in Unix
// seconds, the unit of every timestamp.
func (s *Server) unixNow() int64 { return s.now().Unix() }

// missingParam is OpenAI's 400 for a required parameter that is absent.
func missingParam(name string) *Error {
	return InvalidRequest(name, "Missing required parameter: '%s'.", name)
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

package api

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/r2kit/r2kit/assistants"
)

// Error types, as OpenAI's error envelopes name them in error.type.
const (
	TypeInvalidRequest = "invalid_request_error"
	TypeServer         = "server_error"
	// TypeRateLimit is the type of a 429 answer ("requests", as OpenAI's
	// request rate limits are typed).
	TypeRateLimit = "requests"
)

// Error is an API error: an HTTP status and the members of OpenAI's
// error envelope {"error":{"message","type","param","code"}}. Param and
// Code are written as null when empty. An *Error returned by a
// HandlerFunc is written as is; any other error is first converted by
// ErrorFor.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Message is error.message: a sentence for the client.
	Message string
	// Type is error.type, e.g. TypeInvalidRequest.
	Type string
	// Param is error.param: the offending request parameter, or "".
	Param string
	// Code is error.code, e.g. "invalid_api_key", or "".
	Code string
	// RetryAfter, if positive, is sent as the Retry-After (whole
	// seconds, rounded up) and retry-after-ms headers.
	RetryAfter time.Duration
	// Allow, if set, is sent as the Allow header (on 405 answers).
	Allow string
	// Err is the cause, for logs; it is never sent to the client.
	Err error
}

// Error returns the message, prefixed by the status.
func (e *Error) Error() string {
	return strconv.Itoa(e.Status) + " " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// InvalidRequest returns a 400 invalid_request_error for param ("" for
// none) with a formatted message.
func InvalidRequest(param, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: TypeInvalidRequest, Param: param,
		Message: fmt.Sprintf(format, args...)}
}

// NotFound returns the 404 OpenAI answers for a missing object. object
// is one of the assistants.Object* names; the messages are OpenAI's:
//
//	assistant        No assistant found with id 'asst_x'.
//	thread           No thread found with id 'thread_x'.
//	thread.message   No message found with id 'msg_x'.
//	thread.run       No run found with id 'run_x'.
//	thread.run.step  No run step found with id 'step_x'.
//	file             No such File object: file-x     (param "id")
func NotFound(object, id string) *Error {
	e := &Error{Status: http.StatusNotFound, Type: TypeInvalidRequest}
	switch object {
	case assistants.ObjectFile:
		e.Message, e.Param = "No such File object: "+id, "id"
	case assistants.ObjectMessage:
		e.Message = "No message found with id '" + id + "'."
	case assistants.ObjectRun:
		e.Message = "No run found with id '" + id + "'."
	case assistants.ObjectRunStep:
		e.Message = "No run step found with id '" + id + "'."
	default:
		e.Message = "No " + object + " found with id '" + id + "'."
	}
	return e
}

// invalidURL is OpenAI's answer for a path no route matches. A path
// that would be one under /v1 says so: clients given the server's
// address without /v1 as their base URL get it.
func invalidURL(r *http.Request) *Error {
	e := InvalidRequest("", "Invalid URL (%s %s)", r.Method, r.URL.Path).withStatus(http.StatusNotFound)
	if first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/"); slices.Contains(apiResources, first) {
		e.Message += fmt.Sprintf(": the API is served under the /v1 prefix (%s /v1%s); "+
			"set the client's base URL to this server's address followed by /v1.", r.Method, r.URL.Path)
	}
	return e
}

// apiResources are the first segments of the paths under /v1.
var apiResources = []string{"assistants", "threads", "files", "models", "vector_stores"}

// invalidMethod is OpenAI's answer for a known path with another method.
func invalidMethod(r *http.Request, allow string) *Error {
	e := InvalidRequest("", "Invalid method for URL (%s %s)", r.Method, r.URL.Path).withStatus(http.StatusMethodNotAllowed)
	e.Allow = allow
	return e
}

func (e *Error) withStatus(status int) *Error {
	e.Status = status
	return e
}

func (e *Error) withCode(code string) *Error {
	e.Code = code
	return e
}

// quote shortens s for an error message: at most 64 bytes, then "...".
func quote(s string) string {
	const keep = 64
	if len(s) <= keep {
		return s
	}
	cut := keep
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// idNoun is the prefix an id must begin with, as OpenAI's messages say
// it: "thread" for "thread_", "file" for "file-".
func idNoun(prefix string) string {
	return strings.TrimRight(prefix, "_-")
}

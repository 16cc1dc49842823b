package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
)

// ErrorFor converts err into the API error the client gets. The first
// matching rule decides:
//
//	*Error                                  itself
//	*http.MaxBytesError                     413 invalid_request_error, code request_too_large
//	store.ErrFileTooLarge              413 invalid_request_error, code file_too_large
//	*assistants.FieldError                  400 invalid_request_error, param = the field
//	doc.ErrValidation                       400 invalid_request_error, param = the field if known
//	assistants.ErrInvalidTransition         400 invalid_request_error (a business rule: never 409)
//	*store.ActiveRunError              400 "Thread thread_X already has an active run run_Y."
//	resilience.ErrCircuitOpen               503 server_error, with Retry-After
//	storage.ErrAmbiguous                    503 server_error: the write may have been applied
//	*store.NotFoundError                    404, with OpenAI's text for the entity it names
//	storage.ErrNotFound (doc.ErrExpired too) 404 "Not found."
//	doc.ErrConflict                         409 invalid_request_error, code conflict
//	storage.ErrNotModified                  304, no body
//	storage.ErrInvalidRange                 416 invalid_request_error
//	storage.ErrInvalidKey                   400 invalid_request_error (an id that cannot be a key)
//	storage.ErrInvalidArgument              400 invalid_request_error
//	storage.ErrUnsupported                  501 server_error
//	a 429 from the store (throttled)        429 requests, code rate_limit_exceeded
//	storage.ErrTransient, storage.ErrClosed 503 server_error
//	context.DeadlineExceeded                504 server_error
//	context.Canceled                        499 (the client went away; nobody reads it)
//	anything else                           500 server_error, OpenAI's generic text
//
// A lost optimistic-concurrency race (doc.ErrConflict after the document
// layer's own retries) is a 409 because retrying the request can
// succeed, and OpenAI's clients retry 409 by themselves; rejections by a
// business rule must not use it. Messages never carry storage keys or
// backend errors (only the validators' reasons and the ids concerned):
// the cause stays in Err, for the log.
func ErrorFor(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	for _, rule := range errorRules {
		if out := rule(err); out != nil {
			out.Err = err
			return out
		}
	}
	return &Error{Status: http.StatusInternalServerError, Type: TypeServer, Err: err,
		Message: "The server had an error while processing your request. Sorry about that!"}
}

// errorRules are tried in order; each returns nil if it does not apply.
var errorRules = []func(error) *Error{
	tooLarge,
	fieldError,
	validationError,
	transitionError,
	activeRun,
	unavailable,
	notFound,
	storageAnswer,
	storageFailure,
	contextError,
}

func tooLarge(err error) *Error {
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &mb):
		return bodyTooLarge(mb.Limit)
	case errors.Is(err, store.ErrFileTooLarge):
		return InvalidRequest("file", "File too large: it is larger than this server stores.").
			withStatus(http.StatusRequestEntityTooLarge).withCode("file_too_large")
	}
	return nil
}

// bodyTooLarge is the 413 answer for a body over limit bytes.
func bodyTooLarge(limit int64) *Error {
	return InvalidRequest("", "Request body too large: the limit is %d bytes.", limit).
		withStatus(http.StatusRequestEntityTooLarge).withCode("request_too_large")
}

func fieldError(err error) *Error {
	var fe *assistants.FieldError
	if !errors.As(err, &fe) {
		return nil
	}
	var ide *assistants.IDError
	if errors.As(fe.Err, &ide) {
		return badID(fe.Path, ide)
	}
	if fe.Path == "" {
		return InvalidRequest("", "%s", sentence(fe.Reason))
	}
	return InvalidRequest(fe.Path, "Invalid '%s': %s", fe.Path, period(fe.Reason))
}

func validationError(err error) *Error {
	var ve *doc.ValidationError
	switch {
	case errors.As(err, &ve) && ve.Field != "":
		return InvalidRequest(ve.Field, "Invalid '%s': %s", ve.Field, period(ve.Err.Error()))
	case errors.As(err, &ve):
		return InvalidRequest("", "%s", sentence(ve.Err.Error()))
	case errors.Is(err, doc.ErrValidation):
		return InvalidRequest("", "A value of the request failed validation.")
	}
	return nil
}

func transitionError(err error) *Error {
	var te *assistants.TransitionError
	if errors.As(err, &te) {
		return InvalidRequest("", "Cannot change the status of %s %s from %s to %s.", te.Object, te.ID, te.From, te.To)
	}
	if errors.Is(err, assistants.ErrInvalidTransition) {
		return InvalidRequest("", "The requested status change is not allowed.")
	}
	return nil
}

// activeRun is OpenAI's answer to a run created in a thread that has an
// active run: a 400, because a retry cannot succeed until that run ends.
func activeRun(err error) *Error {
	var ae *store.ActiveRunError
	switch {
	case errors.As(err, &ae) && ae.Adding == assistants.ObjectMessage:
		return InvalidRequest("", "Can't add messages to %s while a run %s is active.", ae.ThreadID, ae.RunID)
	case errors.As(err, &ae):
		return InvalidRequest("", "Thread %s already has an active run %s.", ae.ThreadID, ae.RunID)
	}
	return nil
}

func unavailable(err error) *Error {
	switch {
	case errors.Is(err, resilience.ErrCircuitOpen):
		e := &Error{Status: http.StatusServiceUnavailable, Type: TypeServer, Code: "storage_unavailable",
			Message: "Storage is failing; the server is not sending it requests for now. Retry later."}
		e.RetryAfter, _ = resilience.RetryAfter(err)
		return e
	case errors.Is(err, storage.ErrAmbiguous):
		return &Error{Status: http.StatusServiceUnavailable, Type: TypeServer, Code: "storage_unavailable",
			Message: "Storage did not confirm the write; it may or may not have been applied. Read the object before retrying."}
	}
	return nil
}

func notFound(err error) *Error {
	var nf *store.NotFoundError
	switch {
	case errors.As(err, &nf):
		return NotFound(nf.Object, nf.ID)
	case errors.Is(err, storage.ErrNotFound):
		return InvalidRequest("", "Not found.").withStatus(http.StatusNotFound)
	}
	return nil
}

// storageAnswer maps the store's answers to a request it understood.
func storageAnswer(err error) *Error {
	switch {
	case errors.Is(err, storage.ErrPreconditionFailed):
		return InvalidRequest("", "The object was changed by a concurrent request. Retry the request.").
			withStatus(http.StatusConflict).withCode("conflict")
	case errors.Is(err, storage.ErrNotModified):
		return &Error{Status: http.StatusNotModified}
	case errors.Is(err, storage.ErrInvalidRange):
		return InvalidRequest("", "The requested range is not satisfiable.").withStatus(http.StatusRequestedRangeNotSatisfiable)
	case errors.Is(err, storage.ErrInvalidKey):
		var ide *assistants.IDError
		if errors.As(err, &ide) {
			return badID("", ide)
		}
		return InvalidRequest("", "Invalid id: it cannot name a stored object.")
	case errors.Is(err, storage.ErrInvalidArgument):
		return InvalidRequest("", "Invalid request: the storage layer refused a value.")
	case errors.Is(err, storage.ErrUnsupported):
		return &Error{Status: http.StatusNotImplemented, Type: TypeServer, Code: "not_implemented",
			Message: "The storage backend of this server does not support this operation."}
	}
	return nil
}

// storageFailure maps failures of the store itself.
func storageFailure(err error) *Error {
	switch resilience.Classify(err) {
	case resilience.KindThrottled:
		e := &Error{Status: http.StatusTooManyRequests, Type: TypeRateLimit, Code: "rate_limit_exceeded",
			Message: "Storage is throttling requests. Retry after a short wait."}
		e.RetryAfter, _ = resilience.RetryAfter(err)
		return e
	case resilience.KindTransient, resilience.KindClosed:
		return &Error{Status: http.StatusServiceUnavailable, Type: TypeServer, Code: "storage_unavailable",
			Message: "Storage is temporarily unavailable. Retry the request."}
	}
	return nil
}

func contextError(err error) *Error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusGatewayTimeout, Type: TypeServer, Code: "timeout",
			Message: "The request timed out."}
	case errors.Is(err, context.Canceled):
		return &Error{Status: StatusClientClosedRequest, Type: TypeInvalidRequest, Code: "canceled",
			Message: "The request was cancelled."}
	}
	return nil
}

// StatusClientClosedRequest is the status logged for a request whose
// client went away before the answer (the nginx convention).
const StatusClientClosedRequest = 499

// sentence returns s with its first letter upper-cased and a final
// period, as OpenAI's messages are written.
func sentence(s string) string {
	if c := s[0:min(1, len(s))]; c >= "a" && c <= "z" {
		s = strings.ToUpper(c) + s[1:]
	}
	return period(s)
}

// period returns s ending with a period.
func period(s string) string {
	if s == "" || strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

package resilience

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/r2kit/r2kit/storage"
)

// Kind classifies an error for retry decisions, logs and metrics. Its
// values are short snake_case strings, usable as Prometheus label values.
type Kind string

// The kinds Classify returns. The seed's R2ErrorType maps onto them:
// NOT_FOUND is KindNotFound, CONFLICT KindConflict, VALIDATION_ERROR
// KindInvalid, TTL_EXPIRED KindExpired, INTERNAL_ERROR KindInternal.
const (
	// KindOK: no error.
	KindOK Kind = "ok"
	// KindNotFound: the key does not exist (storage.ErrNotFound).
	KindNotFound Kind = "not_found"
	// KindExpired: the object's TTL has passed (storage.ErrExpired).
	KindExpired Kind = "expired"
	// KindConflict: a conditional write or delete lost
	// (storage.ErrPreconditionFailed).
	KindConflict Kind = "conflict"
	// KindNotModified: Get with IfNoneMatch found the same ETag
	// (storage.ErrNotModified).
	KindNotModified Kind = "not_modified"
	// KindInvalid: the request cannot succeed as made: invalid key,
	// argument or range.
	KindInvalid Kind = "invalid"
	// KindUnsupported: the backend cannot do it (storage.ErrUnsupported).
	KindUnsupported Kind = "unsupported"
	// KindClosed: the Bucket was closed (storage.ErrClosed).
	KindClosed Kind = "closed"
	// KindCanceled: the caller's context was cancelled.
	KindCanceled Kind = "canceled"
	// KindDeadline: the caller's context deadline passed.
	KindDeadline Kind = "deadline_exceeded"
	// KindAmbiguous: a conditional write's outcome is unknown
	// (storage.ErrAmbiguous); the doc layer resolves it.
	KindAmbiguous Kind = "ambiguous"
	// KindCircuitOpen: a circuit breaker refused the call (ErrCircuitOpen).
	KindCircuitOpen Kind = "circuit_open"
	// KindThrottled: the store answered 429 Too Many Requests.
	KindThrottled Kind = "throttled"
	// KindTransient: a temporary failure that changed nothing: a
	// storage.ErrTransient, a 5xx or 408 answer, a transport error.
	KindTransient Kind = "transient"
	// KindInternal: anything else.
	KindInternal Kind = "internal"
)

// Classify returns the kind of err, KindOK for nil. The first matching
// rule decides, in this order: circuit open; ambiguous (a write that may
// have committed, even if a context error is also in the chain); expired;
// not found; conflict; not modified; invalid key, argument or range;
// unsupported; closed; context cancelled or past its deadline; an HTTP
// status of 429 (throttled); storage.ErrTransient, an HTTP status of 408
// or 5xx, or a transport error (transient); anything else is internal.
//
// HTTP statuses are read from any error in the chain with an
// HTTPStatusCode() int method, as the AWS SDK's response errors have.
// Transport errors are net.Error values, io.ErrUnexpectedEOF and the
// ECONNRESET, ECONNREFUSED, ECONNABORTED and EPIPE system errors.
func Classify(err error) Kind {
	switch {
	case err == nil:
		return KindOK
	case errors.Is(err, ErrCircuitOpen):
		return KindCircuitOpen
	case errors.Is(err, storage.ErrAmbiguous):
		return KindAmbiguous
	case errors.Is(err, storage.ErrExpired):
		return KindExpired
	case errors.Is(err, storage.ErrNotFound):
		return KindNotFound
	case errors.Is(err, storage.ErrPreconditionFailed):
		return KindConflict
	case errors.Is(err, storage.ErrNotModified):
		return KindNotModified
	case errors.Is(err, storage.ErrInvalidKey),
		errors.Is(err, storage.ErrInvalidArgument),
		errors.Is(err, storage.ErrInvalidRange):
		return KindInvalid
	case errors.Is(err, storage.ErrUnsupported):
		return KindUnsupported
	case errors.Is(err, storage.ErrClosed):
		return KindClosed
	case errors.Is(err, context.Canceled):
		return KindCanceled
	case errors.Is(err, context.DeadlineExceeded):
		// Before the transport check: DeadlineExceeded is a net.Error.
		return KindDeadline
	}
	status := httpStatus(err)
	switch {
	case status == 429:
		return KindThrottled
	case errors.Is(err, storage.ErrTransient), status == 408, status >= 500,
		isTransport(err):
		return KindTransient
	}
	return KindInternal
}

// Retryable reports whether another attempt of the operation that
// returned err may succeed and is safe: err is transient or throttled.
// Answers (not found, conflict, not modified), invalid requests,
// cancelled contexts, ambiguous writes, an open circuit, unsupported
// operations and a closed Bucket are never retryable.
func Retryable(err error) bool {
	switch Classify(err) {
	case KindTransient, KindThrottled:
		return true
	}
	return false
}

// RetryAfter returns the delay an error asks for before the next
// attempt: the value of the first error in err's chain with a
// RetryAfter() time.Duration method (for example one carrying an HTTP
// Retry-After header), if it is positive.
func RetryAfter(err error) (time.Duration, bool) {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		if d := ra.RetryAfter(); d > 0 {
			return d, true
		}
	}
	return 0, false
}

// httpStatus returns the HTTP status code carried by err's chain, or 0.
func httpStatus(err error) int {
	var sc interface{ HTTPStatusCode() int }
	if errors.As(err, &sc) {
		return sc.HTTPStatusCode()
	}
	return 0
}

// isTransport reports whether err is a failure of the connection rather
// than an answer.
func isTransport(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE)
}

// opKey returns the operation and key recorded by the first
// *storage.Error in err's chain.
func opKey(err error) (op, key string) {
	var se *storage.Error
	if errors.As(err, &se) {
		return se.Op, se.Key
	}
	return "", ""
}

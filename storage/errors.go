package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Backends wrap them in *Error; test them with errors.Is.
var (
	// ErrNotFound: the key does not exist.
	ErrNotFound = errors.New("not found")
	// ErrPreconditionFailed: a conditional write or delete lost (the ETag
	// did not match, or IfNoneMatch "*" found the key present).
	ErrPreconditionFailed = errors.New("precondition failed")
	// ErrNotModified: Get with IfNoneMatch found the same ETag.
	ErrNotModified = errors.New("not modified")
	// ErrInvalidKey: the key cannot be stored (empty, too long, not UTF-8,
	// control characters, or a form the backend cannot represent).
	ErrInvalidKey = errors.New("invalid key")
	// ErrInvalidArgument: an option or metadata value is not acceptable.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrInvalidRange: a range read starts beyond the end of the object.
	ErrInvalidRange = errors.New("invalid range")
	// ErrUnsupported: the backend cannot perform the operation.
	ErrUnsupported = errors.New("unsupported")
	// ErrAmbiguous: a conditional write was sent but its outcome is
	// unknown (timeout, connection reset, 5xx after sending). It may have
	// committed. Callers resolve it by reading the object back; the doc
	// package does this with a write id stored in the metadata.
	ErrAmbiguous = errors.New("outcome unknown")
	// ErrTransient: a temporary failure (throttling, 5xx, network) that
	// did not change anything and may succeed if retried.
	ErrTransient = errors.New("temporary failure")
	// ErrClosed: the Bucket was closed.
	ErrClosed = errors.New("bucket closed")
)

// Error is the error type every Bucket returns. It records the operation,
// the key and the cause; Err usually wraps one of the sentinels above and
// the backend's raw error.
type Error struct {
	Op  string // "stat", "get", "put", "delete", "list"
	Key string // the key, or the prefix for list
	Err error
}

func (e *Error) Error() string {
	if e.Key == "" {
		return e.Op + ": " + e.Err.Error()
	}
	return e.Op + " " + e.Key + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error for op and key whose cause matches kind (a
// sentinel, may be nil) and the error formatted from format and args,
// which may itself wrap a raw cause with %w.
func Errorf(op, key string, kind error, format string, args ...any) *Error {
	cause := fmt.Errorf(format, args...)
	if kind == nil {
		return &Error{Op: op, Key: key, Err: cause}
	}
	return &Error{Op: op, Key: key, Err: &kindError{kind: kind, cause: cause}}
}

// Wrap returns an *Error for op and key whose cause matches kind (may be
// nil) and wraps raw (may be nil). If raw is a context error it stays
// matchable too.
func Wrap(op, key string, kind, raw error) *Error {
	switch {
	case kind == nil && raw == nil:
		panic("storage.Wrap: no error")
	case kind == nil:
		return &Error{Op: op, Key: key, Err: raw}
	case raw == nil:
		return &Error{Op: op, Key: key, Err: kind}
	}
	return &Error{Op: op, Key: key, Err: &kindError{kind: kind, cause: raw}}
}

// kindError matches a sentinel kind and a raw cause, and prints as
// "kind: cause" unless the cause already says it.
type kindError struct {
	kind  error
	cause error
}

func (e *kindError) Error() string {
	k, c := e.kind.Error(), e.cause.Error()
	if c == k || strings.HasPrefix(c, k+": ") {
		return c
	}
	return k + ": " + c
}

func (e *kindError) Unwrap() []error { return []error{e.kind, e.cause} }

// IsContextError reports whether err is a context cancellation or
// deadline error.
func IsContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

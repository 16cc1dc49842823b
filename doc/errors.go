package doc

import (
	"errors"

	"github.com/r2kit/r2kit/storage"
)

// The kinds of failure, after the seed's R2ErrorType. Test them with
// errors.Is; every error also carries the operation and key (a
// *storage.Error).
var (
	// ErrNotFound: no document at the key (NOT_FOUND).
	ErrNotFound = storage.ErrNotFound
	// ErrConflict: a conditional write lost, or an Update ran out of
	// retries against concurrent writers (CONFLICT). It is
	// storage.ErrPreconditionFailed.
	ErrConflict = storage.ErrPreconditionFailed
	// ErrValidation: the value failed validation, nothing was written
	// (VALIDATION_ERROR). The error is a *ValidationError.
	ErrValidation = errors.New("validation failed")
	// ErrExpired: the document's TTL has passed (TTL_EXPIRED). An error
	// matching ErrExpired also matches ErrNotFound, so callers that only
	// care about presence need one check.
	ErrExpired = storage.ErrExpired
	// ErrInternal: the stored bytes could not be decoded, or a write's
	// outcome could not be determined (INTERNAL_ERROR).
	ErrInternal = errors.New("internal error")
)

// ValidationError reports a value that failed validation.
type ValidationError struct {
	// Field names the offending field when the validator reports one
	// (an error with a Field() string method), else "".
	Field string
	// Err is the validator's error.
	Err error
}

func (e *ValidationError) Error() string {
	if e.Field == "" || containsField(e.Err.Error(), e.Field) {
		return "validation failed: " + e.Err.Error()
	}
	return "validation failed: " + e.Field + ": " + e.Err.Error()
}

func containsField(msg, field string) bool {
	return len(msg) >= len(field) && msg[:len(field)] == field
}

// Is makes a *ValidationError match ErrValidation, and
// storage.ErrInvalidArgument for code that classifies storage errors.
func (e *ValidationError) Is(target error) bool {
	return target == ErrValidation || target == storage.ErrInvalidArgument
}

// Unwrap returns the validator's error.
func (e *ValidationError) Unwrap() error { return e.Err }

// Validator is implemented by document types that check themselves. A
// Collection, Put, PutIf and Update call Validate on every value before
// writing it; an error aborts the write with a *ValidationError.
type Validator interface {
	Validate() error
}

// validate runs v's Validate method if it (or its pointer) has one.
func validate(v any) error {
	val, ok := v.(Validator)
	if !ok {
		return nil
	}
	err := val.Validate()
	if err == nil {
		return nil
	}
	ve := &ValidationError{Err: err}
	var f interface{ Field() string }
	if errors.As(err, &f) {
		ve.Field = f.Field()
	}
	return ve
}

// ContentType is the content type of every document.
const ContentType = "application/json"

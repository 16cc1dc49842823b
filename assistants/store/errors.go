package store

import (
	"errors"
	"fmt"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
)

// The error vocabulary of the store: the sentinels of the layers below,
// re-exported once (as os re-exports fs.ErrNotExist), and the store's
// own. Match them with errors.Is; every error a store method returns
// that matches one of these is, or wraps, one of the typed errors below
// or a *storage.Error naming the key.
var (
	// ErrNotFound: the entity (or the parent it needs) does not exist
	// or expired. Every such error is a *NotFoundError.
	ErrNotFound = storage.ErrNotFound
	// ErrExpired: the entity expired (it also matches ErrNotFound).
	ErrExpired = doc.ErrExpired
	// ErrConflict: a conditional write lost (an etag that is not the
	// current version, a create of an id that exists).
	ErrConflict = doc.ErrConflict
	// ErrInvalidKey: an id that cannot become a key (an
	// *assistants.IDError).
	ErrInvalidKey = storage.ErrInvalidKey
	// ErrInvalidArgument: a value or parameter the store refuses.
	ErrInvalidArgument = storage.ErrInvalidArgument
)

// NotFoundError reports an entity that does not exist, or expired: the
// entity a call reads or changes, or the parent a create or a listing
// needs (the thread of a message, the run of a step). It matches
// ErrNotFound, and ErrExpired when the entity expired.
type NotFoundError struct {
	// Object is the entity's object type, as its "object" member
	// names it: assistants.ObjectThread, assistants.ObjectRun ...
	Object string
	// ID is the entity's id.
	ID string
	// Err is the storage error behind it (naming the key), for logs.
	Err error
}

// Error returns e.g. "thread thread_1 not found", with the cause.
func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("%s %s not found", e.Object, e.ID)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is reports whether target is ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Unwrap returns the storage error behind e.
func (e *NotFoundError) Unwrap() error { return e.Err }

// entity names one entity, for a *NotFoundError.
type entity struct{ object, id string }

// notFound returns err as a *NotFoundError for what, if it matches
// ErrNotFound and is not one already; other errors are returned as they
// are.
func (what entity) notFound(err error) error {
	if err == nil || !isNotFound(err) || what.object == "" {
		return err
	}
	return &NotFoundError{Object: what.object, ID: what.id, Err: err}
}

// isNotFound reports whether err matches ErrNotFound without being a
// *NotFoundError already.
func isNotFound(err error) bool {
	var nf *NotFoundError
	return errors.Is(err, ErrNotFound) && !errors.As(err, &nf)
}

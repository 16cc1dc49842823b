package assistants

import (
	"errors"
	"fmt"
	"strings"

	"github.com/r2kit/r2kit/storage"
)

// ErrInvalidTransition is matched (errors.Is) by every *TransitionError:
// a run, step or message status change that the v2 state machine does
// not allow.
var ErrInvalidTransition = errors.New("invalid status transition")

// FieldError reports one field that failed validation. Its Field method
// names the field the way OpenAI's error envelope names "param": a dotted
// path with array indexes, e.g. "tools[3].function.name". The doc
// package reports it as the field of its *doc.ValidationError.
type FieldError struct {
	// Path is the offending field, e.g. "metadata" or "content[0].text".
	Path string
	// Reason says what is wrong, e.g. "too many keys (17); at most 16".
	Reason string
	// Err is the underlying error, if any (an *IDError for a bad id).
	Err error
}

// Error returns "Path: Reason", e.g. "metadata: too many keys (17); at most 16".
func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// Field returns the offending field's path.
func (e *FieldError) Field() string { return e.Path }

// Unwrap returns the underlying error, if any.
func (e *FieldError) Unwrap() error { return e.Err }

// fieldErr returns a *FieldError for path with a formatted reason.
func fieldErr(path, format string, args ...any) *FieldError {
	return &FieldError{Path: path, Reason: fmt.Sprintf(format, args...)}
}

// nest prefixes the path of err (if it is a *FieldError) with prefix:
// nest("tools[2]", {Path:"function.name"}) is "tools[2].function.name".
// Other errors and nil are returned unchanged.
func nest(prefix string, err error) error {
	var fe *FieldError
	if err == nil || !errors.As(err, &fe) {
		return err
	}
	out := *fe
	switch {
	case fe.Path == "":
		out.Path = prefix
	case strings.HasPrefix(fe.Path, "["):
		out.Path = prefix + fe.Path
	default:
		out.Path = prefix + "." + fe.Path
	}
	return &out
}

// IDError reports an id (or tool name) that cannot be used: wrong
// prefix, a character outside [A-Za-z0-9_-], empty or too long. It
// matches storage.ErrInvalidKey, so an id that fails here can never
// become a storage key.
type IDError struct {
	// What names the kind of value: "" for an id, "tool name" for
	// ToolKey's argument.
	What string
	// ID is the offending id exactly as given.
	ID string
	// Prefix is the prefix that was expected ("thread_"), or "".
	Prefix string
	// Reason says what is wrong.
	Reason string
}

// Error returns e.g. `invalid id "../x": character '.' at byte 0 is not
// an ASCII letter, digit, '_' or '-'`. Long ids are shortened.
func (e *IDError) Error() string {
	what := e.What
	if what == "" {
		what = "id"
	}
	return "invalid " + what + " " + quoteID(e.ID) + ": " + e.Reason
}

// Is reports whether target is storage.ErrInvalidKey.
func (e *IDError) Is(target error) bool { return target == storage.ErrInvalidKey }

// quoteID quotes id for an error message, keeping at most 64 bytes of it.
func quoteID(id string) string {
	const keep = 64
	if len(id) <= keep {
		return fmt.Sprintf("%q", id)
	}
	return fmt.Sprintf("%q... (%d bytes)", id[:keep], len(id))
}

// TransitionError reports a status change the state machine forbids.
// It matches ErrInvalidTransition.
type TransitionError struct {
	// Object is "run", "run step" or "message".
	Object string
	// ID is the object's id, if known.
	ID       string
	From, To string
}

func (e *TransitionError) Error() string {
	id := ""
	if e.ID != "" {
		id = " " + e.ID
	}
	return fmt.Sprintf("%s%s: cannot change status from %s to %s", e.Object, id, e.From, e.To)
}

// Is reports whether target is ErrInvalidTransition.
func (e *TransitionError) Is(target error) bool { return target == ErrInvalidTransition }

package vectorstore

import (
	"errors"
	"fmt"

	"github.com/r2kit/r2kit/storage"
)

// Sentinels, matched with errors.Is.
var (
	// ErrNotFound: the vector store, file or batch does not exist. It
	// is storage.ErrNotFound, so callers mapping storage errors to 404
	// need one check.
	ErrNotFound = storage.ErrNotFound
	// ErrInvalid: a parameter failed validation; the error is a
	// *ParamError naming it.
	ErrInvalid = errors.New("invalid parameter")
	// ErrExpired: the vector store has expired (status "expired").
	ErrExpired = errors.New("vector store expired")
)

// ParamError reports an invalid request parameter. Param is the
// OpenAI-style dotted path of the offending parameter, for example
// "chunking_strategy.static.max_chunk_size_tokens" or
// "filters.filters[1].type", so the API layer can answer a 400 whose
// error.param names it. It matches ErrInvalid.
type ParamError struct {
	Param   string
	Message string
}

func (e *ParamError) Error() string {
	if e.Param == "" {
		return e.Message
	}
	return "invalid " + e.Param + ": " + e.Message
}

// Is reports whether target is ErrInvalid.
func (e *ParamError) Is(target error) bool { return target == ErrInvalid }

func paramErr(param, format string, args ...any) *ParamError {
	return &ParamError{Param: param, Message: fmt.Sprintf(format, args...)}
}

// Last-error codes of a failed file, as OpenAI's vector store file
// last_error.code.
const (
	CodeUnsupportedFile = "unsupported_file"
	CodeInvalidFile     = "invalid_file"
	CodeServerError     = "server_error"
)

// FileError is why a file could not be indexed: Code is one of
// CodeUnsupportedFile, CodeInvalidFile or CodeServerError, Message a
// sentence for the user. Ingest records it as the file's last_error.
type FileError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Err is the underlying cause, if any; it is not stored.
	Err error `json:"-"`
}

func (e *FileError) Error() string { return e.Code + ": " + e.Message }

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }

func fileErr(code string, cause error, format string, args ...any) *FileError {
	return &FileError{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// notFound wraps ErrNotFound with what was looked up.
func notFound(what, id string) error {
	return fmt.Errorf("%s %q: %w", what, id, ErrNotFound)
}

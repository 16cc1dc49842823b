package api

import (
	"errors"
	"net/http"
)

// uploadLimitError converts err, the error of an upload route, so that a
// body over the route's limit quotes the file limit the operator set
// (Config.MaxUploadBytes), not the body limit derived from it (which
// adds MaxBodyBytes for the other parts): every path that reaches the
// limit (Content-Length, a chunked body, the multipart reader, the file
// part) answers the same 413.
func (s *Server) uploadLimitError(err error) error {
	var e *Error
	var mb *http.MaxBytesError
	if errors.As(err, &e) && e.Code == "request_too_large" || errors.As(err, &mb) {
		return fileTooLarge(s.cfg.MaxUploadBytes)
	}
	return err
}

// quoteUploadLimit wraps the handler of an upload route with
// uploadLimitError.
func (s *Server) quoteUploadLimit(h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.uploadLimitError(h(w, r))
	}
}

// tooLarge is the 413 for a Content-Length over limit on a route of
// kind.
func (s *Server) tooLarge(kind routeKind, limit int64) *Error {
	if kind == uploadRoute {
		return fileTooLarge(s.cfg.MaxUploadBytes)
	}
	return bodyTooLarge(limit)
}

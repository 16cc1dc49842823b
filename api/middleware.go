package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// RequestIDHeader is the response header carrying the request id, as
// OpenAI's x-request-id.
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// RequestID returns the id the server gave the request of ctx ("req_"
// and 32 hex digits), or "" outside a request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "req_" + hex.EncodeToString(b[:])
}

// statusWriter records the status and the bytes of a response.
type statusWriter struct {
	http.ResponseWriter
	status  int
	bytes   int64
	aborted bool // the connection was cut (http.ErrAbortHandler)
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom lets io.Copy use the connection's ReadFrom (sendfile for a
// file body) through the wrapper.
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(struct{ io.Writer }{w.ResponseWriter}, r)
	}
	w.bytes += n
	return n, err
}

// Flush sends buffered data to the client (for server-sent events).
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe is the outermost middleware: it gives the request its id,
// recovers panics into 500 envelopes, and writes the access log line
// and the HTTP metrics once the request is done. The API key is never
// logged: no header is.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		w.Header().Set(RequestIDHeader, id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					sw.aborted = true
					s.done(r, sw, start)
					panic(v)
				}
				s.WriteError(sw, r, &Error{Status: http.StatusInternalServerError, Type: TypeServer,
					Message: "The server had an error while processing your request. Sorry about that!",
					Err:     fmt.Errorf("panic: %v\n%s", v, debug.Stack())})
			}
			s.done(r, sw, start)
		}()
		next.ServeHTTP(sw, r)
	})
}

// done logs the access line and updates the HTTP metrics.
func (s *Server) done(r *http.Request, sw *statusWriter, start time.Time) {
	d := time.Since(start)
	status := sw.status
	if status == 0 {
		status = http.StatusOK // nothing written: net/http answers 200
	}
	if r.Context().Err() != nil && sw.status == 0 {
		status = StatusClientClosedRequest
	}
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	s.metrics.observe(r.Method, route, status, d)
	level := slog.LevelInfo
	if status >= 500 && status != StatusClientClosedRequest || sw.aborted {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Int64("bytes", sw.bytes),
		slog.Duration("duration", d),
		slog.String("request_id", RequestID(r.Context())),
		slog.String("remote", r.RemoteAddr),
	}
	if sw.aborted {
		attrs = append(attrs, slog.Bool("aborted", true))
	}
	s.log.LogAttrs(r.Context(), level, "request", attrs...)
}

// logCut logs an error that came after the answer had begun: the
// client got sw's status and sw.bytes bytes of the body, and then the
// connection is cut. It is an error unless the client had gone away.
func (s *Server) logCut(r *http.Request, sw *statusWriter, err error) {
	level := slog.LevelError
	if r.Context().Err() != nil {
		level = slog.LevelInfo
	}
	s.log.LogAttrs(r.Context(), level, "answer cut off",
		slog.String("request_id", RequestID(r.Context())),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", sw.status),
		slog.Int64("bytes", sw.bytes),
		slog.String("error", err.Error()),
	)
}

package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

// stallBody is a request body read under a deadline that is renewed as
// bytes arrive (Config.BodyReadTimeout): a body that goes longer than
// the timeout without a byte fails with a *bodyTimeoutError, and the
// connection's read fails too, which cancels the request's context and
// so stops whatever the handler streams the body into.
//
// The deadline is cleared once the body has been read to its end:
// net/http then watches the connection for the client going away, and
// a deadline left behind would cancel a request that is still working.
// A body the handler stops reading before its end keeps the deadline,
// which then bounds net/http's discarding of the rest.
type stallBody struct {
	rc       io.ReadCloser
	ctl      *http.ResponseController
	timeout  time.Duration
	timedOut atomic.Bool
	ended    atomic.Bool
}

// bodyTimeoutError is the read error of a request body that stalled.
// It matches os.ErrDeadlineExceeded.
type bodyTimeoutError struct {
	// Timeout is the time that passed without a byte.
	Timeout time.Duration
}

func (e *bodyTimeoutError) Error() string {
	return fmt.Sprintf("request body: no bytes for %s", e.Timeout)
}

// Unwrap returns os.ErrDeadlineExceeded.
func (e *bodyTimeoutError) Unwrap() error { return os.ErrDeadlineExceeded }

// watchBody puts r's body (if it has one) under the body read timeout.
// It returns nil, and leaves the body alone, when there is no timeout,
// no body, or a ResponseWriter without read deadlines (a test
// recorder).
func (s *Server) watchBody(w http.ResponseWriter, r *http.Request) *stallBody {
	d := s.cfg.BodyReadTimeout
	if d <= 0 || r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	ctl := http.NewResponseController(w)
	if ctl.SetReadDeadline(time.Now().Add(d)) != nil {
		return nil
	}
	b := &stallBody{rc: r.Body, ctl: ctl, timeout: d}
	r.Body = b
	return b
}

func (b *stallBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	switch {
	case errors.Is(err, io.EOF):
		b.end()
	case err != nil && errors.Is(err, os.ErrDeadlineExceeded):
		b.timedOut.Store(true)
		return n, &bodyTimeoutError{Timeout: b.timeout}
	case n > 0 && !b.ended.Load():
		_ = b.ctl.SetReadDeadline(time.Now().Add(b.timeout))
	}
	return n, err
}

// end clears the deadline once the whole body has arrived.
func (b *stallBody) end() {
	if !b.ended.Swap(true) {
		_ = b.ctl.SetReadDeadline(time.Time{})
	}
}

func (b *stallBody) Close() error { return b.rc.Close() }

// stalled reports whether the body timed out; b may be nil.
func (b *stallBody) stalled() bool { return b != nil && b.timedOut.Load() }

// bodyTimeout is the answer to a request whose body stalled for
// timeout. The connection is closed after it: the rest of the body
// cannot be told apart from a next request.
func bodyTimeout(timeout time.Duration) *Error {
	return &Error{Status: http.StatusRequestTimeout, Type: TypeInvalidRequest, Code: "request_timeout",
		Message: fmt.Sprintf("The request body stalled: no bytes arrived for %s.", timeout)}
}

package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
)

// statusError is a raw cause carrying an HTTP status, as the AWS SDK's
// response errors do.
type statusError int

func (e statusError) Error() string       { return fmt.Sprintf("status %d", int(e)) }
func (e statusError) HTTPStatusCode() int { return int(e) }

// retryAfterError asks for a delay before the next attempt.
type retryAfterError struct{ d time.Duration }

func (e retryAfterError) Error() string             { return "slow down" }
func (e retryAfterError) RetryAfter() time.Duration { return e.d }

func TestClassify(t *testing.T) {
	w := func(kind, raw error) error { return storage.Wrap("get", "k", kind, raw) }
	for _, tc := range []struct {
		name      string
		err       error
		kind      resilience.Kind
		retryable bool
	}{
		{"nil", nil, resilience.KindOK, false},
		{"not found", w(storage.ErrNotFound, nil), resilience.KindNotFound, false},
		{"expired", w(storage.ErrExpired, nil), resilience.KindExpired, false},
		{"precondition", w(storage.ErrPreconditionFailed, nil), resilience.KindConflict, false},
		{"not modified", w(storage.ErrNotModified, nil), resilience.KindNotModified, false},
		{"invalid key", w(storage.ErrInvalidKey, nil), resilience.KindInvalid, false},
		{"invalid argument", w(storage.ErrInvalidArgument, nil), resilience.KindInvalid, false},
		{"invalid range", w(storage.ErrInvalidRange, nil), resilience.KindInvalid, false},
		{"unsupported", w(storage.ErrUnsupported, nil), resilience.KindUnsupported, false},
		{"closed", w(storage.ErrClosed, nil), resilience.KindClosed, false},
		{"canceled", w(nil, context.Canceled), resilience.KindCanceled, false},
		{"deadline", w(nil, context.DeadlineExceeded), resilience.KindDeadline, false},
		{"transient", w(storage.ErrTransient, errors.New("reset")), resilience.KindTransient, true},
		{"transient cancelled", w(storage.ErrTransient, context.Canceled), resilience.KindCanceled, false},
		{"ambiguous", w(storage.ErrAmbiguous, statusError(500)), resilience.KindAmbiguous, false},
		{"ambiguous cancelled", w(storage.ErrAmbiguous, context.Canceled), resilience.KindAmbiguous, false},
		{"429", w(nil, statusError(429)), resilience.KindThrottled, true},
		{"429 transient", w(storage.ErrTransient, statusError(429)), resilience.KindThrottled, true},
		{"503", w(nil, statusError(503)), resilience.KindTransient, true},
		{"408", w(nil, statusError(408)), resilience.KindTransient, true},
		{"403", w(nil, statusError(403)), resilience.KindInternal, false},
		{"net error", w(nil, &net.OpError{Op: "read", Err: syscall.ECONNRESET}), resilience.KindTransient, true},
		{"refused", w(nil, fmt.Errorf("dial: %w", syscall.ECONNREFUSED)), resilience.KindTransient, true},
		{"unexpected EOF", w(nil, io.ErrUnexpectedEOF), resilience.KindTransient, true},
		{"unknown", errors.New("boom"), resilience.KindInternal, false},
		{"circuit open", fmt.Errorf("x: %w", resilience.ErrCircuitOpen), resilience.KindCircuitOpen, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := resilience.Classify(tc.err); got != tc.kind {
				t.Errorf("Classify = %q, want %q", got, tc.kind)
			}
			if got := resilience.Retryable(tc.err); got != tc.retryable {
				t.Errorf("Retryable = %v, want %v", got, tc.retryable)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	err := storage.Wrap("put", "k", storage.ErrTransient, retryAfterError{2 * time.Second})
	if d, ok := resilience.RetryAfter(err); !ok || d != 2*time.Second {
		t.Fatalf("RetryAfter = %v, %v; want 2s, true", d, ok)
	}
	if _, ok := resilience.RetryAfter(storage.Wrap("put", "k", storage.ErrTransient, nil)); ok {
		t.Fatal("RetryAfter found a delay in an error without one")
	}
	if _, ok := resilience.RetryAfter(retryAfterError{0}); ok {
		t.Fatal("RetryAfter reported a zero delay")
	}
}

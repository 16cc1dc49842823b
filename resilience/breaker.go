package resilience

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/r2kit/r2kit/storage"
)

// ErrCircuitOpen: a circuit breaker refused the call without sending it,
// because the store failed too often recently (the breaker is open), or
// because it is probing the store with a few calls (half-open) and this
// was one too many. Test for it with errors.Is; the error is a
// *storage.Error with the operation and key.
//
// It matches neither storage.ErrTransient nor storage.ErrAmbiguous, and
// Retryable reports false for it: a breaker exists to fail fast and to
// spare a store in trouble, which retries at any layer above it would
// undo. Nothing was sent, so a write refused this way was certainly not
// applied. The error carries the time left until the breaker half-opens
// (see RetryAfter); a caller that prefers to wait can retry it with Do
// and a RetryIf that accepts it.
var ErrCircuitOpen = errors.New("circuit breaker open")

// State is the state of a circuit breaker.
type State int

// The breaker states, in the order of gobreaker's.
const (
	// StateClosed: calls go through; failures are counted.
	StateClosed State = iota
	// StateHalfOpen: a few calls go through to probe the store.
	StateHalfOpen
	// StateOpen: calls fail fast with ErrCircuitOpen.
	StateOpen
)

func (s State) String() string {
	switch s {
	case StateClosed:
		return "closed"
	case StateHalfOpen:
		return "half-open"
	case StateOpen:
		return "open"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// BreakerSettings configures Breaker. The zero value gives the defaults.
type BreakerSettings struct {
	// Name names the breaker in errors and metrics. Empty means the
	// backend's name (see storage.Backend).
	Name string
	// FailureThreshold is how many consecutive failures open the
	// breaker. Zero means 5.
	FailureThreshold int
	// RecoveryTimeout is how long the breaker stays open before it
	// half-opens. Zero means 60 seconds. Keep it well below the doc
	// package's CommitTimeout, so that a write whose outcome must be
	// resolved can read the object back in time.
	RecoveryTimeout time.Duration
	// HalfOpenRequests is how many calls a half-open breaker lets
	// through at once; that many consecutive successes close it, one
	// failure opens it again. Zero means 1.
	HalfOpenRequests int
	// IsFailure decides which errors count toward opening the breaker.
	// Nil means DefaultIsFailure.
	IsFailure func(err error) bool
	// OnStateChange, if not nil, is called on every state change. It
	// runs with the breaker locked: it must be fast and must not call
	// the Bucket.
	OnStateChange func(name string, from, to State)
}

// DefaultIsFailure reports whether err says the store is in trouble:
// its kind (see Classify) is transient, throttled, ambiguous or
// internal. Answers (not found, expired, conflict, not modified, invalid
// or unsupported requests) count as successes: the store answered.
//
// Errors caused by the caller's context (cancelled or past its
// deadline) and by a closed Bucket are not passed to IsFailure: they
// say nothing about the store and count neither way. A store that hangs
// should be cut off by the client's own timeouts (which surface as
// transport errors), not by callers' deadlines.
func DefaultIsFailure(err error) bool {
	switch Classify(err) {
	case KindTransient, KindThrottled, KindAmbiguous, KindInternal:
		return true
	}
	return false
}

// Breaker returns a Bucket that passes the operations of b through a
// circuit breaker (github.com/sony/gobreaker/v2), the Go form of the
// seed's createCircuitBreaker(failureThreshold, recoveryTimeout).
//
// Closed, it counts consecutive failures (see BreakerSettings.IsFailure);
// at FailureThreshold it opens, and every operation fails at once with
// an error matching ErrCircuitOpen, without reaching b. After
// RecoveryTimeout it half-opens and lets HalfOpenRequests operations
// through: if they succeed it closes, if one fails it opens again.
// Not found, precondition failed, not modified, invalid keys and
// arguments and context cancellation never open it.
//
// A Get's outcome is that of the call that returns the Object; errors
// while reading its body are not counted. Close is passed through
// without the breaker. The returned Bucket implements storage.Unwrapper
// and storage.Backend; BreakerState reports its state.
func Breaker(b storage.Bucket, s BreakerSettings) storage.Bucket {
	br := &breakerBucket{inner: b, name: s.Name, timeout: s.RecoveryTimeout, onChange: s.OnStateChange}
	if br.name == "" {
		br.name = backendOf(b)
	}
	if br.timeout <= 0 {
		br.timeout = 60 * time.Second
	}
	threshold := uint32(5)
	if s.FailureThreshold > 0 {
		threshold = uint32(s.FailureThreshold)
	}
	isFailure := s.IsFailure
	if isFailure == nil {
		isFailure = DefaultIsFailure
	}
	br.cb = gobreaker.NewCircuitBreaker[any](gobreaker.Settings{
		Name:        br.name,
		MaxRequests: uint32(max(s.HalfOpenRequests, 0)),
		Timeout:     br.timeout,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= threshold },
		IsExcluded: func(err error) bool {
			return storage.IsContextError(err) || errors.Is(err, storage.ErrClosed)
		},
		IsSuccessful:  func(err error) bool { return err == nil || !isFailure(err) },
		OnStateChange: br.stateChanged,
	})
	return br
}

// BreakerState returns the state of the first circuit breaker in b's
// chain (b itself, then the Buckets it wraps), and whether there is one.
func BreakerState(b storage.Bucket) (State, bool) {
	br, ok := storage.Find[*breakerBucket](b)
	if !ok {
		return 0, false
	}
	return State(br.cb.State()), true
}

type breakerBucket struct {
	inner    storage.Bucket
	cb       *gobreaker.CircuitBreaker[any]
	name     string
	timeout  time.Duration
	onChange func(name string, from, to State)
	halfOpen atomic.Int64 // when an open breaker half-opens, Unix ns

	mu        sync.Mutex
	observers []func(name string, from, to State)
}

var (
	_ storage.Bucket    = (*breakerBucket)(nil)
	_ storage.Unwrapper = (*breakerBucket)(nil)
	_ storage.Backend   = (*breakerBucket)(nil)
)

// stateChanged is gobreaker's OnStateChange, called with its lock held.
func (br *breakerBucket) stateChanged(name string, from, to gobreaker.State) {
	if to == gobreaker.StateOpen {
		br.halfOpen.Store(time.Now().Add(br.timeout).UnixNano())
	}
	if br.onChange != nil {
		br.onChange(name, State(from), State(to))
	}
	br.mu.Lock()
	obs := br.observers
	br.mu.Unlock()
	for _, f := range obs {
		f(name, State(from), State(to))
	}
}

// observeStates adds f to the functions told of state changes, and
// tells it the current state as a change from that state to itself.
func (br *breakerBucket) observeStates(f func(name string, from, to State)) {
	br.mu.Lock()
	br.observers = append(br.observers, f)
	br.mu.Unlock()
	cur := State(br.cb.State())
	f(br.name, cur, cur)
}

// guard runs f if the breaker allows it, and reports f's outcome to the
// breaker (a panic counts as a failure).
func guard[T any](br *breakerBucket, op, key string, f func() (T, error)) (T, error) {
	v, err := br.cb.Execute(func() (any, error) { return f() })
	if err == gobreaker.ErrOpenState || err == gobreaker.ErrTooManyRequests {
		// Returned as is by gobreaker when it refuses: never from f,
		// whose errors come from a Bucket.
		var zero T
		return zero, br.refused(op, key, err)
	}
	t, _ := v.(T)
	return t, err
}

// refused returns the error of a call the breaker did not let through.
func (br *breakerBucket) refused(op, key string, cause error) error {
	e := &circuitOpenError{name: br.name, cause: cause}
	if errors.Is(cause, gobreaker.ErrOpenState) {
		e.retryAfter = max(time.Until(time.Unix(0, br.halfOpen.Load())), 0)
	}
	return storage.Wrap(op, key, nil, e)
}

// circuitOpenError matches ErrCircuitOpen and carries the time left
// until the breaker half-opens.
type circuitOpenError struct {
	name       string
	cause      error // gobreaker.ErrOpenState or ErrTooManyRequests
	retryAfter time.Duration
}

func (e *circuitOpenError) Error() string {
	if errors.Is(e.cause, gobreaker.ErrTooManyRequests) {
		return fmt.Sprintf("circuit breaker %q half-open: too many requests", e.name)
	}
	return fmt.Sprintf("circuit breaker %q open", e.name)
}

func (e *circuitOpenError) Is(target error) bool      { return target == ErrCircuitOpen }
func (e *circuitOpenError) Unwrap() error             { return e.cause }
func (e *circuitOpenError) RetryAfter() time.Duration { return e.retryAfter }

// Stat implements storage.Bucket.
func (br *breakerBucket) Stat(ctx context.Context, key string) (*storage.Attrs, error) {
	return guard(br, "stat", key, func() (*storage.Attrs, error) { return br.inner.Stat(ctx, key) })
}

// Get implements storage.Bucket.
func (br *breakerBucket) Get(ctx context.Context, key string, opts *storage.GetOptions) (*storage.Object, error) {
	return guard(br, "get", key, func() (*storage.Object, error) { return br.inner.Get(ctx, key, opts) })
}

// Put implements storage.Bucket.
func (br *breakerBucket) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	return guard(br, "put", key, func() (*storage.Attrs, error) { return br.inner.Put(ctx, key, r, opts) })
}

// Delete implements storage.Bucket.
func (br *breakerBucket) Delete(ctx context.Context, key string, opts *storage.DeleteOptions) error {
	_, err := guard(br, "delete", key, func() (struct{}, error) { return struct{}{}, br.inner.Delete(ctx, key, opts) })
	return err
}

// List implements storage.Bucket.
func (br *breakerBucket) List(ctx context.Context, opts *storage.ListOptions) (*storage.ListPage, error) {
	prefix := ""
	if opts != nil {
		prefix = opts.Prefix
	}
	return guard(br, "list", prefix, func() (*storage.ListPage, error) { return br.inner.List(ctx, opts) })
}

// Close closes the wrapped Bucket.
func (br *breakerBucket) Close() error { return br.inner.Close() }

// Unwrap returns the wrapped Bucket.
func (br *breakerBucket) Unwrap() storage.Bucket { return br.inner }

// Backend names the wrapped Bucket's backend.
func (br *breakerBucket) Backend() string { return backendOf(br.inner) }

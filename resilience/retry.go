package resilience

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"

	"github.com/r2kit/r2kit/storage"
)

// Retry returns a Bucket that retries the operations of b that are safe
// to repeat, under policy p, after errors for which Retryable reports
// true:
//
//   - Stat, List, and Get until it returns an Object (a failure while
//     reading the body is the caller's to handle);
//   - Delete without IfMatch;
//   - Put without IfMatch or IfNoneMatch whose body can be replayed: an
//     io.Seeker (such as *bytes.Reader, *strings.Reader or *os.File),
//     which is sought back to where it was before each new attempt, or a
//     *bytes.Buffer, which is read as a *bytes.Reader. Other bodies are
//     sent once.
//
// A conditional write (Put with IfMatch or IfNoneMatch, Delete with
// IfMatch) is never re-sent: its errors, including storage.ErrAmbiguous,
// are returned as they are, for the caller (the doc package) to resolve.
// Unconditional writes are idempotent, so they are also retried after
// storage.ErrAmbiguous; a retried Delete that finds the key gone after
// an attempt whose outcome was unknown reports success, since the key is
// gone either way.
//
// Between attempts Retry waits p.Backoff(n), or longer if the error asks
// for it (see RetryAfter). It stops when ctx is done or its deadline
// would pass during the wait, and then returns the last error. The
// returned Bucket implements storage.Unwrapper and storage.Backend.
// Retries are counted by Instrument when it wraps the result.
func Retry(b storage.Bucket, p Policy) storage.Bucket {
	return &retryBucket{inner: b, p: p}
}

type retryBucket struct {
	inner storage.Bucket
	p     Policy

	mu        sync.Mutex
	observers []func(op, key string, n int, err error)
}

var (
	_ storage.Bucket    = (*retryBucket)(nil)
	_ storage.Unwrapper = (*retryBucket)(nil)
	_ storage.Backend   = (*retryBucket)(nil)
)

// observeRetries adds f to the functions told of every attempt that is
// retried.
func (r *retryBucket) observeRetries(f func(op, key string, n int, err error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.observers = append(r.observers, f)
}

// onFail returns the observer of failed attempts of op on key.
func (r *retryBucket) onFail(op, key string) func(attempt) {
	return func(a attempt) {
		if !a.retry {
			return
		}
		r.mu.Lock()
		obs := r.observers
		r.mu.Unlock()
		for _, f := range obs {
			f(op, key, a.n, a.err)
		}
	}
}

// idempotent retries what Retryable accepts, and also ambiguous
// outcomes: for an unconditional write a second copy is harmless.
func idempotent(err error) bool {
	return Retryable(err) || errors.Is(err, storage.ErrAmbiguous)
}

func run[T any](ctx context.Context, r *retryBucket, op, key string, retryable func(error) bool, f func() (T, error)) (T, error) {
	return loop(ctx, r.p, Sleep, retryable, r.onFail(op, key), f)
}

// Stat implements storage.Bucket.
func (r *retryBucket) Stat(ctx context.Context, key string) (*storage.Attrs, error) {
	return run(ctx, r, "stat", key, Retryable, func() (*storage.Attrs, error) {
		return r.inner.Stat(ctx, key)
	})
}

// Get implements storage.Bucket.
func (r *retryBucket) Get(ctx context.Context, key string, opts *storage.GetOptions) (*storage.Object, error) {
	return run(ctx, r, "get", key, Retryable, func() (*storage.Object, error) {
		return r.inner.Get(ctx, key, opts)
	})
}

// List implements storage.Bucket.
func (r *retryBucket) List(ctx context.Context, opts *storage.ListOptions) (*storage.ListPage, error) {
	prefix := ""
	if opts != nil {
		prefix = opts.Prefix
	}
	return run(ctx, r, "list", prefix, Retryable, func() (*storage.ListPage, error) {
		return r.inner.List(ctx, opts)
	})
}

// Delete implements storage.Bucket.
func (r *retryBucket) Delete(ctx context.Context, key string, opts *storage.DeleteOptions) error {
	if opts != nil && opts.IfMatch != "" {
		return r.inner.Delete(ctx, key, opts)
	}
	unknown := false // an earlier attempt may have deleted the key
	_, err := run(ctx, r, "delete", key, idempotent, func() (struct{}, error) {
		err := r.inner.Delete(ctx, key, opts)
		if unknown && errors.Is(err, storage.ErrNotFound) {
			return struct{}{}, nil
		}
		unknown = unknown || errors.Is(err, storage.ErrAmbiguous)
		return struct{}{}, err
	})
	return err
}

// Put implements storage.Bucket.
func (r *retryBucket) Put(ctx context.Context, key string, body io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	if opts != nil && (opts.IfMatch != "" || opts.IfNoneMatch != "") {
		return r.inner.Put(ctx, key, body, opts)
	}
	if buf, ok := body.(*bytes.Buffer); ok {
		body = bytes.NewReader(buf.Next(buf.Len()))
	}
	s, ok := body.(io.Seeker)
	if !ok {
		return r.inner.Put(ctx, key, body, opts)
	}
	start, err := s.Seek(0, io.SeekCurrent)
	if err != nil {
		return r.inner.Put(ctx, key, body, opts)
	}
	first, broken := true, false
	var last error
	replayable := func(err error) bool { return !broken && idempotent(err) }
	return run(ctx, r, "put", key, replayable, func() (*storage.Attrs, error) {
		if !first {
			if _, err := s.Seek(start, io.SeekStart); err != nil {
				broken = true
				return nil, last // cannot replay: report the failure we had
			}
		}
		first = false
		a, err := r.inner.Put(ctx, key, body, opts)
		last = err
		return a, err
	})
}

// Close closes the wrapped Bucket.
func (r *retryBucket) Close() error { return r.inner.Close() }

// Unwrap returns the wrapped Bucket.
func (r *retryBucket) Unwrap() storage.Bucket { return r.inner }

// Backend names the wrapped Bucket's backend.
func (r *retryBucket) Backend() string { return backendOf(r.inner) }

// backendOf names the backend at the bottom of b's chain, or "unknown".
func backendOf(b storage.Bucket) string {
	if be, ok := storage.Find[storage.Backend](b); ok {
		return be.Backend()
	}
	return "unknown"
}

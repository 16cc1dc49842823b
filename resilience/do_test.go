package resilience_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
)

var fast = resilience.Policy{MaxRetries: 5, Base: time.Millisecond, Max: 4 * time.Millisecond}

// flaky returns an operation that fails with errs in turn, then
// succeeds with "ok", and counts its calls.
func flaky(errs ...error) (op func(context.Context) (string, error), calls *int) {
	n := 0
	return func(context.Context) (string, error) {
		n++
		if n <= len(errs) {
			return "", errs[n-1]
		}
		return "ok", nil
	}, &n
}

var (
	errTransient = storage.Wrap("get", "a/b.json", storage.ErrTransient, errors.New("connection reset"))
	errNotFound  = storage.Wrap("get", "a/b.json", storage.ErrNotFound, nil)
)

func TestDoFailFast(t *testing.T) {
	op, calls := flaky(errTransient)
	if _, err := resilience.Do(t.Context(), op, nil); !errors.Is(err, errTransient) || *calls != 1 {
		t.Fatalf("nil config: err = %v after %d calls; want the error after 1", err, *calls)
	}
	op, calls = flaky(errTransient)
	if _, err := resilience.Do(t.Context(), op, &resilience.Config[string]{}); !errors.Is(err, errTransient) || *calls != 1 {
		t.Fatalf("zero config: err = %v after %d calls; want the error after 1", err, *calls)
	}
}

func TestDoRetry(t *testing.T) {
	cfg := &resilience.Config[string]{Retry: fast}
	for _, tc := range []struct {
		name  string
		errs  []error
		want  error
		calls int
	}{
		{"succeeds after transient failures", []error{errTransient, errTransient}, nil, 3},
		{"not found is not retried", []error{errNotFound}, storage.ErrNotFound, 1},
		{"retries run out", []error{errTransient, errTransient, errTransient, errTransient, errTransient, errTransient}, storage.ErrTransient, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op, calls := flaky(tc.errs...)
			v, err := resilience.Do(t.Context(), op, cfg)
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) || *calls != tc.calls {
				t.Fatalf("Do = %q, %v after %d calls; want %v after %d", v, err, *calls, tc.want, tc.calls)
			}
			if err == nil && v != "ok" {
				t.Fatalf("value = %q, want ok", v)
			}
		})
	}
	t.Run("Sleep", func(t *testing.T) {
		var waits []time.Duration
		op, calls := flaky(errTransient, errTransient)
		c := &resilience.Config[string]{
			Retry: resilience.Policy{MaxRetries: 2, Base: time.Hour, Max: time.Hour},
			Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
		}
		if v, err := resilience.Do(t.Context(), op, c); err != nil || v != "ok" || *calls != 3 || len(waits) != 2 {
			t.Fatalf("Do = %q, %v after %d calls and %d waits; want ok after 3 calls and 2 waits", v, err, *calls, len(waits))
		}
		for _, d := range waits {
			if d < 0 || d > time.Hour {
				t.Fatalf("waited %v, want within the policy's backoff", d)
			}
		}
	})
	t.Run("RetryIf", func(t *testing.T) {
		op, calls := flaky(errNotFound, errNotFound)
		c := &resilience.Config[string]{Retry: fast, RetryIf: func(err error) bool { return errors.Is(err, storage.ErrNotFound) }}
		if v, err := resilience.Do(t.Context(), op, c); err != nil || v != "ok" || *calls != 3 {
			t.Fatalf("Do = %q, %v after %d calls; want ok after 3", v, err, *calls)
		}
	})
}

// Fallback values are returned only when the operation failed.
func TestDoFallback(t *testing.T) {
	fellBack := 0
	cfg := &resilience.Config[string]{
		Retry: resilience.Policy{MaxRetries: 1, Base: time.Millisecond},
		Fallback: func(_ context.Context, err error) (string, error) {
			fellBack++
			if errors.Is(err, storage.ErrNotFound) {
				return "default", nil
			}
			return "", err // decline
		},
	}
	ctx := t.Context()

	op, _ := flaky()
	if v, err := resilience.Do(ctx, op, cfg); v != "ok" || err != nil || fellBack != 0 {
		t.Fatalf("success: Do = %q, %v, fallback called %d times; want ok, no fallback", v, err, fellBack)
	}
	op, _ = flaky(errTransient)
	if v, err := resilience.Do(ctx, op, cfg); v != "ok" || err != nil || fellBack != 0 {
		t.Fatalf("success after a retry: Do = %q, %v, fallback called %d times; want ok, no fallback", v, err, fellBack)
	}
	op, calls := flaky(errNotFound)
	if v, err := resilience.Do(ctx, op, cfg); v != "default" || err != nil || fellBack != 1 || *calls != 1 {
		t.Fatalf("failure: Do = %q, %v, fallback called %d times, %d calls; want the fallback value once", v, err, fellBack, *calls)
	}
	op, calls = flaky(errTransient, errTransient)
	if _, err := resilience.Do(ctx, op, cfg); !errors.Is(err, storage.ErrTransient) || fellBack != 2 || *calls != 2 {
		t.Fatalf("declined: err = %v, fallback called %d times, %d calls; want the last error after 2 calls", err, fellBack, *calls)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	op, _ = flaky(storage.Wrap("get", "k", nil, context.Canceled))
	if _, err := resilience.Do(cctx, op, cfg); !errors.Is(err, context.Canceled) || fellBack != 2 {
		t.Fatalf("cancelled: err = %v, fallback called %d times; want the context error and no fallback", err, fellBack)
	}
}

// A retry waits at least what the error asks for, and is not attempted
// when the context's deadline would pass first.
func TestDoHonoursRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := storage.Wrap("put", "k", storage.ErrTransient, retryAfterError{3 * time.Second})
		op, calls := flaky(slow)
		start := time.Now()
		v, err := resilience.Do(t.Context(), op, &resilience.Config[string]{Retry: fast})
		if err != nil || v != "ok" || *calls != 2 {
			t.Fatalf("Do = %q, %v after %d calls; want ok after 2", v, err, *calls)
		}
		if waited := time.Since(start); waited < 3*time.Second {
			t.Fatalf("retried after %v, want at least 3s", waited)
		}

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		op, calls = flaky(slow)
		start = time.Now()
		if _, err := resilience.Do(ctx, op, &resilience.Config[string]{Retry: fast}); !errors.Is(err, storage.ErrTransient) || *calls != 1 {
			t.Fatalf("err = %v after %d calls; want the error after 1 (the deadline comes first)", err, *calls)
		}
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("waited %v for a retry that could not happen", waited)
		}
	})
}

// recorder is a slog.Handler that keeps the records.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec)
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

func attrs(rec slog.Record) map[string]string {
	m := map[string]string{"level": rec.Level.String()}
	rec.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	return m
}

// The logger sees every failure with its kind, operation and key.
func TestDoLogger(t *testing.T) {
	rec := &recorder{}
	cfg := &resilience.Config[string]{Retry: fast, Logger: slog.New(rec)}
	op, _ := flaky(errTransient, errNotFound)
	if _, err := resilience.Do(t.Context(), op, cfg); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("err = %v, want not found", err)
	}
	cfg.Fallback = func(context.Context, error) (string, error) { return "default", nil }
	op, _ = flaky(errNotFound)
	if v, _ := resilience.Do(t.Context(), op, cfg); v != "default" {
		t.Fatalf("value = %q, want the fallback's", v)
	}
	want := []map[string]string{
		{"level": "WARN", "kind": "transient", "op": "get", "key": "a/b.json", "attempt": "1"},
		{"level": "ERROR", "kind": "not_found", "op": "get", "key": "a/b.json", "attempt": "2"},
		{"level": "WARN", "kind": "not_found", "op": "get", "key": "a/b.json", "attempt": "1"},
	}
	if len(rec.records) != len(want) {
		t.Fatalf("%d records, want %d", len(rec.records), len(want))
	}
	for i, w := range want {
		got := attrs(rec.records[i])
		for k, v := range w {
			if got[k] != v {
				t.Errorf("record %d: %s = %q, want %q (record %v)", i, k, got[k], v, got)
			}
		}
		if got["error"] == "" {
			t.Errorf("record %d has no error attribute", i)
		}
	}
	if _, ok := attrs(rec.records[0])["retry_in"]; !ok {
		t.Error("the retried failure has no retry_in")
	}
}

func TestPolicy(t *testing.T) {
	p := resilience.Policy{MaxRetries: 3, Base: 10 * time.Millisecond, Max: 40 * time.Millisecond}
	for n, ceil := range map[int]time.Duration{1: 10 * time.Millisecond, 2: 20 * time.Millisecond, 3: 40 * time.Millisecond, 9: 40 * time.Millisecond} {
		for range 100 {
			if d := p.Backoff(n); d < 0 || d > ceil {
				t.Fatalf("Backoff(%d) = %v, want within [0, %v]", n, d, ceil)
			}
		}
	}
	if !p.Allows(3) || p.Allows(4) || !resilience.Persistent.Allows(1<<30) || (resilience.Policy{}).Allows(1) {
		t.Fatal("Allows disagrees with MaxRetries")
	}
	if d := (resilience.Policy{MaxRetries: -1, Base: time.Nanosecond}).Backoff(200); d < 0 {
		t.Fatalf("Backoff without Max overflowed: %v", d)
	}
}

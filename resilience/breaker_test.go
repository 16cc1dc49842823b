package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/faultstore"
	"github.com/r2kit/r2kit/storage/memstore"
)

// breakerFixture is a Breaker over a faultstore whose operations on keys
// under "bad/" always fail and whose others succeed.
type breakerFixture struct {
	inner       *memstore.Bucket
	fs          *faultstore.Bucket
	b           storage.Bucket
	mu          sync.Mutex
	transitions []string
}

const recovery = 10 * time.Second

func newBreakerFixture(t *testing.T, halfOpen int) *breakerFixture {
	f := &breakerFixture{inner: memstore.New()}
	put(t, f.inner, "good/x", "x")
	f.fs = faultstore.New(f.inner, 1, faultstore.Rule{Kind: faultstore.Fail, Probability: 1, KeyPrefix: "bad/"})
	f.b = resilience.Breaker(f.fs, resilience.BreakerSettings{
		Name:             "test",
		FailureThreshold: 3,
		RecoveryTimeout:  recovery,
		HalfOpenRequests: halfOpen,
		OnStateChange: func(name string, from, to resilience.State) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.transitions = append(f.transitions, fmt.Sprintf("%s: %v->%v", name, from, to))
		},
	})
	return f
}

func (f *breakerFixture) state(t *testing.T) resilience.State {
	t.Helper()
	s, ok := resilience.BreakerState(f.b)
	if !ok {
		t.Fatal("BreakerState found no breaker")
	}
	return s
}

func (f *breakerFixture) calls() int {
	n := 0
	for _, c := range f.fs.Stats().Calls {
		n += c
	}
	return n
}

func (f *breakerFixture) fail(t *testing.T, n int) {
	t.Helper()
	for range n {
		if _, err := f.b.Stat(t.Context(), "bad/x"); !errors.Is(err, storage.ErrTransient) {
			t.Fatalf("stat bad/x: err = %v, want the injected fault", err)
		}
	}
}

// allOps runs every operation once, on good keys.
func allOps(ctx context.Context, b storage.Bucket) []error {
	var errs []error
	_, err := b.Stat(ctx, "good/x")
	errs = append(errs, err)
	obj, err := b.Get(ctx, "good/x", nil)
	if err == nil {
		obj.Body.Close()
	}
	errs = append(errs, err)
	_, err = b.Put(ctx, "good/y", strings.NewReader("y"), nil)
	errs = append(errs, err)
	errs = append(errs, b.Delete(ctx, "good/y", nil))
	_, err = b.List(ctx, &storage.ListOptions{Prefix: "good/"})
	return append(errs, err)
}

// The breaker opens after the threshold, fails fast while open without
// reaching the inner bucket, half-opens after the recovery timeout and
// closes on success.
func TestBreakerLifecycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newBreakerFixture(t, 1)
		ctx := t.Context()
		f.fail(t, 2)
		if s := f.state(t); s != resilience.StateClosed {
			t.Fatalf("after 2 failures: %v, want closed", s)
		}
		f.fail(t, 1)
		if s := f.state(t); s != resilience.StateOpen {
			t.Fatalf("after 3 failures: %v, want open", s)
		}

		time.Sleep(recovery / 4)
		before := f.calls()
		for range 10 {
			for i, err := range allOps(ctx, f.b) {
				if !errors.Is(err, resilience.ErrCircuitOpen) {
					t.Fatalf("op %d while open: err = %v, want ErrCircuitOpen", i, err)
				}
				var se *storage.Error
				if !errors.As(err, &se) || se.Op == "" || !strings.HasPrefix(se.Key, "good/") {
					t.Fatalf("op %d while open: err = %#v, want a *storage.Error with op and key", i, err)
				}
				if errors.Is(err, storage.ErrTransient) || errors.Is(err, storage.ErrAmbiguous) || resilience.Retryable(err) {
					t.Fatalf("op %d while open: %v is transient, ambiguous or retryable", i, err)
				}
				if d, ok := resilience.RetryAfter(err); !ok || d != recovery*3/4 {
					t.Fatalf("op %d while open: RetryAfter = %v, %v; want %v", i, d, ok, recovery*3/4)
				}
			}
		}
		if n := f.calls() - before; n != 0 {
			t.Fatalf("%d calls reached the inner bucket while the breaker was open, want 0", n)
		}

		time.Sleep(recovery * 3 / 4)
		if s := f.state(t); s != resilience.StateOpen {
			t.Fatalf("at the recovery timeout: %v, want still open", s)
		}
		time.Sleep(time.Millisecond)
		if s := f.state(t); s != resilience.StateHalfOpen {
			t.Fatalf("after the recovery timeout: %v, want half-open", s)
		}
		if _, err := f.b.Stat(ctx, "good/x"); err != nil {
			t.Fatalf("probe while half-open: %v", err)
		}
		if s := f.state(t); s != resilience.StateClosed {
			t.Fatalf("after a successful probe: %v, want closed", s)
		}
		for i, err := range allOps(ctx, f.b) {
			if err != nil {
				t.Fatalf("op %d after closing: %v", i, err)
			}
		}

		// A failed probe opens it again.
		f.fail(t, 3)
		time.Sleep(recovery + time.Millisecond)
		f.fail(t, 1)
		if s := f.state(t); s != resilience.StateOpen {
			t.Fatalf("after a failed probe: %v, want open", s)
		}
		want := []string{
			"test: closed->open", "test: open->half-open", "test: half-open->closed",
			"test: closed->open", "test: open->half-open", "test: half-open->open",
		}
		if got := strings.Join(f.transitions, ", "); got != strings.Join(want, ", ") {
			t.Fatalf("transitions:\n got %s\nwant %s", got, strings.Join(want, ", "))
		}
	})
}

// gated blocks Stat on keys under "slow/" until release is closed.
type gated struct {
	storage.Bucket
	release chan struct{}
}

func (g *gated) Stat(ctx context.Context, key string) (*storage.Attrs, error) {
	if strings.HasPrefix(key, "slow/") {
		<-g.release
		return &storage.Attrs{Key: key}, nil
	}
	return g.Bucket.Stat(ctx, key)
}

// A half-open breaker lets HalfOpenRequests calls through at once, and
// closes after that many successes.
func TestBreakerHalfOpenRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inner := faultstore.New(memstore.New(), 1, faultstore.Rule{Kind: faultstore.Fail, Probability: 1, KeyPrefix: "bad/"})
		g := &gated{Bucket: inner, release: make(chan struct{})}
		b := resilience.Breaker(g, resilience.BreakerSettings{FailureThreshold: 1, RecoveryTimeout: recovery, HalfOpenRequests: 2})
		ctx := t.Context()
		if _, err := b.Stat(ctx, "bad/x"); !errors.Is(err, storage.ErrTransient) {
			t.Fatalf("err = %v, want the fault", err)
		}
		time.Sleep(recovery + time.Millisecond)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() {
				if _, err := b.Stat(ctx, fmt.Sprintf("slow/%d", i)); err != nil {
					t.Errorf("probe %d: %v", i, err)
				}
			})
		}
		synctest.Wait()
		_, err := b.Stat(ctx, "slow/2")
		if !errors.Is(err, resilience.ErrCircuitOpen) || !strings.Contains(err.Error(), "half-open") {
			t.Fatalf("third call while half-open: err = %v, want ErrCircuitOpen (too many requests)", err)
		}
		if _, ok := resilience.RetryAfter(err); ok {
			t.Fatal("a half-open refusal claims to know when to retry")
		}
		close(g.release)
		wg.Wait()
		if s, _ := resilience.BreakerState(b); s != resilience.StateClosed {
			t.Fatalf("after 2 successful probes: %v, want closed", s)
		}
	})
}

// Answers never open the breaker: not found, precondition failed, not
// modified, invalid keys and arguments, and cancelled contexts. Answers
// count as successes, cancellations not at all.
func TestBreakerIgnoresAnswers(t *testing.T) {
	f := newBreakerFixture(t, 1)
	ctx := t.Context()
	cur := put(t, f.inner, "good/cur", "v")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	answers := map[string]func() error{
		"not found": func() error { _, err := f.b.Stat(ctx, "good/missing"); return err },
		"get not found": func() error {
			_, err := f.b.Get(ctx, "good/missing", nil)
			return err
		},
		"delete not found": func() error { return f.b.Delete(ctx, "good/missing", nil) },
		"precondition failed": func() error {
			_, err := f.b.Put(ctx, "good/cur", strings.NewReader("w"), &storage.PutOptions{IfNoneMatch: "*"})
			return err
		},
		"not modified": func() error {
			_, err := f.b.Get(ctx, "good/cur", &storage.GetOptions{IfNoneMatch: cur.ETag})
			return err
		},
		"invalid key": func() error { _, err := f.b.Stat(ctx, ""); return err },
		"invalid argument": func() error {
			_, err := f.b.Put(ctx, "good/z", strings.NewReader("z"), &storage.PutOptions{IfNoneMatch: "x"})
			return err
		},
		"cancelled": func() error { _, err := f.b.Stat(cancelled, "good/x"); return err },
	}
	for name, call := range answers {
		for i := range 200 {
			if err := call(); err == nil || errors.Is(err, resilience.ErrCircuitOpen) {
				t.Fatalf("%s #%d: err = %v, want the answer", name, i, err)
			}
		}
		if s := f.state(t); s != resilience.StateClosed {
			t.Fatalf("after 200 %s answers: %v, want closed", name, s)
		}
	}

	// Answers reset the count of consecutive failures; cancellations do not.
	f.fail(t, 2)
	answers["not found"]()
	f.fail(t, 2)
	if s := f.state(t); s != resilience.StateClosed {
		t.Fatalf("fail, fail, not found, fail, fail: %v, want closed", s)
	}
	answers["cancelled"]()
	f.fail(t, 1)
	if s := f.state(t); s != resilience.StateOpen {
		t.Fatalf("fail, fail, cancelled, fail: %v, want open", s)
	}
}

func TestBreakerWrapper(t *testing.T) {
	inner := memstore.New()
	b := resilience.Breaker(inner, resilience.BreakerSettings{})
	if u, ok := b.(storage.Unwrapper); !ok || u.Unwrap() != inner {
		t.Fatal("Breaker does not unwrap to the inner bucket")
	}
	if be, ok := b.(storage.Backend); !ok || be.Backend() != "mem" {
		t.Fatal("Breaker does not name the inner backend")
	}
	if _, ok := resilience.BreakerState(inner); ok {
		t.Fatal("BreakerState found a breaker in a plain bucket")
	}
	if s, ok := resilience.BreakerState(resilience.Retry(b, resilience.Policy{})); !ok || s != resilience.StateClosed {
		t.Fatalf("BreakerState through Retry = %v, %v; want closed, true", s, ok)
	}
}

package resilience_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"testing/synctest"
	"time"

	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/faultstore"
	"github.com/r2kit/r2kit/storage/memstore"
)

// patient retries up to 30 times: at 50% failures a read fails for good
// with probability 2^-31.
var patient = resilience.Policy{MaxRetries: 30, Base: time.Millisecond, Max: 50 * time.Millisecond}

func put(t *testing.T, b storage.Bucket, key, body string) *storage.Attrs {
	t.Helper()
	a, err := b.Put(t.Context(), key, strings.NewReader(body), nil)
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return a
}

func readAll(t *testing.T, b storage.Bucket, key string) string {
	t.Helper()
	obj, err := b.Get(t.Context(), key, nil)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer obj.Body.Close()
	data, err := io.ReadAll(obj.Body)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return string(data)
}

// A retried read survives 50% transient failures.
func TestRetryReadsSurviveHalfFailing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inner := memstore.New()
		for i := range 10 {
			put(t, inner, fmt.Sprintf("k/%d", i), fmt.Sprintf("value %d", i))
		}
		fs := faultstore.New(inner, 42,
			faultstore.Rule{Kind: faultstore.Fail, Probability: 0.25},
			faultstore.Rule{Kind: faultstore.LostResponse, Probability: 0.25 / 0.75},
		)
		b := resilience.Retry(fs, patient)
		ctx := t.Context()
		for round := range 20 {
			for i := range 10 {
				key := fmt.Sprintf("k/%d", i)
				if got, want := readAll(t, b, key), fmt.Sprintf("value %d", i); got != want {
					t.Fatalf("get %s = %q, want %q", key, got, want)
				}
				if a, err := b.Stat(ctx, key); err != nil || a.Key != key {
					t.Fatalf("stat %s = %+v, %v", key, a, err)
				}
			}
			page, err := b.List(ctx, &storage.ListOptions{Prefix: "k/"})
			if err != nil || len(page.Objects) != 10 {
				t.Fatalf("round %d: list = %v, %v; want 10 objects", round, page, err)
			}
		}
		st := fs.Stats()
		calls := st.Calls[faultstore.OpGet] + st.Calls[faultstore.OpStat] + st.Calls[faultstore.OpList]
		faults := st.Count(faultstore.Fail, "") + st.Count(faultstore.LostResponse, "")
		t.Logf("%d read calls for 420 reads, %d faults", calls, faults)
		if ratio := float64(faults) / float64(calls); ratio < 0.4 || ratio > 0.6 {
			t.Fatalf("fault ratio %.2f, want about 0.5", ratio)
		}
		if calls != 420+faults {
			t.Fatalf("%d calls reached the faulty bucket, want one per read plus one per fault: %d", calls, 420+faults)
		}
	})
}

// Retry never re-sends a conditional write.
func TestRetryNeverResendsConditionalWrites(t *testing.T) {
	for _, kind := range []faultstore.Kind{faultstore.Fail, faultstore.LostResponse, faultstore.ServerError} {
		t.Run(kind.String(), func(t *testing.T) {
			inner := memstore.New()
			cur := put(t, inner, "k", "v1")
			fs := faultstore.New(inner, 1, faultstore.Rule{Kind: kind, Probability: 1, Ops: []string{faultstore.OpPut, faultstore.OpDelete}})
			b := resilience.Retry(fs, patient)
			ctx := t.Context()
			for key, opts := range map[string]*storage.PutOptions{"k": {IfMatch: cur.ETag}, "k2": {IfNoneMatch: "*"}} {
				before := fs.Stats().Calls[faultstore.OpPut]
				_, err := b.Put(ctx, key, strings.NewReader("v2"), opts)
				if err == nil || !errors.Is(err, storage.ErrTransient) && !errors.Is(err, storage.ErrAmbiguous) {
					t.Fatalf("conditional put %+v: err = %v, want the injected fault", opts, err)
				}
				if n := fs.Stats().Calls[faultstore.OpPut] - before; n != 1 {
					t.Fatalf("conditional put %+v reached the bucket %d times, want 1", opts, n)
				}
			}
			cur, err := inner.Stat(ctx, "k")
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Delete(ctx, "k", &storage.DeleteOptions{IfMatch: cur.ETag}); err == nil {
				t.Fatal("conditional delete: no error, want the injected fault")
			}
			if n := fs.Stats().Calls[faultstore.OpDelete]; n != 1 {
				t.Fatalf("conditional delete reached the bucket %d times, want 1", n)
			}
		})
	}
}

// A body that cannot be replayed is sent once.
func TestRetryDoesNotReplayStreams(t *testing.T) {
	inner := memstore.New()
	fs := faultstore.New(inner, 1, faultstore.Rule{Kind: faultstore.Fail, Probability: 1, Ops: []string{faultstore.OpPut}})
	b := resilience.Retry(fs, patient)
	_, err := b.Put(t.Context(), "k", iotest.OneByteReader(strings.NewReader("stream")), nil)
	if !errors.Is(err, storage.ErrTransient) || fs.Stats().Calls[faultstore.OpPut] != 1 {
		t.Fatalf("err = %v after %d puts; want the fault after 1", err, fs.Stats().Calls[faultstore.OpPut])
	}
}

// Unconditional Puts with seekable bodies are replayed from where the
// body was, also after a lost response consumed it.
func TestRetryReplaysSeekableBodies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inner := memstore.New()
		fs := faultstore.New(inner, 3,
			faultstore.Rule{Kind: faultstore.LostResponse, Probability: 0.5, Ops: []string{faultstore.OpPut}},
		)
		b := resilience.Retry(fs, patient)
		ctx := t.Context()
		bodies := map[string]func(s string) io.Reader{
			"strings.Reader": func(s string) io.Reader { return strings.NewReader(s) },
			"bytes.Reader":   func(s string) io.Reader { return bytes.NewReader([]byte(s)) },
			"bytes.Buffer":   func(s string) io.Reader { return bytes.NewBufferString(s) },
			"offset": func(s string) io.Reader {
				r := strings.NewReader("skip:" + s)
				if _, err := io.CopyN(io.Discard, r, 5); err != nil {
					panic(err)
				}
				return r
			},
		}
		for name, mk := range bodies {
			for i := range 20 {
				key := fmt.Sprintf("%s/%d", name, i)
				want := strings.Repeat(key, 100)
				if _, err := b.Put(ctx, key, mk(want), nil); err != nil {
					t.Fatalf("put %s: %v", key, err)
				}
				if got := readAll(t, inner, key); got != want {
					t.Fatalf("%s stored %d bytes %.20q..., want %d bytes %.20q...", key, len(got), got, len(want), want)
				}
			}
		}
		if st := fs.Stats(); st.Count(faultstore.LostResponse, faultstore.OpPut) < 20 {
			t.Fatalf("only %d lost responses: the test did not exercise replays", st.Count(faultstore.LostResponse, faultstore.OpPut))
		}
	})
}

// An unconditional Delete is retried; if an earlier attempt may have
// deleted the key, not found means success.
func TestRetryDelete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inner := memstore.New()
		put(t, inner, "k", "v")
		fs := faultstore.New(inner, 1, faultstore.Rule{Kind: faultstore.LostResponse, Probability: 1, Ops: []string{faultstore.OpDelete}})
		b := resilience.Retry(fs, patient)
		if err := b.Delete(t.Context(), "k", nil); err != nil {
			t.Fatalf("delete after a lost response: %v", err)
		}
		if n := fs.Stats().Calls[faultstore.OpDelete]; n != 2 {
			t.Fatalf("%d delete calls, want 2", n)
		}
		if err := b.Delete(t.Context(), "k", nil); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("delete of a missing key: err = %v, want not found", err)
		}
	})
}

// scripted is a Bucket whose Stat returns the errors of a script in
// turn, then succeeds.
type scripted struct {
	storage.Bucket
	errs  []error
	calls int
}

func (s *scripted) Stat(ctx context.Context, key string) (*storage.Attrs, error) {
	s.calls++
	if s.calls <= len(s.errs) {
		return nil, s.errs[s.calls-1]
	}
	return &storage.Attrs{Key: key}, nil
}

func TestRetryStops(t *testing.T) {
	transient := storage.Wrap("stat", "k", storage.ErrTransient, errors.New("reset"))
	for _, tc := range []struct {
		name  string
		p     resilience.Policy
		errs  []error
		calls int
	}{
		{"not found", patient, []error{storage.Wrap("stat", "k", storage.ErrNotFound, nil), transient}, 1},
		{"ambiguous", patient, []error{storage.Wrap("stat", "k", storage.ErrAmbiguous, nil), transient}, 1},
		{"circuit open", patient, []error{fmt.Errorf("stat k: %w", resilience.ErrCircuitOpen)}, 1},
		{"zero policy", resilience.Policy{}, []error{transient}, 1},
		{"out of retries", resilience.Policy{MaxRetries: 2, Base: time.Millisecond}, []error{transient, transient, transient, transient}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &scripted{Bucket: memstore.New(), errs: tc.errs}
				if _, err := resilience.Retry(s, tc.p).Stat(t.Context(), "k"); err == nil || s.calls != tc.calls {
					t.Fatalf("err = %v after %d calls, want an error after %d", err, s.calls, tc.calls)
				}
			})
		})
	}
	t.Run("Retry-After", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := &scripted{Bucket: memstore.New(), errs: []error{storage.Wrap("stat", "k", storage.ErrTransient, retryAfterError{5 * time.Second})}}
			start := time.Now()
			if _, err := resilience.Retry(s, patient).Stat(t.Context(), "k"); err != nil || s.calls != 2 {
				t.Fatalf("err = %v after %d calls, want success after 2", err, s.calls)
			}
			if d := time.Since(start); d < 5*time.Second {
				t.Fatalf("retried after %v, want at least the 5s asked for", d)
			}
		})
	})
	t.Run("cancelled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			s := &scripted{Bucket: memstore.New(), errs: []error{transient, transient, transient}}
			go func() {
				time.Sleep(time.Minute)
				cancel()
			}()
			_, err := resilience.Retry(s, resilience.Policy{MaxRetries: -1, Base: time.Hour, Max: time.Hour}).Stat(ctx, "k")
			if !errors.Is(err, storage.ErrTransient) || s.calls > 2 {
				t.Fatalf("err = %v after %d calls; want the last error after at most 2", err, s.calls)
			}
		})
	})
}

func TestRetryWrapper(t *testing.T) {
	inner := memstore.New()
	b := resilience.Retry(inner, patient)
	if u, ok := b.(storage.Unwrapper); !ok || u.Unwrap() != inner {
		t.Fatal("Retry does not unwrap to the inner bucket")
	}
	if be, ok := b.(storage.Backend); !ok || be.Backend() != "mem" {
		t.Fatal("Retry does not name the inner backend")
	}
}

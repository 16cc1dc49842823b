package doc_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/faultstore"
	"github.com/r2kit/r2kit/storage/memstore"
)

type counter struct {
	N int `json:"n"`
}

type account struct {
	Name    string `json:"name"`
	Balance int    `json:"balance"`
}

func (a account) Validate() error {
	if a.Balance < 0 {
		return fieldError{"balance", fmt.Errorf("must not be negative, is %d", a.Balance)}
	}
	return nil
}

type fieldError struct {
	field string
	err   error
}

func (e fieldError) Error() string { return e.field + ": " + e.err.Error() }
func (e fieldError) Field() string { return e.field }

func incr(c *counter, _ bool) (counter, error) { return counter{c.N + 1}, nil }

// counting wraps a bucket to count calls per operation.
func counting(b storage.Bucket) *faultstore.Bucket { return faultstore.New(b, 1) }

func TestGetPutPutIfDelete(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		s := doc.New(newBucket(t), nil)
		const key = "accounts/a.json"

		if _, err := doc.Get[account](ctx, s, key); !errors.Is(err, doc.ErrNotFound) {
			t.Fatalf("Get missing: err = %v, want ErrNotFound", err)
		}
		d, err := doc.PutIf(ctx, s, key, account{Name: "a", Balance: 1}, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := doc.PutIf(ctx, s, key, account{Name: "b"}, "", nil); !errors.Is(err, doc.ErrConflict) {
			t.Fatalf("second create: err = %v, want ErrConflict", err)
		}
		got, err := doc.Get[account](ctx, s, key)
		if err != nil || got.Value != (account{Name: "a", Balance: 1}) || got.ETag != d.ETag {
			t.Fatalf("Get = %+v, %v; want a/1 with etag %s", got, err, d.ETag)
		}
		d2, err := doc.PutIf(ctx, s, key, account{Name: "a", Balance: 2}, d.ETag, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := doc.PutIf(ctx, s, key, account{Name: "stale"}, d.ETag, nil); !errors.Is(err, doc.ErrConflict) {
			t.Fatalf("stale PutIf: err = %v, want ErrConflict", err)
		}
		if _, err := doc.Put(ctx, s, key, account{Name: "bad", Balance: -1}, nil); !errors.Is(err, doc.ErrValidation) {
			t.Fatalf("invalid Put: err = %v, want ErrValidation", err)
		} else if ve := (*doc.ValidationError)(nil); !errors.As(err, &ve) || ve.Field != "balance" {
			t.Fatalf("invalid Put: err = %v, want a ValidationError naming balance", err)
		}
		if got, _ := doc.Get[account](ctx, s, key); got.Value.Balance != 2 {
			t.Fatalf("after rejected writes: %+v, want balance 2", got.Value)
		}
		if ok, err := doc.Exists(ctx, s, key); !ok || err != nil {
			t.Fatalf("Exists = %v, %v", ok, err)
		}
		if err := doc.Delete(ctx, s, key, d.ETag); !errors.Is(err, doc.ErrConflict) {
			t.Fatalf("stale Delete: err = %v, want ErrConflict", err)
		}
		if err := doc.Delete(ctx, s, key, d2.ETag); err != nil {
			t.Fatal(err)
		}
		if ok, err := doc.Exists(ctx, s, key); ok || err != nil {
			t.Fatalf("Exists after delete = %v, %v", ok, err)
		}
		if _, err := doc.Get[account](ctx, s, "../bad\x00key"); !errors.Is(err, storage.ErrInvalidKey) {
			t.Fatalf("Get invalid key: err = %v, want ErrInvalidKey", err)
		}
	})
}

func TestGetCorruptDocument(t *testing.T) {
	b := memstore.New()
	ctx := t.Context()
	if _, err := b.Put(ctx, "x.json", strings.NewReader("{not json"), nil); err != nil {
		t.Fatal(err)
	}
	_, err := doc.Get[counter](ctx, doc.New(b, nil), "x.json")
	if !errors.Is(err, doc.ErrInternal) {
		t.Fatalf("err = %v, want ErrInternal", err)
	}
	_, err = doc.Update(ctx, doc.New(b, nil), "x.json", incr, nil)
	if !errors.Is(err, doc.ErrInternal) {
		t.Fatalf("Update: err = %v, want ErrInternal", err)
	}
}

// TestCounterExact: 32 goroutines x 50 Updates of one counter end at
// exactly 1600, with group commit on and off, on every backend.
func TestCounterExact(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		for _, group := range []bool{true, false} {
			t.Run(fmt.Sprintf("group=%v", group), func(t *testing.T) {
				b := counting(newBucket(t))
				s := doc.New(b, &doc.Options{DisableGroupCommit: !group, Policy: doc.Persistent})
				const workers, each = 32, 50
				var ok atomic.Int64
				runParallel(t, workers, func(int) error {
					for range each {
						if _, err := doc.Update(t.Context(), s, "counter.json", incr, nil); err != nil {
							return err
						}
						ok.Add(1)
					}
					return nil
				})
				got, err := doc.Get[counter](t.Context(), s, "counter.json")
				if err != nil {
					t.Fatal(err)
				}
				if got.Value.N != workers*each || ok.Load() != workers*each {
					t.Fatalf("counter = %d after %d successful Updates, want %d", got.Value.N, ok.Load(), workers*each)
				}
				st := b.Stats()
				t.Logf("puts=%d gets=%d stats=%d for %d updates", st.Calls["put"], st.Calls["get"], st.Calls["stat"], workers*each)
			})
		}
	})
}

// runParallel runs fn(i) for i in [0,n) at once and fails t on any error.
func runParallel(t *testing.T, n int, fn func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			if err := fn(i); err != nil {
				errs <- err
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestUpdateFunctionErrorAbortsOnlyItsCaller(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		s := doc.New(newBucket(t), &doc.Options{Policy: doc.Persistent})
		errOdd := errors.New("odd caller refuses")
		var wins atomic.Int64
		runParallel(t, 20, func(i int) error {
			_, err := doc.Update(t.Context(), s, "c.json", func(c *counter, _ bool) (counter, error) {
				if i%2 == 1 {
					return counter{}, errOdd
				}
				return counter{c.N + 1}, nil
			}, nil)
			switch {
			case i%2 == 1 && !errors.Is(err, errOdd):
				return fmt.Errorf("caller %d: err = %v, want its own error", i, err)
			case i%2 == 0 && err != nil:
				return fmt.Errorf("caller %d: %v", i, err)
			case err == nil:
				wins.Add(1)
			}
			return nil
		})
		got, err := doc.Get[counter](t.Context(), s, "c.json")
		if err != nil || got.Value.N != 10 || wins.Load() != 10 {
			t.Fatalf("counter = %+v, %v after %d wins; want 10", got, err, wins.Load())
		}
	})
}

func TestUpdateReturnsStateAfterOwnFunction(t *testing.T) {
	s := doc.New(memstore.New(), nil)
	seen := make([]int, 64)
	runParallel(t, 64, func(i int) error {
		d, err := doc.Update(t.Context(), s, "c.json", incr, &doc.WriteOptions{Policy: &doc.Persistent})
		if err != nil {
			return err
		}
		seen[i] = d.Value.N
		return nil
	})
	// Every caller saw a distinct value in 1..64: the state right after
	// its own increment.
	have := map[int]bool{}
	for _, n := range seen {
		if n < 1 || n > 64 || have[n] {
			t.Fatalf("results %v are not a permutation of 1..64", seen)
		}
		have[n] = true
	}
}

func TestUpdateNoChangeWritesNothing(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		for _, cache := range []int{0, -1} {
			t.Run(fmt.Sprintf("cache=%d", cache), func(t *testing.T) {
				b := counting(newBucket(t))
				s := doc.New(b, &doc.Options{CacheEntries: cache})
				ctx := t.Context()
				first, err := doc.Update(ctx, s, "c.json", incr, nil)
				if err != nil {
					t.Fatal(err)
				}
				puts := b.Stats().Calls["put"]
				same, err := doc.Update(ctx, s, "c.json", func(c *counter, _ bool) (counter, error) { return *c, nil }, nil)
				if err != nil {
					t.Fatal(err)
				}
				if n := b.Stats().Calls["put"]; n != puts {
					t.Fatalf("no-op Update wrote: %d puts, want %d", n, puts)
				}
				if same.ETag != first.ETag || same.Value.N != 1 {
					t.Fatalf("no-op Update returned %+v, want the stored document", same)
				}
			})
		}
	})
}

package doc_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/faultstore"
)

// TestCounterUnderFaults: with 20% of operations failing, half of them
// as lost responses after the operation committed, the counter ends at
// exactly the number of Updates that returned success: none lost, none
// applied twice, and every Update returned.
func TestCounterUnderFaults(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		for _, group := range []bool{true, false} {
			t.Run(fmt.Sprintf("group=%v", group), func(t *testing.T) {
				inner := newBucket(t)
				fb := faultstore.New(inner, 7,
					faultstore.Rule{Kind: faultstore.LostResponse, Probability: 0.10},
					faultstore.Rule{Kind: faultstore.Fail, Probability: 0.10 / 0.90},
				)
				var mu sync.Mutex
				outcomes := map[string]int{}
				policy := doc.Policy{MaxRetries: 4, Base: time.Millisecond, Max: 10 * time.Millisecond}
				s := doc.New(fb, &doc.Options{
					DisableGroupCommit: !group,
					Policy:             policy,
					Hooks: doc.Hooks{Ambiguous: func(_, outcome string) {
						mu.Lock()
						outcomes[outcome]++
						mu.Unlock()
					}},
				})
				const workers, each = 16, 25
				var ok, failed atomic.Int64
				var wg sync.WaitGroup
				for range workers {
					wg.Go(func() {
						for range each {
							if _, err := doc.Update(t.Context(), s, "counter.json", incr, nil); err != nil {
								failed.Add(1)
								continue
							}
							ok.Add(1)
						}
					})
				}
				wg.Wait()
				// Read through the inner bucket: no faults.
				got, err := doc.Get[counter](t.Context(), doc.New(inner, nil), "counter.json")
				if err != nil {
					t.Fatal(err)
				}
				st := fb.Stats()
				t.Logf("updates: %d ok, %d failed; counter %d; injected: %d lost responses, %d failures; ambiguous outcomes %v",
					ok.Load(), failed.Load(), got.Value.N, st.Count(faultstore.LostResponse, ""), st.Count(faultstore.Fail, ""), outcomes)
				if ok.Load()+failed.Load() != workers*each {
					t.Fatalf("%d Updates returned, want %d", ok.Load()+failed.Load(), workers*each)
				}
				if int64(got.Value.N) != ok.Load() {
					t.Fatalf("counter = %d, but %d Updates succeeded", got.Value.N, ok.Load())
				}
				if st.Count(faultstore.LostResponse, faultstore.OpPut) == 0 || outcomes["committed"] == 0 {
					t.Fatalf("no lost write response was resolved as committed: the test did not exercise resolution")
				}
			})
		}
	})
}

// TestAmbiguousWriteResolved: a lost response after a committed
// conditional write is reported as success, once.
func TestAmbiguousWriteResolved(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		inner := newBucket(t)
		fb := faultstore.New(inner, 1, faultstore.Rule{Kind: faultstore.LostResponse, Probability: 1, Ops: []string{faultstore.OpPut}})
		s := doc.New(fb, &doc.Options{CacheEntries: -1})
		d, err := doc.Update(t.Context(), s, "c.json", incr, nil)
		if err != nil {
			t.Fatalf("Update with lost response: %v", err)
		}
		if d.Value.N != 1 {
			t.Fatalf("value = %d, want 1", d.Value.N)
		}
		d, err = doc.Update(t.Context(), s, "c.json", incr, nil)
		if err != nil || d.Value.N != 2 {
			t.Fatalf("second Update = %+v, %v; want 2", d, err)
		}
		if n := fb.Stats().Calls[faultstore.OpPut]; n != 2 {
			t.Fatalf("%d puts sent, want 2 (no re-send after a committed write)", n)
		}
		_, err = doc.PutIf(t.Context(), s, "new.json", counter{5}, "", nil)
		if err != nil {
			t.Fatalf("PutIf create with lost response: %v", err)
		}
		// Without resolution the lost response would look like a failure;
		// a blind re-send would then fail its own precondition.
		if _, err := doc.PutIf(t.Context(), s, "new.json", counter{6}, "", nil); !errors.Is(err, doc.ErrConflict) {
			t.Fatalf("second create: err = %v, want ErrConflict", err)
		}
	})
}

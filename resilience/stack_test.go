package resilience_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/faultstore"
)

type counter struct{ N int }

func incr(c *counter, _ bool) (counter, error) { return counter{c.N + 1}, nil }

// sum adds the values of the named counter over the series whose labels
// include want.
func sum(t *testing.T, g prometheus.Gatherer, name string, want map[string]string) int {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for k, v := range want {
				if label(m, k) != v {
					continue series
				}
			}
			total += m.GetCounter().GetValue()
		}
	}
	return int(total)
}

// The documents' counter test through Instrument(Breaker(Retry(faultstore)))
// on every backend: with 20% of operations failing, half of the faults
// lost responses after a write committed, the counter ends at exactly
// the number of successful Updates, and the metrics account for every
// fault injected: each one was either retried by Retry or reached the
// top of the stack with the kind it was injected as.
//
// It runs with a breaker that rarely opens and with one that opens on
// every failure that reaches it: an Update it refuses fails fast and is
// not applied, and the read-back resolving a lost response waits until
// it closes again.
func TestDocCounterThroughStack(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		for _, br := range []resilience.BreakerSettings{
			{FailureThreshold: 5, RecoveryTimeout: 20 * time.Millisecond},
			{FailureThreshold: 1, RecoveryTimeout: time.Millisecond},
		} {
			t.Run(fmt.Sprintf("threshold=%d", br.FailureThreshold), func(t *testing.T) {
				counterThroughStack(t, newBucket(t), br)
			})
		}
	})
}

func counterThroughStack(t *testing.T, inner storage.Bucket, br resilience.BreakerSettings) {
	{
		// Lost responses only on puts: faultstore counts a lost response
		// picked for a call whose inner result is an error (a Get of the
		// missing counter) without reporting it, and conditional puts
		// here never fail on their own (one Store, group commit).
		fs := faultstore.New(inner, 7,
			faultstore.Rule{Kind: faultstore.LostResponse, Probability: 0.10, Ops: []string{faultstore.OpPut}},
			faultstore.Rule{Kind: faultstore.Fail, Probability: 0.10 / 0.90},
		)
		reg := prometheus.NewPedanticRegistry()
		m := resilience.NewMetrics(reg)
		var transitions atomic.Int64
		br.OnStateChange = func(string, resilience.State, resilience.State) { transitions.Add(1) }
		b := m.Instrument(resilience.Breaker(
			resilience.Retry(fs, resilience.Policy{MaxRetries: 4, Base: time.Millisecond, Max: 10 * time.Millisecond}), br))
		s := doc.New(b, &doc.Options{
			Policy: doc.Persistent,
			Hooks: doc.Hooks{
				Conflict:  m.ObserveConflict,
				Retry:     m.ObserveRetry,
				Batch:     m.ObserveBatch,
				Ambiguous: m.ObserveAmbiguous,
			},
		})

		const workers, each = 16, 25
		var ok, refused atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range each {
					_, err := doc.Update(t.Context(), s, "counter.json", incr, nil)
					switch {
					case err == nil:
						ok.Add(1)
					case errors.Is(err, resilience.ErrCircuitOpen):
						refused.Add(1) // fails fast, never applied
					default:
						t.Errorf("Update: %v", err)
					}
				}
			})
		}
		wg.Wait()

		got, err := doc.Get[counter](t.Context(), doc.New(inner, nil), "counter.json")
		if err != nil {
			t.Fatal(err)
		}
		st := fs.Stats()
		lost, failed := st.Count(faultstore.LostResponse, faultstore.OpPut), st.Count(faultstore.Fail, "")
		errs := func(kind resilience.Kind) int {
			return sum(t, reg, "r2kit_storage_errors_total", map[string]string{"kind": string(kind)})
		}
		retried := func(kind resilience.Kind) int {
			return sum(t, reg, "r2kit_storage_retries_total", map[string]string{"kind": string(kind)})
		}
		t.Logf("updates: %d ok, %d refused by the open breaker (%d transitions); counter %d; injected %d lost responses, %d failures of %v calls",
			ok.Load(), refused.Load(), transitions.Load(), got.Value.N, lost, failed, st.Calls)
		t.Logf("errors by kind: ambiguous %d, transient %d, circuit_open %d, not_found %d; retried transient %d; committed ambiguous writes %d",
			errs(resilience.KindAmbiguous), errs(resilience.KindTransient), errs(resilience.KindCircuitOpen), errs(resilience.KindNotFound),
			retried(resilience.KindTransient), sum(t, reg, "r2kit_doc_ambiguous_writes_total", map[string]string{"outcome": "committed"}))

		if ok.Load()+refused.Load() != workers*each {
			t.Fatalf("%d Updates returned, want %d", ok.Load()+refused.Load(), workers*each)
		}
		if int64(got.Value.N) != ok.Load() {
			t.Fatalf("counter = %d, but %d Updates succeeded", got.Value.N, ok.Load())
		}
		if lost == 0 || failed == 0 {
			t.Fatalf("injected %d lost responses and %d failures: the test exercised nothing", lost, failed)
		}
		if n := errs(resilience.KindAmbiguous); n != lost {
			t.Errorf("ambiguous errors = %d, want the %d lost responses injected", n, lost)
		}
		if n := sum(t, reg, "r2kit_doc_ambiguous_writes_total", map[string]string{"outcome": "committed"}); n != lost {
			t.Errorf("ambiguous writes resolved as committed = %d, want the %d lost responses injected", n, lost)
		}
		if n, r := errs(resilience.KindTransient), retried(resilience.KindTransient); n+r != failed {
			t.Errorf("transient errors %d + retried %d = %d, want the %d failures injected", n, r, n+r, failed)
		}
		if n := errs(resilience.KindConflict); n != 0 {
			t.Errorf("%d conflicts in one Store with group commit, want 0", n)
		}
		// One refused write fails every Update of its group-commit batch.
		if n := errs(resilience.KindCircuitOpen); refused.Load() > 0 && n == 0 {
			t.Errorf("%d Updates refused by the breaker, but no circuit_open error counted", refused.Load())
		}
		// Every put that reached the inner bucket and was not faulted
		// succeeded, and was counted once.
		if n, want := sum(t, reg, "r2kit_storage_operations_total", map[string]string{"op": "put", "outcome": "ok"}),
			st.Calls[faultstore.OpPut]-lost-st.Count(faultstore.Fail, faultstore.OpPut); n != want {
			t.Errorf("successful puts = %d, want %d", n, want)
		}
	}
}

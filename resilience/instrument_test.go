package resilience_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/faultstore"
	"github.com/r2kit/r2kit/storage/memstore"
)

// A scripted sequence of operations through the whole stack gives exact
// counts.
func TestInstrumentExactCounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewPedanticRegistry()
		m := resilience.NewMetrics(reg)
		fs := faultstore.New(memstore.New(), 1, faultstore.Rule{Kind: faultstore.Fail, Probability: 1, KeyPrefix: "down/"})
		b := m.Instrument(resilience.Breaker(resilience.Retry(fs, resilience.Policy{MaxRetries: 2, Base: time.Millisecond}),
			resilience.BreakerSettings{Name: "primary", FailureThreshold: 2, RecoveryTimeout: time.Hour}))
		ctx := t.Context()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		is := func(err, want error) {
			t.Helper()
			if !errors.Is(err, want) {
				t.Fatalf("err = %v, want %v", err, want)
			}
		}

		a, err := b.Put(ctx, "a", strings.NewReader("hello"), nil) // ok, 5 bytes
		must(err)
		_, err = b.Put(ctx, "b", bytes.NewBufferString("world!"), nil) // ok, 6 bytes
		must(err)
		obj, err := b.Get(ctx, "a", nil) // ok, 5 bytes read
		must(err)
		_, err = io.ReadAll(obj.Body)
		must(err)
		must(obj.Body.Close())
		_, err = b.Stat(ctx, "a") // ok
		must(err)
		_, err = b.Stat(ctx, "missing") // not_found
		is(err, storage.ErrNotFound)
		_, err = b.Get(ctx, "a", &storage.GetOptions{IfNoneMatch: a.ETag}) // not_modified
		is(err, storage.ErrNotModified)
		_, err = b.Put(ctx, "a", strings.NewReader("again"), &storage.PutOptions{IfNoneMatch: "*"}) // conflict, after memstore read its 5 bytes
		is(err, storage.ErrPreconditionFailed)
		_, err = b.List(ctx, nil) // ok
		must(err)
		must(b.Delete(ctx, "b", nil))                    // ok
		is(b.Delete(ctx, "b", nil), storage.ErrNotFound) // not_found
		_, err = b.Stat(ctx, "down/x")                   // 2 retries, then transient; breaker 1 failure
		is(err, storage.ErrTransient)
		_, err = b.Get(ctx, "down/y", nil) // 2 retries, then transient; breaker opens
		is(err, storage.ErrTransient)
		_, err = b.Stat(ctx, "a") // circuit_open
		is(err, resilience.ErrCircuitOpen)

		// The document layer's hooks.
		conflict := storage.Errorf("put", "d", storage.ErrPreconditionFailed, "lost")
		m.ObserveConflict("d")
		m.ObserveConflict("d")
		m.ObserveRetry("d", 1, conflict)
		m.ObserveRetry("d", 1, storage.Wrap("get", "d", storage.ErrTransient, nil))
		m.ObserveBatch("d", 3)
		m.ObserveBatch("d", 1)
		m.ObserveAmbiguous("d", "committed")
		m.ObserveAmbiguous("d", "not committed")

		want := `
# HELP r2kit_storage_operations_total Storage operations by operation, backend and outcome ("ok" or the error kind).
# TYPE r2kit_storage_operations_total counter
r2kit_storage_operations_total{backend="mem",op="delete",outcome="not_found"} 1
r2kit_storage_operations_total{backend="mem",op="delete",outcome="ok"} 1
r2kit_storage_operations_total{backend="mem",op="get",outcome="not_modified"} 1
r2kit_storage_operations_total{backend="mem",op="get",outcome="ok"} 1
r2kit_storage_operations_total{backend="mem",op="get",outcome="transient"} 1
r2kit_storage_operations_total{backend="mem",op="list",outcome="ok"} 1
r2kit_storage_operations_total{backend="mem",op="put",outcome="conflict"} 1
r2kit_storage_operations_total{backend="mem",op="put",outcome="ok"} 2
r2kit_storage_operations_total{backend="mem",op="stat",outcome="circuit_open"} 1
r2kit_storage_operations_total{backend="mem",op="stat",outcome="not_found"} 1
r2kit_storage_operations_total{backend="mem",op="stat",outcome="ok"} 1
r2kit_storage_operations_total{backend="mem",op="stat",outcome="transient"} 1
# HELP r2kit_storage_errors_total Failed storage operations by error kind.
# TYPE r2kit_storage_errors_total counter
r2kit_storage_errors_total{backend="mem",kind="circuit_open"} 1
r2kit_storage_errors_total{backend="mem",kind="conflict"} 1
r2kit_storage_errors_total{backend="mem",kind="not_found"} 2
r2kit_storage_errors_total{backend="mem",kind="not_modified"} 1
r2kit_storage_errors_total{backend="mem",kind="transient"} 2
# HELP r2kit_storage_retries_total Storage operation attempts retried, by the kind of their error.
# TYPE r2kit_storage_retries_total counter
r2kit_storage_retries_total{backend="mem",kind="transient",op="get"} 2
r2kit_storage_retries_total{backend="mem",kind="transient",op="stat"} 2
# HELP r2kit_storage_read_bytes_total Bytes of object bodies read from storage.
# TYPE r2kit_storage_read_bytes_total counter
r2kit_storage_read_bytes_total{backend="mem"} 5
# HELP r2kit_storage_written_bytes_total Bytes of object bodies written to storage.
# TYPE r2kit_storage_written_bytes_total counter
r2kit_storage_written_bytes_total{backend="mem"} 16
# HELP r2kit_circuit_breaker_state Circuit breaker state: 0 closed, 1 half-open, 2 open.
# TYPE r2kit_circuit_breaker_state gauge
r2kit_circuit_breaker_state{name="primary"} 2
# HELP r2kit_circuit_breaker_transitions_total Circuit breaker state changes, by new state.
# TYPE r2kit_circuit_breaker_transitions_total counter
r2kit_circuit_breaker_transitions_total{name="primary",to="open"} 1
# HELP r2kit_doc_conflicts_total Conditional document writes that lost to a concurrent writer.
# TYPE r2kit_doc_conflicts_total counter
r2kit_doc_conflicts_total 2
# HELP r2kit_doc_retries_total Document operation retries, by the kind of their cause.
# TYPE r2kit_doc_retries_total counter
r2kit_doc_retries_total{kind="conflict"} 1
r2kit_doc_retries_total{kind="transient"} 1
# HELP r2kit_doc_batch_size Updates committed by one document write (group commit).
# TYPE r2kit_doc_batch_size histogram
r2kit_doc_batch_size_bucket{le="1"} 1
r2kit_doc_batch_size_bucket{le="2"} 1
r2kit_doc_batch_size_bucket{le="4"} 2
r2kit_doc_batch_size_bucket{le="8"} 2
r2kit_doc_batch_size_bucket{le="16"} 2
r2kit_doc_batch_size_bucket{le="32"} 2
r2kit_doc_batch_size_bucket{le="64"} 2
r2kit_doc_batch_size_bucket{le="128"} 2
r2kit_doc_batch_size_bucket{le="256"} 2
r2kit_doc_batch_size_bucket{le="+Inf"} 2
r2kit_doc_batch_size_sum 4
r2kit_doc_batch_size_count 2
# HELP r2kit_doc_ambiguous_writes_total Document writes whose outcome had to be resolved, by outcome.
# TYPE r2kit_doc_ambiguous_writes_total counter
r2kit_doc_ambiguous_writes_total{outcome="committed"} 1
r2kit_doc_ambiguous_writes_total{outcome="not_committed"} 1
`
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
			"r2kit_storage_operations_total", "r2kit_storage_errors_total", "r2kit_storage_retries_total",
			"r2kit_storage_read_bytes_total", "r2kit_storage_written_bytes_total",
			"r2kit_circuit_breaker_state", "r2kit_circuit_breaker_transitions_total",
			"r2kit_doc_conflicts_total", "r2kit_doc_retries_total", "r2kit_doc_batch_size",
			"r2kit_doc_ambiguous_writes_total"); err != nil {
			t.Fatal(err)
		}
		// One latency sample per call: durations vary, counts do not.
		wantLatency := map[string]uint64{"stat": 4, "get": 3, "put": 3, "delete": 2, "list": 1}
		for op, n := range latencyCounts(t, reg) {
			if n != wantLatency[op] {
				t.Errorf("latency samples of %s = %d, want %d", op, n, wantLatency[op])
			}
		}
		if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
			t.Fatalf("lint: %v %v", problems, err)
		}
	})
}

// latencyCounts returns the sample counts of the latency histogram by op.
func latencyCounts(t *testing.T, g prometheus.Gatherer) map[string]uint64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, mf := range mfs {
		if mf.GetName() != "r2kit_storage_operation_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[label(m, "op")] = m.GetHistogram().GetSampleCount()
		}
	}
	return out
}

func label(m *dto.Metric, name string) string {
	for _, lp := range m.GetLabel() {
		if lp.GetName() == name {
			return lp.GetValue()
		}
	}
	return ""
}

// Registering twice on one registry does not panic and shares series;
// a registry with other collectors under the same names makes it panic.
func TestMetricsRegisterTwice(t *testing.T) {
	reg := prometheus.NewRegistry()
	b1 := resilience.Instrument(memstore.New(), reg)
	b2 := resilience.Instrument(memstore.New(), reg)
	ctx := t.Context()
	for _, b := range []storage.Bucket{b1, b2} {
		if _, err := b.Put(ctx, "k", strings.NewReader("v"), nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := testutil.ToFloat64(gatherCounter(t, reg, "r2kit_storage_operations_total")); n != 2 {
		t.Fatalf("operations = %v, want 2 from the two buckets", n)
	}
	// Another namespace registers separate collectors.
	resilience.Instrument(memstore.New(), reg, resilience.WithNamespace("other"))

	defer func() {
		if recover() == nil {
			t.Fatal("conflicting registration did not panic")
		}
	}()
	clash := prometheus.NewRegistry()
	clash.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "r2kit_doc_conflicts_total", Help: "something else"}))
	resilience.NewMetrics(clash)
}

// gatherCounter returns a collector of the sum of the named counter.
func gatherCounter(t *testing.T, g prometheus.Gatherer, name string) prometheus.Collector {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "sum", Help: "sum"})
	c.Add(sum)
	return c
}

// Bytes written count each byte of a body once, also when the backend
// reads it twice (seeking back), and sizes stay known to the backend.
func TestInstrumentBytes(t *testing.T) {
	reg := prometheus.NewRegistry()
	fs := faultstore.New(memstore.New(), 5, faultstore.Rule{Kind: faultstore.LostResponse, Probability: 0.5, Ops: []string{faultstore.OpPut}})
	b := resilience.Instrument(resilience.Retry(fs, resilience.Policy{MaxRetries: 20}), reg)
	ctx := t.Context()
	body := strings.Repeat("x", 1000)
	for range 10 {
		if _, err := b.Put(ctx, "k", strings.NewReader(body), nil); err != nil {
			t.Fatal(err)
		}
	}
	// A Size that contradicts the body is still the backend's to refuse.
	if _, err := b.Put(ctx, "k", strings.NewReader(body), &storage.PutOptions{Size: 10}); !errors.Is(err, storage.ErrInvalidArgument) {
		t.Fatalf("wrong size: err = %v, want invalid argument", err)
	}
	if n := fs.Stats().Count(faultstore.LostResponse, faultstore.OpPut); n == 0 {
		t.Fatal("no lost responses: nothing was read twice")
	}
	written := testutil.ToFloat64(gatherCounter(t, reg, "r2kit_storage_written_bytes_total"))
	if written < 10000 || written > 11000 {
		t.Fatalf("written bytes = %v, want 10000 plus what the refused put read", written)
	}
}

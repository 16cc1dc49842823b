package resilience_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
)

// The recommended stack, with its metrics served at /metrics.
func ExampleInstrument() {
	ctx := context.Background()
	registry := prometheus.NewRegistry()
	policy := resilience.Policy{MaxRetries: 3, Base: 50 * time.Millisecond, Max: time.Second}
	settings := resilience.BreakerSettings{FailureThreshold: 5, RecoveryTimeout: 30 * time.Second}

	bucket := memstore.New() // an s3store.Bucket in production
	b := resilience.Instrument(resilience.Breaker(resilience.Retry(bucket, policy), settings), registry)
	defer b.Close()

	// The document layer reports to the same registry.
	m := resilience.NewMetrics(registry)
	store := doc.New(b, &doc.Options{Hooks: doc.Hooks{
		Conflict: m.ObserveConflict, Retry: m.ObserveRetry, Batch: m.ObserveBatch, Ambiguous: m.ObserveAmbiguous,
	}})
	type greeting struct{ Text string }
	if _, err := doc.Put(ctx, store, "greetings/hello.json", greeting{"hello"}, nil); err != nil {
		log.Fatal(err)
	}
	if _, err := doc.Get[greeting](ctx, store, "greetings/missing.json"); err != nil {
		fmt.Println(err)
	}

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(srv.URL + "/metrics")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "r2kit_storage_operations_total") {
			fmt.Println(lines.Text())
		}
	}
	// Output:
	// get greetings/missing.json: not found
	// r2kit_storage_operations_total{backend="mem",op="delete",outcome="ok"} 0
	// r2kit_storage_operations_total{backend="mem",op="get",outcome="not_found"} 1
	// r2kit_storage_operations_total{backend="mem",op="get",outcome="ok"} 0
	// r2kit_storage_operations_total{backend="mem",op="list",outcome="ok"} 0
	// r2kit_storage_operations_total{backend="mem",op="put",outcome="ok"} 1
	// r2kit_storage_operations_total{backend="mem",op="stat",outcome="ok"} 0
}

// Do with a retry policy for a critical read and a fallback for an
// optional one, as the seed's withErrorHandling strategies.
func ExampleDo() {
	ctx := context.Background()
	store := doc.New(memstore.New(), nil)
	type settings struct{ Theme string }

	read := func(ctx context.Context) (settings, error) {
		d, err := doc.Get[settings](ctx, store, "settings/user_1.json")
		if err != nil {
			return settings{}, err
		}
		return d.Value, nil
	}
	s, err := resilience.Do(ctx, read, &resilience.Config[settings]{
		Retry: resilience.Standard, // retries transient failures only: not found is an answer
		Fallback: func(ctx context.Context, err error) (settings, error) {
			if errors.Is(err, doc.ErrNotFound) {
				return settings{Theme: "light"}, nil
			}
			return settings{}, err
		},
	})
	fmt.Println(s.Theme, err)
	// Output: light <nil>
}

// failingStats fails its first n Stats with a temporary failure.
type failingStats struct {
	storage.Bucket
	n int
}

func (f *failingStats) Stat(ctx context.Context, key string) (*storage.Attrs, error) {
	if f.n > 0 {
		f.n--
		return nil, storage.Wrap("stat", key, storage.ErrTransient, errors.New("503 Slow Down"))
	}
	return f.Bucket.Stat(ctx, key)
}

// Retry alone: temporary failures are retried with backoff; answers
// (here: not found) are returned at once.
func ExampleRetry() {
	ctx := context.Background()
	inner := &failingStats{Bucket: memstore.New(), n: 2}
	b := resilience.Retry(inner, resilience.Policy{MaxRetries: 3, Base: time.Millisecond, Max: 5 * time.Millisecond})
	defer b.Close()
	_, err := b.Stat(ctx, "greetings/hello.json")
	fmt.Println(errors.Is(err, storage.ErrNotFound), inner.n)
	// Output: true 0
}

// Breaker alone: after FailureThreshold consecutive failures the
// breaker opens and refuses calls without sending them, until
// RecoveryTimeout has passed.
func ExampleBreaker() {
	ctx := context.Background()
	inner := &failingStats{Bucket: memstore.New(), n: 100}
	b := resilience.Breaker(inner, resilience.BreakerSettings{FailureThreshold: 3, RecoveryTimeout: time.Minute})
	defer b.Close()
	for range 3 {
		_, _ = b.Stat(ctx, "k")
	}
	_, err := b.Stat(ctx, "k")
	state, _ := resilience.BreakerState(b)
	fmt.Println(errors.Is(err, resilience.ErrCircuitOpen), state == resilience.StateOpen, 100-inner.n, "calls sent")
	// Output: true true 3 calls sent
}

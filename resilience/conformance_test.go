package resilience_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
	"github.com/r2kit/r2kit/storage/storagetest"
)

// TestConformance runs the storage conformance suite over each
// production wrapper alone and over the stack serve uses (Instrument
// over Breaker over Retry), each over memstore: a wrapper must keep
// every sentence of the Bucket contract, conditional writes, racing
// creates and error sentinels included.
func TestConformance(t *testing.T) {
	wrappers := map[string]func(storage.Bucket) storage.Bucket{
		"retry": func(b storage.Bucket) storage.Bucket { return resilience.Retry(b, resilience.Standard) },
		"breaker": func(b storage.Bucket) storage.Bucket {
			return resilience.Breaker(b, resilience.BreakerSettings{})
		},
		"instrument": func(b storage.Bucket) storage.Bucket {
			return resilience.Instrument(b, prometheus.NewRegistry())
		},
		"stack": func(b storage.Bucket) storage.Bucket {
			return resilience.Instrument(resilience.Breaker(resilience.Retry(b, resilience.Standard),
				resilience.BreakerSettings{}), prometheus.NewRegistry())
		},
	}
	for name, wrap := range wrappers {
		t.Run(name, func(t *testing.T) {
			storagetest.RunConformanceTests(t, storagetest.Harness{
				NewBucket: func(t testing.TB) storage.Bucket {
					b := wrap(memstore.New())
					t.Cleanup(func() { _ = b.Close() })
					return b
				},
			})
		})
	}
}

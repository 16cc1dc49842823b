package resilience_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
)

// The overhead per operation of each wrapper on memstore: compare the
// wrapped rows with raw.
func BenchmarkWrappers(b *testing.B) {
	wrappers := []struct {
		name string
		wrap func(storage.Bucket) storage.Bucket
	}{
		{"raw", func(b storage.Bucket) storage.Bucket { return b }},
		{"instrument", func(b storage.Bucket) storage.Bucket { return resilience.Instrument(b, nil) }},
		{"breaker", func(b storage.Bucket) storage.Bucket { return resilience.Breaker(b, resilience.BreakerSettings{}) }},
		{"retry", func(b storage.Bucket) storage.Bucket { return resilience.Retry(b, resilience.Standard) }},
		{"stack", func(b storage.Bucket) storage.Bucket {
			return resilience.Instrument(resilience.Breaker(resilience.Retry(b, resilience.Standard), resilience.BreakerSettings{}), nil)
		}},
	}
	body := bytes.Repeat([]byte("x"), 1024)
	for _, w := range wrappers {
		b.Run("Stat/"+w.name, func(b *testing.B) {
			bucket := w.wrap(memstore.New())
			ctx := context.Background()
			if _, err := bucket.Put(ctx, "k", bytes.NewReader(body), nil); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bucket.Stat(ctx, "k"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Put1KiB/"+w.name, func(b *testing.B) {
			bucket := w.wrap(memstore.New())
			ctx := context.Background()
			r := bytes.NewReader(body)
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				r.Reset(body)
				if _, err := bucket.Put(ctx, "k", r, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package doc_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
)

// hotKeyWindow is how long each BenchmarkR2HotKey iteration updates the
// key.
const hotKeyWindow = 3 * time.Second

// BenchmarkR2HotKey: goroutines updating one document on the R2 profile,
// which refuses more than one write per second to a key (429), with group
// commit on and off. Each iteration updates for hotKeyWindow; updates/s
// counts committed Updates, writes/s the writes the profile let through.
// With group commit one write carries every Update waiting at the time,
// so updates/s approaches goroutines x writes/s; without it, every Update
// needs its own write and the key commits about one per second. The
// Bucket paces its writes to the key at the limit (as r2:// URLs do), so
// the limit refuses none: the benchmark fails if it does.
//
// Each goroutine has one Update in flight, and one write per second
// carries at most one Update per goroutine: updates/s cannot exceed the
// number of goroutines, whatever the batching. 32 goroutines reach about
// 32/s; 100 updates per second at R2's limit needs more callers (256
// here) or fewer, larger writes per caller.
func BenchmarkR2HotKey(b *testing.B) {
	for _, workers := range []int{32, 256} {
		for _, group := range []bool{true, false} {
			if !group && workers > 32 {
				continue
			}
			b.Run(fmt.Sprintf("workers=%d/group=%v", workers, group), func(b *testing.B) {
				bucket, proxy := backendtest.NewR2Bucket(b, nil)
				s := doc.New(bucket, &doc.Options{DisableGroupCommit: !group, Policy: doc.Persistent})
				if _, err := doc.Put(b.Context(), s, "hot.json", counter{}, nil); err != nil {
					b.Fatal(err)
				}
				time.Sleep(time.Second) // the Put's write leaves the limiter
				before := proxy.Stats()
				var done atomic.Int64
				var elapsed time.Duration
				for b.Loop() {
					start := time.Now()
					ctx, cancel := context.WithTimeout(b.Context(), hotKeyWindow)
					var wg sync.WaitGroup
					for range workers {
						wg.Go(func() {
							for ctx.Err() == nil {
								if _, err := doc.Update(ctx, s, "hot.json", incr, nil); err == nil {
									done.Add(1)
								}
							}
						})
					}
					wg.Wait()
					cancel()
					elapsed += time.Since(start)
				}
				if got, err := doc.Get[counter](b.Context(), s, "hot.json"); err != nil || int64(got.Value.N) != done.Load() {
					b.Fatalf("counter after %d committed Updates: %+v, %v", done.Load(), got, err)
				}
				st := proxy.Stats()
				if n := st.Throttled - before.Throttled; n > 0 {
					b.Fatalf("the R2 limit refused %d writes: s3store's write pacing let them through", n)
				}
				b.ReportMetric(float64(done.Load())/elapsed.Seconds(), "updates/s")
				b.ReportMetric(float64(st.Writes-before.Writes)/elapsed.Seconds(), "writes/s")
				b.ReportMetric(float64(st.Throttled-before.Throttled)/elapsed.Seconds(), "throttled/s")
			})
		}
	}
}

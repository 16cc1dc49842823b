package doc_test

import (
	"fmt"
	"testing"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
)

// benchBackends are the backends the document benchmarks compare: the
// embedded default and the real S3-compatible server.
func benchBackends() []string { return []string{"file", "s3"} }

// BenchmarkHotKey: 32 goroutines updating one key, group commit on
// versus off. Compare updates/s between the two in one run.
func BenchmarkHotKey(b *testing.B) {
	for _, backend := range benchBackends() {
		for _, group := range []bool{true, false} {
			b.Run(fmt.Sprintf("backend=%s/group=%v", backend, group), func(b *testing.B) {
				bucket := backendtest.NewBucket(b, backend)
				s := doc.New(bucket, &doc.Options{DisableGroupCommit: !group, Policy: doc.Persistent})
				b.SetParallelism(32 / max(1, runtimeProcs()))
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := doc.Update(b.Context(), s, "hot.json", incr, nil); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
			})
		}
	}
}

// BenchmarkRequestsPerUpdate: one writer updating its own key, the
// document cache on versus off; reports storage requests per Update.
func BenchmarkRequestsPerUpdate(b *testing.B) {
	for _, backend := range benchBackends() {
		for _, cache := range []bool{true, false} {
			b.Run(fmt.Sprintf("backend=%s/cache=%v", backend, cache), func(b *testing.B) {
				entries := 0
				if !cache {
					entries = -1
				}
				counted := counting(backendtest.NewBucket(b, backend))
				s := doc.New(counted, &doc.Options{CacheEntries: entries})
				b.ReportAllocs()
				for b.Loop() {
					if _, err := doc.Update(b.Context(), s, "mine.json", incr, nil); err != nil {
						b.Fatal(err)
					}
				}
				st := counted.Stats()
				total := 0
				for _, n := range st.Calls {
					total += n
				}
				b.ReportMetric(float64(total)/float64(b.N), "requests/op")
			})
		}
	}
}

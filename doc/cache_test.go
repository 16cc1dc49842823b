package doc_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// TestRequestsPerUpdate: with the cache, an uncontended Update costs one
// request (a conditional write against the cached ETag); without it, two.
func TestRequestsPerUpdate(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		for _, tc := range []struct {
			cache      int
			gets, puts int
		}{
			{cache: 0, gets: 1, puts: 10},   // one read of the missing key, then writes only
			{cache: -1, gets: 10, puts: 10}, // a read before every write
		} {
			t.Run(fmt.Sprintf("cache=%d", tc.cache), func(t *testing.T) {
				b := counting(newBucket(t))
				s := doc.New(b, &doc.Options{CacheEntries: tc.cache})
				for i := range 10 {
					d, err := doc.Update(t.Context(), s, "c.json", incr, nil)
					if err != nil || d.Value.N != i+1 {
						t.Fatalf("Update %d = %+v, %v", i, d, err)
					}
				}
				st := b.Stats()
				if st.Calls["get"] != tc.gets || st.Calls["put"] != tc.puts || st.Calls["stat"] != 0 {
					t.Fatalf("requests: %v, want %d gets and %d puts", st.Calls, tc.gets, tc.puts)
				}
			})
		}
	})
}

// TestStaleCacheRecovers: another process's write makes the cached ETag
// stale; the next Update fails its condition once, re-reads, and applies
// its function to the fresh value.
func TestStaleCacheRecovers(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		b := newBucket(t)
		one, other := doc.New(b, nil), doc.New(b, nil)
		ctx := t.Context()
		for _, s := range []*doc.Store{one, other, one} {
			if _, err := doc.Update(ctx, s, "c.json", incr, &doc.WriteOptions{Policy: &doc.Standard}); err != nil {
				t.Fatal(err)
			}
		}
		d, err := doc.Get[counter](ctx, other, "c.json")
		if err != nil || d.Value.N != 3 {
			t.Fatalf("counter = %+v, %v; want 3", d, err)
		}
		// Get revalidates: a changed object is read anew, not served stale.
		if _, err := b.Put(ctx, "c.json", strings.NewReader(`{"n":10}`), nil); err != nil {
			t.Fatal(err)
		}
		d, err = doc.Get[counter](ctx, other, "c.json")
		if err != nil || d.Value.N != 10 {
			t.Fatalf("after outside write: %+v, %v; want 10", d, err)
		}
	})
}

package userbucket_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
	"github.com/r2kit/r2kit/storage/storagetest"

	"example.com/userbucket"
)

// TestConformance runs r2kit's conformance suite on the user's Bucket.
func TestConformance(t *testing.T) {
	storagetest.RunConformanceTests(t, storagetest.Harness{
		NewBucket: func(t testing.TB) storage.Bucket {
			b := &userbucket.Counting{Bucket: memstore.New()}
			t.Cleanup(func() { _ = b.Close() })
			return b
		},
	})
}

// Example keeps a typed document in the user's Bucket.
func Example() {
	ctx := context.Background()
	b := &userbucket.Counting{Bucket: memstore.New()}
	defer b.Close()
	s := doc.New(b, nil)
	type counter struct{ N int }
	for range 3 {
		if _, err := doc.Update(ctx, s, "counters/visits.json", func(c *counter, _ bool) (counter, error) {
			return counter{N: c.N + 1}, nil
		}, nil); err != nil {
			fmt.Println(err)
		}
	}
	d, _ := doc.Get[counter](ctx, s, "counters/visits.json")
	fmt.Println(d.Value.N, "visits,", b.Puts.Load(), "writes")
	// Output: 3 visits, 3 writes
}

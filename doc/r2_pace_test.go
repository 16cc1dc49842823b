package doc_test

import (
	"sync"
	"testing"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/resilience"
)

// TestR2PacedHotKey: 64 goroutines update one document twice each on the
// R2 profile, with R2's limit of one write per second to a key, through
// the retry wrapper as r2kit serve stacks it. The Bucket paces its
// writes (as r2:// URLs do) and the Store holds the key's write turn
// from read to write, so group commit packs every waiting Update into
// each write: the count is exactly 128, the limit refuses nothing, and a
// handful of writes carry all of it.
func TestR2PacedHotKey(t *testing.T) {
	const workers, each = 64, 2
	raw, proxy := backendtest.NewR2Bucket(t, nil)
	s := doc.New(resilience.Retry(raw, resilience.Standard), &doc.Options{Policy: doc.Persistent})
	ctx := t.Context()
	if _, err := doc.Put(ctx, s, "hot.json", counter{}, nil); err != nil {
		t.Fatal(err)
	}
	before := proxy.Stats()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				if _, err := doc.Update(ctx, s, "hot.json", incr, nil); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got, err := doc.Get[counter](ctx, s, "hot.json")
	if err != nil {
		t.Fatal(err)
	}
	st := proxy.Stats()
	writes, refused := st.Writes-before.Writes, st.Throttled-before.Throttled
	t.Logf("%d Updates in %d writes, %d refused", workers*each, writes, refused)
	if got.Value.N != workers*each {
		t.Errorf("counter = %d after %d Updates", got.Value.N, workers*each)
	}
	if refused != 0 {
		t.Errorf("the R2 limit refused %d writes", refused)
	}
	if writes > 2*each+2 {
		t.Errorf("%d writes for %d rounds of %d concurrent Updates: group commit did not batch them", writes, each, workers)
	}
}

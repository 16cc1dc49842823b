package doc_test

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
)

// throttledOnce refuses the first Put with a 429 that asks to wait.
type throttledOnce struct {
	storage.Bucket
	once sync.Once
}

type slowDown struct{}

func (slowDown) Error() string             { return "429 SlowDown" }
func (slowDown) RetryAfter() time.Duration { return 3 * time.Second }

func (b *throttledOnce) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	var err error
	b.once.Do(func() { err = storage.Wrap("put", key, storage.ErrTransient, slowDown{}) })
	if err != nil {
		return nil, err
	}
	return b.Bucket.Put(ctx, key, r, opts)
}

// TestUpdateHonoursRetryAfter: a throttled write is retried no sooner
// than the store asked (R2 answers 429 above about one write per second
// to a key).
func TestUpdateHonoursRetryAfter(t *testing.T) {
	var mu sync.Mutex
	var waits []time.Duration
	s := doc.New(&throttledOnce{Bucket: memstore.New()}, &doc.Options{
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			waits = append(waits, d)
			mu.Unlock()
			return nil
		},
	})
	d, err := doc.Update(t.Context(), s, "hot.json", incr, nil)
	if err != nil || d.Value.N != 1 {
		t.Fatalf("Update = %+v, %v", d, err)
	}
	if len(waits) != 1 || waits[0] < 3*time.Second {
		t.Fatalf("waits = %v, want one of at least 3s", waits)
	}
}

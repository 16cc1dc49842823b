package doc_test

import (
	"errors"
	"testing"
	"time"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
)

// User metadata under the reserved r2kit- prefix is refused by every
// write, and nothing is written; the library's own keys are still set.
func TestReservedMetadataRefused(t *testing.T) {
	b := memstore.New()
	t.Cleanup(func() { b.Close() })
	s := doc.New(b, nil)
	ctx := t.Context()
	type v struct{ N int }
	for _, key := range []string{"r2kit-expires", "R2KIT-Writes", "r2kit-anything"} {
		opts := &doc.WriteOptions{Metadata: map[string]string{key: "1"}}
		if _, err := doc.Put(ctx, s, "k", v{1}, opts); !errors.Is(err, storage.ErrInvalidArgument) {
			t.Errorf("Put with %s: %v, want ErrInvalidArgument", key, err)
		}
		if _, err := doc.PutIf(ctx, s, "k", v{1}, "", opts); !errors.Is(err, storage.ErrInvalidArgument) {
			t.Errorf("PutIf with %s: %v, want ErrInvalidArgument", key, err)
		}
		_, err := doc.Update(ctx, s, "k", func(*v, bool) (v, error) { return v{2}, nil }, opts)
		if !errors.Is(err, storage.ErrInvalidArgument) {
			t.Errorf("Update with %s: %v, want ErrInvalidArgument", key, err)
		}
	}
	if _, err := b.Stat(ctx, "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a refused write stored k: %v", err)
	}
	d, err := doc.Put(ctx, s, "k", v{1}, &doc.WriteOptions{Metadata: map[string]string{"owner": "ops"}, TTL: time.Hour})
	if err != nil || d.Metadata["owner"] != "ops" || d.Metadata[storage.MetaExpires] == "" {
		t.Fatalf("Put with user metadata and a TTL: %+v %v", d, err)
	}
}

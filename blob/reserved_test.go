package blob_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/blob"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
)

// User metadata under the reserved r2kit- prefix is refused; the
// library sets its own keys (the filename) itself.
func TestPutRefusesReservedMetadata(t *testing.T) {
	b := memstore.New()
	t.Cleanup(func() { b.Close() })
	for _, key := range []string{"r2kit-expires", "R2KIT-Filename", "r2kit-writes"} {
		_, err := blob.Put(t.Context(), b, "k", strings.NewReader("x"), &blob.PutOptions{Metadata: map[string]string{key: "1"}})
		if !errors.Is(err, storage.ErrInvalidArgument) || !strings.Contains(err.Error(), key) {
			t.Errorf("Put with %s: %v, want ErrInvalidArgument naming it", key, err)
		}
	}
	if _, err := blob.Put(t.Context(), b, "k", strings.NewReader("x"), &blob.PutOptions{Filename: "a.txt"}); err != nil {
		t.Fatal(err)
	}
}

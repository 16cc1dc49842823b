package storagetest

import (
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
)

// testClose: "Operations after Close return errors", as *storage.Error
// values.
func (s *suite) testClose(t *testing.T) {
	b := s.bucket(t)
	a := put(t, b, "k", []byte("v"), nil)
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := t.Context()
	check := func(op, key string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s(%q) after Close: no error", op, key)
			return
		}
		checkStorageError(t, err, op, key)
	}
	_, err := b.Stat(ctx, "k")
	check("stat", "k", err)
	_, err = b.Get(ctx, "k", nil)
	check("get", "k", err)
	_, err = b.Put(ctx, "k", strings.NewReader("w"), nil)
	check("put", "k", err)
	err = b.Delete(ctx, "k", &storage.DeleteOptions{IfMatch: a.ETag})
	check("delete", "k", err)
	_, err = b.List(ctx, &storage.ListOptions{Prefix: "k"})
	check("list", "k", err)
}

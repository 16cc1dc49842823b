package storagetest

import (
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
)

// testNotFound: "A missing key returns an error matching ErrNotFound" for
// Stat, Get and Delete; Put with IfMatch on a missing key fails with
// ErrPreconditionFailed. Keys next to an existing object (its prefix, a
// child of it) are missing too.
func (s *suite) testNotFound(t *testing.T) {
	b := s.bucket(t)
	put(t, b, "present", []byte("here"), nil)
	etag := stat(t, b, "present").ETag

	for _, k := range []namedKey{{"Stat", "missing/key.txt"}, {"StatPrefixOfKey", "prese"}, {"StatChildOfKey", "present/child"}} {
		t.Run(k.name, func(t *testing.T) {
			_, err := b.Stat(t.Context(), k.key)
			checkErr(t, err, storage.ErrNotFound, "stat", k.key)
		})
	}
	const key = "missing/key.txt"
	t.Run("Get", func(t *testing.T) {
		_, err := b.Get(t.Context(), key, nil)
		checkErr(t, err, storage.ErrNotFound, "get", key)
	})
	t.Run("GetRange", func(t *testing.T) {
		_, err := b.Get(t.Context(), key, &storage.GetOptions{Range: &storage.Range{Offset: 0, Length: 1}})
		checkErr(t, err, storage.ErrNotFound, "get", key)
	})
	t.Run("GetIfNoneMatch", func(t *testing.T) {
		_, err := b.Get(t.Context(), key, &storage.GetOptions{IfNoneMatch: etag})
		checkErr(t, err, storage.ErrNotFound, "get", key)
	})
	t.Run("Delete", func(t *testing.T) {
		err := b.Delete(t.Context(), key, nil)
		checkErr(t, err, storage.ErrNotFound, "delete", key)
	})
	t.Run("DeleteIfMatch", func(t *testing.T) {
		err := b.Delete(t.Context(), key, &storage.DeleteOptions{IfMatch: etag})
		checkErr(t, err, storage.ErrNotFound, "delete", key)
	})
	t.Run("PutIfMatch", func(t *testing.T) {
		_, err := b.Put(t.Context(), key, strings.NewReader("new"), &storage.PutOptions{IfMatch: etag})
		checkErr(t, err, storage.ErrPreconditionFailed, "put", key)
		checkMissing(t, b, key)
	})
}

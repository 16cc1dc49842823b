package storagetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
)

// testETag: the ETag Put returns is the one Stat, Get and List report; it
// is quoted; different content has a different ETag.
func (s *suite) testETag(t *testing.T) {
	b := s.bucket(t)
	a := put(t, b, "k", []byte("one"), nil)
	t.Run("Quoted", func(t *testing.T) {
		if !strings.HasPrefix(a.ETag, `"`) || storage.NormalizeETag(a.ETag) != a.ETag {
			t.Errorf("ETag %s is not in quoted form", a.ETag)
		}
	})
	t.Run("SameEverywhere", func(t *testing.T) {
		if sa := stat(t, b, "k"); sa.ETag != a.ETag {
			t.Errorf("Stat ETag %s, Put returned %s", sa.ETag, a.ETag)
		}
		if obj, _ := get(t, b, "k", nil); obj.ETag != a.ETag {
			t.Errorf("Get ETag %s, Put returned %s", obj.ETag, a.ETag)
		}
		page, err := b.List(t.Context(), nil)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if len(page.Objects) != 1 || page.Objects[0].ETag != a.ETag {
			t.Errorf("List = %+v, want one object with ETag %s", page.Objects, a.ETag)
		}
	})
	t.Run("ChangesWithContent", func(t *testing.T) {
		a2 := put(t, b, "k", []byte("two"), nil)
		if a2.ETag == a.ETag {
			t.Errorf("ETag %s did not change with the content", a.ETag)
		}
		if sa := stat(t, b, "k"); sa.ETag != a2.ETag {
			t.Errorf("Stat ETag %s, last Put returned %s", sa.ETag, a2.ETag)
		}
	})
}

// testGetIfNoneMatch: Get with the current ETag as IfNoneMatch fails
// with ErrNotModified; with another ETag it reads the object.
func (s *suite) testGetIfNoneMatch(t *testing.T) {
	b := s.bucket(t)
	old := put(t, b, "k", []byte("old"), nil)
	cur := put(t, b, "k", []byte("current"), nil)
	t.Run("Equal", func(t *testing.T) {
		obj, err := b.Get(t.Context(), "k", &storage.GetOptions{IfNoneMatch: cur.ETag})
		if checkErr(t, err, storage.ErrNotModified, "get", "k") && obj != nil {
			t.Errorf("Get returned an object with ErrNotModified")
		}
	})
	t.Run("Different", func(t *testing.T) {
		obj, data := get(t, b, "k", &storage.GetOptions{IfNoneMatch: old.ETag})
		if string(data) != "current" || obj.ETag != cur.ETag {
			t.Errorf("Get = %q, ETag %s; want %q, %s", data, obj.ETag, "current", cur.ETag)
		}
	})
}

// testPutIfNoneMatch: Put with IfNoneMatch "*" creates an absent key and
// fails with ErrPreconditionFailed on a present one, keeping it.
func (s *suite) testPutIfNoneMatch(t *testing.T) {
	b := s.bucket(t)
	create := &storage.PutOptions{IfNoneMatch: "*"}
	t.Run("Absent", func(t *testing.T) {
		a := put(t, b, "new", []byte("created"), create)
		checkBody(t, b, "new", []byte("created"), a.ETag)
	})
	t.Run("Present", func(t *testing.T) {
		a := put(t, b, "exists", []byte("first"), nil)
		_, err := b.Put(t.Context(), "exists", strings.NewReader("second"), create)
		checkErr(t, err, storage.ErrPreconditionFailed, "put", "exists")
		checkBody(t, b, "exists", []byte("first"), a.ETag)
	})
}

// testPutIfMatch: Put with IfMatch succeeds against the current ETag
// (quoted or not) and fails with ErrPreconditionFailed against a stale
// one or a missing key, keeping what was there.
func (s *suite) testPutIfMatch(t *testing.T) {
	b := s.bucket(t)
	t.Run("Current", func(t *testing.T) {
		a := put(t, b, "cur", []byte("v1"), nil)
		a2 := put(t, b, "cur", []byte("v2"), &storage.PutOptions{IfMatch: a.ETag})
		checkBody(t, b, "cur", []byte("v2"), a2.ETag)
	})
	t.Run("Stale", func(t *testing.T) {
		stale := put(t, b, "stale", []byte("v1"), nil)
		a := put(t, b, "stale", []byte("v2"), nil)
		_, err := b.Put(t.Context(), "stale", strings.NewReader("v3"), &storage.PutOptions{IfMatch: stale.ETag})
		checkErr(t, err, storage.ErrPreconditionFailed, "put", "stale")
		checkBody(t, b, "stale", []byte("v2"), a.ETag)
	})
	t.Run("Missing", func(t *testing.T) {
		other := put(t, b, "other", []byte("v1"), nil)
		_, err := b.Put(t.Context(), "missing", strings.NewReader("v1"), &storage.PutOptions{IfMatch: other.ETag})
		checkErr(t, err, storage.ErrPreconditionFailed, "put", "missing")
		checkMissing(t, b, "missing")
	})
	t.Run("Unquoted", func(t *testing.T) {
		a := put(t, b, "unq", []byte("v1"), nil)
		bare := strings.Trim(a.ETag, `"`)
		a2 := put(t, b, "unq", []byte("v2"), &storage.PutOptions{IfMatch: bare})
		checkBody(t, b, "unq", []byte("v2"), a2.ETag)
	})
}

// testDeleteIfMatch: Delete with IfMatch removes the object only if its
// ETag is current; a stale one fails with ErrPreconditionFailed and
// keeps the object.
func (s *suite) testDeleteIfMatch(t *testing.T) {
	b := s.bucket(t)
	t.Run("Current", func(t *testing.T) {
		a := put(t, b, "cur", []byte("v1"), nil)
		if err := b.Delete(t.Context(), "cur", &storage.DeleteOptions{IfMatch: a.ETag}); err != nil {
			t.Fatalf("Delete(IfMatch current): %v", err)
		}
		checkMissing(t, b, "cur")
	})
	t.Run("Stale", func(t *testing.T) {
		stale := put(t, b, "stale", []byte("v1"), nil)
		a := put(t, b, "stale", []byte("v2"), nil)
		err := b.Delete(t.Context(), "stale", &storage.DeleteOptions{IfMatch: stale.ETag})
		checkErr(t, err, storage.ErrPreconditionFailed, "delete", "stale")
		checkBody(t, b, "stale", []byte("v2"), a.ETag)
	})
	t.Run("Unconditional", func(t *testing.T) {
		put(t, b, "any", []byte("v1"), nil)
		if err := b.Delete(t.Context(), "any", nil); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		checkMissing(t, b, "any")
		if err := b.Delete(t.Context(), "any", nil); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("second Delete = %v, want an error matching ErrNotFound", err)
		}
	})
}

package storagetest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/r2kit/r2kit/storage"
)

// unknownSize hides the length of r from the backend (storage.BodySize
// returns -1 for it).
func unknownSize(r io.Reader) io.Reader { return struct{ io.Reader }{r} }

// randomBytes returns n pseudo-random bytes, the same for the same seed.
func randomBytes(n int, seed uint64) []byte {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(s).Read(b)
	return b
}

// put stores data at key and checks the attributes Put returns: Key,
// Size and a quoted ETag.
func put(t testing.TB, b storage.Bucket, key string, data []byte, opts *storage.PutOptions) *storage.Attrs {
	t.Helper()
	a, err := b.Put(t.Context(), key, bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	checkPutAttrs(t, a, key, int64(len(data)))
	return a
}

// checkPutAttrs checks the attributes Put returned for a body of size
// bytes.
func checkPutAttrs(t testing.TB, a *storage.Attrs, key string, size int64) {
	t.Helper()
	switch {
	case a == nil:
		t.Fatalf("Put(%q) returned nil attributes and no error", key)
	case a.Key != key:
		t.Errorf("Put(%q): Attrs.Key = %q", key, a.Key)
	case a.Size != size:
		t.Errorf("Put(%q): Attrs.Size = %d, want %d", key, a.Size, size)
	case a.ETag == "" || storage.NormalizeETag(a.ETag) != a.ETag:
		t.Errorf("Put(%q): Attrs.ETag = %q, want a quoted entity tag", key, a.ETag)
	}
}

// stat returns the attributes of key, failing t on error.
func stat(t testing.TB, b storage.Bucket, key string) *storage.Attrs {
	t.Helper()
	a, err := b.Stat(t.Context(), key)
	if err != nil {
		t.Fatalf("Stat(%q): %v", key, err)
	}
	if a.Key != key {
		t.Errorf("Stat(%q): Attrs.Key = %q", key, a.Key)
	}
	return a
}

// get reads the object at key whole, failing t on error.
func get(t testing.TB, b storage.Bucket, key string, opts *storage.GetOptions) (*storage.Object, []byte) {
	t.Helper()
	obj, err := b.Get(t.Context(), key, opts)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer obj.Body.Close()
	data, err := io.ReadAll(obj.Body)
	if err != nil {
		t.Fatalf("Get(%q): reading body: %v", key, err)
	}
	if obj.Key != key {
		t.Errorf("Get(%q): Attrs.Key = %q", key, obj.Key)
	}
	return obj, data
}

// checkContent reads key with Get and checks its body with
// iotest.TestReader and its attributes against want.
func checkContent(t testing.TB, b storage.Bucket, key string, data []byte, want *storage.Attrs) {
	t.Helper()
	obj, err := b.Get(t.Context(), key, nil)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer obj.Body.Close()
	if err := testReader(obj.Body, data); err != nil {
		t.Errorf("Get(%q): body: %v", key, err)
	}
	if obj.Key != key || obj.Size != want.Size || obj.ETag != want.ETag {
		t.Errorf("Get(%q): Key, Size, ETag = %q, %d, %s; want %q, %d, %s",
			key, obj.Key, obj.Size, obj.ETag, key, want.Size, want.ETag)
	}
	if obj.Offset != 0 || obj.Length != int64(len(data)) {
		t.Errorf("Get(%q): Offset, Length = %d, %d; want 0, %d", key, obj.Offset, obj.Length, len(data))
	}
}

// testReader checks that r yields data, with iotest.TestReader up to 1
// MiB. iotest.TestReader reads 1 to 3 bytes at a time, which takes
// seconds for larger bodies under -race: those are read in big chunks
// and checked to end with io.EOF.
func testReader(r io.Reader, data []byte) error {
	if len(data) <= 1<<20 {
		return iotest.TestReader(r, data)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, data) {
		return fmt.Errorf("read %s, want %s", abbrev(got), abbrev(data))
	}
	if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		return fmt.Errorf("Read(10) at EOF = %d, %v; want 0, EOF", n, err)
	}
	return nil
}

// checkBody checks that key holds exactly data and has ETag etag.
func checkBody(t testing.TB, b storage.Bucket, key string, data []byte, etag string) {
	t.Helper()
	obj, got := get(t, b, key, nil)
	if !bytes.Equal(got, data) {
		t.Errorf("Get(%q) = %s, want %s", key, abbrev(got), abbrev(data))
	}
	if obj.ETag != etag {
		t.Errorf("Get(%q): ETag = %s, want %s", key, obj.ETag, etag)
	}
}

// checkMissing checks that Stat reports key as not found.
func checkMissing(t testing.TB, b storage.Bucket, key string) {
	t.Helper()
	if a, err := b.Stat(t.Context(), key); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat(%q) = %+v, %v; want an error matching ErrNotFound", key, a, err)
	}
}

// checkErr checks that err matches want and is a *storage.Error for op
// and key whose message names the key. It reports whether all held.
func checkErr(t testing.TB, err, want error, op, key string) bool {
	t.Helper()
	if err == nil {
		t.Errorf("%s %q: no error, want one matching %v", op, key, want)
		return false
	}
	if !errors.Is(err, want) {
		t.Errorf("%s %q: error %q does not match %v", op, key, err, want)
		return false
	}
	return checkStorageError(t, err, op, key)
}

// checkStorageError checks that err is a *storage.Error for op and key
// whose message names the key.
func checkStorageError(t testing.TB, err error, op, key string) bool {
	t.Helper()
	var se *storage.Error
	if !errors.As(err, &se) {
		t.Errorf("%s %q: error %q (%T) is not a *storage.Error", op, key, err, err)
		return false
	}
	ok := true
	if se.Op != op || se.Key != key {
		t.Errorf("%s %q: *storage.Error has Op %q, Key %q", op, key, se.Op, se.Key)
		ok = false
	}
	if !strings.Contains(err.Error(), key) {
		t.Errorf("%s %q: message %q does not name the key", op, key, err)
		ok = false
	}
	return ok
}

// checkModTime checks that a ModTime is set and plausible.
func checkModTime(t testing.TB, what string, mt time.Time) {
	t.Helper()
	if d := time.Since(mt); mt.IsZero() || d > time.Hour || d < -time.Hour {
		t.Errorf("%s: ModTime = %v, want about now", what, mt)
	}
}

// snapshot lists the whole bucket as key -> ETag.
func snapshot(t testing.TB, b storage.Bucket) map[string]string {
	t.Helper()
	m := map[string]string{}
	for a, err := range storage.Objects(t.Context(), b, nil) {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		m[a.Key] = a.ETag
	}
	return m
}

// abbrev describes data briefly for failure messages.
func abbrev(data []byte) string {
	if len(data) <= 64 {
		return fmt.Sprintf("%q", data)
	}
	return fmt.Sprintf("%q... (%d bytes)", data[:32], len(data))
}

//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/filestore"
)

// fixtureTime is the modification time copyFixture gives every file.
var fixtureTime = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// v1Object is an entry of testdata/v1.json: an object of the format 1
// fixture as the format 1 release reported it.
type v1Object struct {
	Key         string            `json:"key"`
	Body        string            `json:"body"`
	ETag        string            `json:"etag"`
	ContentType string            `json:"content_type"`
	Metadata    map[string]string `json:"metadata"`
}

// copyFixture copies testdata/v1 to a new directory, every file with
// the modification time fixtureTime, and returns it.
func copyFixture(t testing.TB) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "root")
	err := filepath.WalkDir(filepath.Join("testdata", "v1"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join("testdata", "v1"), p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o777)
		}
		data, err := os.ReadFile(p)
		if err == nil {
			err = os.WriteFile(to, data, 0o666)
		}
		if err == nil {
			err = os.Chtimes(to, fixtureTime, fixtureTime)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// v1Objects returns the objects of the fixture.
func v1Objects(t testing.TB) []v1Object {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var objs []v1Object
	if err := json.Unmarshal(data, &objs); err != nil {
		t.Fatal(err)
	}
	if len(objs) < 10 {
		t.Fatalf("testdata/v1.json lists %d objects", len(objs))
	}
	return objs
}

// checkMigrated checks that the copy of the fixture at dir, open as b,
// is in format 2 and holds every object of the fixture with its body,
// ETag, content type, metadata and modification time, and nothing else;
// that the files that were not objects stayed; and that conditional
// writes see the objects' ETags.
func checkMigrated(t *testing.T, dir string, b storage.Bucket) {
	t.Helper()
	marker, err := os.ReadFile(filepath.Join(dir, ".r2kit", "format"))
	if err != nil || string(marker) != "r2kit filestore format 2\n" {
		t.Errorf("format marker = %q, %v; want format 2", marker, err)
	}
	if _, err := os.Lstat(filepath.Join(dir, ".r2kit", "v2")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the staging directory is still there: %v", err)
	}
	objs := v1Objects(t)
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
		a, err := b.Stat(t.Context(), o.Key)
		if err != nil {
			t.Errorf("Stat(%q): %v", o.Key, err)
			continue
		}
		if a.ETag != o.ETag || a.Size != int64(len(o.Body)) || a.ContentType != o.ContentType ||
			!maps.Equal(a.Metadata, o.Metadata) || !a.ModTime.Equal(fixtureTime) {
			t.Errorf("Stat(%q) = %+v\nwant ETag %s, size %d, content type %q, metadata %v, ModTime %v",
				o.Key, a, o.ETag, len(o.Body), o.ContentType, o.Metadata, fixtureTime)
		}
		obj, body := get(t, b, o.Key)
		if body != o.Body || obj.ETag != o.ETag || obj.ETag != storage.MD5ETag([]byte(body)) {
			t.Errorf("Get(%q) = %q, ETag %s; want %q, %s", o.Key, body, obj.ETag, o.Body, o.ETag)
		}
	}
	if got := listKeys(t, b); !slices.Equal(got, keys) {
		t.Errorf("List =\n\t%q\nwant\n\t%q", got, keys)
	}
	_, err = b.Stat(t.Context(), "corrupt")
	if err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("Stat(corrupt) = %v, want an error saying the object is corrupt", err)
	}
	_, err = b.Stat(t.Context(), "README.txt")
	wantErr(t, "Stat README.txt", err, storage.ErrNotFound)
	for _, name := range []string{"README.txt", ".r2kit/v1-conflicts/x%2F/notes.txt"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Errorf("a file that is not an object is gone: %v", err)
		}
	}
	if got := tempFiles(t, dir); len(got) != 0 {
		t.Errorf("temp files %q are left", got)
	}
}

// checkETags checks, on a migrated fixture, that conditional writes
// compare with the ETags of format 1.
func checkETags(t *testing.T, b storage.Bucket) {
	t.Helper()
	for _, o := range v1Objects(t) {
		_, err := b.Put(t.Context(), o.Key, strings.NewReader("new"), &storage.PutOptions{IfNoneMatch: "*"})
		wantErr(t, "Put IfNoneMatch * "+o.Key, err, storage.ErrPreconditionFailed)
		_, err = b.Put(t.Context(), o.Key, strings.NewReader("new"), &storage.PutOptions{IfMatch: `"0123456789abcdef0123456789abcdef"`})
		wantErr(t, "Put IfMatch (another ETag) "+o.Key, err, storage.ErrPreconditionFailed)
		if _, err := b.Get(t.Context(), o.Key, &storage.GetOptions{IfNoneMatch: o.ETag}); !errors.Is(err, storage.ErrNotModified) {
			t.Errorf("Get(%q) IfNoneMatch its ETag = %v, want ErrNotModified", o.Key, err)
		}
		a := put(t, b, o.Key, "v2 of "+o.Key, &storage.PutOptions{IfMatch: o.ETag})
		if err := b.Delete(t.Context(), o.Key, &storage.DeleteOptions{IfMatch: o.ETag}); !errors.Is(err, storage.ErrPreconditionFailed) {
			t.Errorf("Delete(%q) IfMatch the replaced ETag = %v, want ErrPreconditionFailed", o.Key, err)
		}
		if err := b.Delete(t.Context(), o.Key, &storage.DeleteOptions{IfMatch: a.ETag}); err != nil {
			t.Errorf("Delete(%q) IfMatch: %v", o.Key, err)
		}
	}
}

// TestMigrateV1: a directory of format 1 opens, is migrated in place,
// and holds every object with its metadata and ETag; opening it again
// finds format 2 and changes nothing.
func TestMigrateV1(t *testing.T) {
	dir := copyFixture(t)
	b := openBucket(t, dir, nil)
	checkMigrated(t, dir, b)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b = openBucket(t, dir, nil)
	checkMigrated(t, dir, b)
	checkETags(t, b)
}

// TestMigrateV1Interrupted: a migration stopped before any of its steps
// (as by a crash) resumes at the next Open, even when stopped again, and
// ends with every object in place.
func TestMigrateV1Interrupted(t *testing.T) {
	for n := 0; ; n++ {
		dir := copyFixture(t)
		restore := filestore.FailMigrationAt(n)
		b, err := filestore.Open(dir, nil)
		restore()
		if err == nil {
			// The migration has fewer than n steps: every
			// interruption was tried.
			checkMigrated(t, dir, b)
			b.Close()
			if n < 20 {
				t.Errorf("the migration of the fixture has %d steps, want more", n)
			}
			t.Logf("interrupted the migration at each of its %d steps", n)
			return
		}
		if !errors.Is(err, filestore.ErrMigrationFault) {
			t.Fatalf("Open stopped at step %d: %v", n, err)
		}
		// A second interruption, soon after resuming.
		restore = filestore.FailMigrationAt(n % 3)
		b, err = filestore.Open(dir, nil)
		restore()
		if err == nil {
			b.Close()
		} else if !errors.Is(err, filestore.ErrMigrationFault) {
			t.Fatalf("Open resuming after step %d: %v", n, err)
		}
		b = openBucket(t, dir, nil)
		checkMigrated(t, dir, b)
		if t.Failed() {
			t.Fatalf("after an interruption at step %d", n)
		}
		b.Close()
	}
}

// TestMigrateV1Concurrent: Buckets opening one directory of format 1 at
// once (each with its own descriptors, as processes have) take turns on
// the root lock: one migrates, the others find format 2.
func TestMigrateV1Concurrent(t *testing.T) {
	dir := copyFixture(t)
	const openers = 8
	var wg sync.WaitGroup
	buckets := make([]*filestore.Bucket, openers)
	errs := make([]error, openers)
	for i := range openers {
		wg.Go(func() { buckets[i], errs[i] = filestore.Open(dir, nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		t.Cleanup(func() { buckets[i].Close() })
	}
	for _, b := range buckets {
		checkMigrated(t, dir, b)
	}
}

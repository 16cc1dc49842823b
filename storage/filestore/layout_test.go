//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/filestore"
)

// TestReopen: objects, with their content type, metadata, ETag and
// modification time, survive closing and reopening the directory.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	b := openBucket(t, dir, nil)
	opts := &storage.PutOptions{
		ContentType: "application/json",
		Metadata:    map[string]string{"X-Owner": "ana", "ttl": "2030-01-01T00:00:00Z"},
	}
	want := map[string]*storage.Attrs{
		"docs/a.json": put(t, b, "docs/a.json", `{"a":1}`, opts),
		"b":           put(t, b, "b", "bee", nil),
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	b = openBucket(t, dir, nil)
	for key, w := range want {
		a, err := b.Stat(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		if a.ETag != w.ETag || a.Size != w.Size || a.ContentType != w.ContentType ||
			!maps.Equal(a.Metadata, w.Metadata) || !a.ModTime.Equal(w.ModTime) {
			t.Errorf("after reopening, Stat(%q) = %+v\nwant %+v", key, a, w)
		}
	}
	obj, body := get(t, b, "docs/a.json")
	if body != `{"a":1}` || obj.ETag != storage.MD5ETag([]byte(body)) {
		t.Errorf("Get = %q, ETag %s; want the stored body and its MD5", body, obj.ETag)
	}
	if md := obj.Metadata; md["x-owner"] != "ana" || len(md) != 2 {
		t.Errorf("Metadata = %v, want lower-case keys", md)
	}
}

// TestFileFormat: the key's segments are the directories and the file
// of its path, a directory's name ending in %2F; the file holds the
// magic, the header length, the JSON header (naming the key) and the
// body; the format marker says format 2.
func TestFileFormat(t *testing.T) {
	dir := t.TempDir()
	b := openBucket(t, dir, nil)
	a := put(t, b, "threads/t1/msg.json", "hello", &storage.PutOptions{
		ContentType: "text/plain",
		Metadata:    map[string]string{"Writer": "w1"},
	})
	marker, err := os.ReadFile(filepath.Join(dir, ".r2kit", "format"))
	if err != nil || string(marker) != "r2kit filestore format 2\n" {
		t.Errorf("format marker = %q, %v", marker, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "threads%2F", "t1%2F", "msg.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("R2KITOBJ")) || len(raw) < 12 {
		t.Fatalf("file = %q, want the magic first", raw)
	}
	n := int(binary.BigEndian.Uint32(raw[8:12]))
	var h struct {
		V           int               `json:"v"`
		ETag        string            `json:"etag"`
		Key         string            `json:"key"`
		ContentType string            `json:"content_type"`
		Metadata    map[string]string `json:"metadata"`
	}
	if err := json.Unmarshal(raw[12:12+n], &h); err != nil {
		t.Fatalf("header %q: %v", raw[12:12+n], err)
	}
	if h.V != 2 || h.Key != "threads/t1/msg.json" || `"`+h.ETag+`"` != a.ETag || h.ContentType != "text/plain" || h.Metadata["writer"] != "w1" {
		t.Errorf("header = %+v; Put returned %+v", h, a)
	}
	if body := string(raw[12+n:]); body != "hello" {
		t.Errorf("body = %q, want %q", body, "hello")
	}
}

// TestTempCleanup: Open removes temp files no process holds, and keeps
// those a live writer holds locked.
func TestTempCleanup(t *testing.T) {
	dir := t.TempDir()
	openBucket(t, dir, nil).Close()
	tmp := filepath.Join(dir, ".r2kit", "tmp")
	if err := os.WriteFile(filepath.Join(tmp, "put-orphan"), []byte("R2KITOBJ torn"), 0o666); err != nil {
		t.Fatal(err)
	}
	live, err := os.Create(filepath.Join(tmp, "put-live"))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if err := unix.Flock(int(live.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}

	openBucket(t, dir, nil)
	if got := tempFiles(t, dir); !slices.Equal(got, []string{"put-live"}) {
		t.Errorf("after Open, temp files = %q, want just the locked one", got)
	}

	live.Close() // the writer dies
	openBucket(t, dir, nil)
	if got := tempFiles(t, dir); len(got) != 0 {
		t.Errorf("after the writer died and Open, temp files = %q, want none", got)
	}
}

// TestDeleteRemovesEmptyDirectories: Delete removes the directories it
// leaves empty, up to the root, and no others; Put makes them again.
func TestDeleteRemovesEmptyDirectories(t *testing.T) {
	dir := t.TempDir()
	b := openBucket(t, dir, nil)
	put(t, b, "a/b/c/d.txt", "d", nil)
	put(t, b, "a/x.txt", "x", nil)
	if err := b.Delete(t.Context(), "a/b/c/d.txt", nil); err != nil {
		t.Fatal(err)
	}
	if got, want := tree(t, dir), []string{"a%2F/", "a%2F/x.txt"}; !slices.Equal(got, want) {
		t.Errorf("after deleting a/b/c/d.txt, tree = %q, want %q", got, want)
	}
	if err := b.Delete(t.Context(), "a/x.txt", nil); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, dir); len(got) != 0 {
		t.Errorf("after deleting every key, tree = %q, want nothing", got)
	}
	put(t, b, "a/b/c/d.txt", "again", nil)
	if _, body := get(t, b, "a/b/c/d.txt"); body != "again" {
		t.Errorf("Get = %q", body)
	}
}

// TestDeleteRacesPut: a Put whose directory a concurrent Delete removes
// makes it again. Writers put and delete keys in sibling directories, so
// that their common parents keep vanishing and coming back.
func TestDeleteRacesPut(t *testing.T) {
	dir := t.TempDir()
	b := openBucket(t, dir, &filestore.Options{NoSync: true})
	const writers, rounds = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			key := fmt.Sprintf("d/e/%d/f/k", w)
			for i := range rounds {
				if _, err := b.Put(t.Context(), key, strings.NewReader(strconv.Itoa(i)), nil); err != nil {
					errs <- err
					return
				}
				if err := b.Delete(t.Context(), key, nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := tree(t, dir); len(got) != 0 {
		t.Errorf("after every key was deleted, tree = %q, want nothing", got)
	}
}

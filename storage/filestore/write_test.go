//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/r2kit/r2kit/storage"
)

// TestTornWrite: a Put whose body fails halfway leaves the old object,
// and no temp file.
func TestTornWrite(t *testing.T) {
	dir := t.TempDir()
	b := openBucket(t, dir, nil)
	old := put(t, b, "k", "old", nil)
	errBoom := errors.New("boom")
	body := io.MultiReader(bytes.NewReader(make([]byte, 300<<10)), iotest.ErrReader(errBoom))

	_, err := b.Put(t.Context(), "k", body, &storage.PutOptions{ContentType: "new"})
	wantErr(t, "Put with a failing body", err, errBoom)
	_, err = b.Put(t.Context(), "new/key", iotest.ErrReader(errBoom), nil)
	wantErr(t, "Put of a new key with a failing body", err, errBoom)

	obj, data := get(t, b, "k")
	if data != "old" || obj.ETag != old.ETag || obj.ContentType != "" {
		t.Errorf("after a failed Put, Get = %q (%+v), want the old object", data, obj.Attrs)
	}
	if _, err := b.Stat(t.Context(), "new/key"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat(new/key) after a failed Put = %v, want ErrNotFound", err)
	}
	if got := tempFiles(t, dir); len(got) != 0 {
		t.Errorf("failed Puts left temp files %q", got)
	}
	if got := tree(t, dir); len(got) != 1 {
		t.Errorf("failed Puts left %q", got)
	}
}

// cancellingReader cancels a context after yielding n bytes.
type cancellingReader struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	n, err := c.r.Read(p[:min(len(p), max(c.n, 1))])
	c.n -= n
	return n, err
}

// TestCancelledPut: a Put whose context is cancelled while the body
// streams fails with the context's error and leaves the old object.
func TestCancelledPut(t *testing.T) {
	dir := t.TempDir()
	b := openBucket(t, dir, nil)
	old := put(t, b, "k", "old", nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	body := &cancellingReader{r: bytes.NewReader(make([]byte, 1<<20)), n: 100 << 10, cancel: cancel}

	_, err := b.Put(ctx, "k", body, nil)
	wantErr(t, "cancelled Put", err, context.Canceled)
	if a, err := b.Stat(t.Context(), "k"); err != nil || a.ETag != old.ETag {
		t.Errorf("after a cancelled Put, Stat = %+v, %v; want the old object", a, err)
	}
	if got := tempFiles(t, dir); len(got) != 0 {
		t.Errorf("a cancelled Put left temp files %q", got)
	}
}

// TestGetKeepsVersion: a Body keeps reading the version Get opened, even
// after the key is replaced or deleted, and after the Bucket is closed.
func TestGetKeepsVersion(t *testing.T) {
	b := openBucket(t, t.TempDir(), nil)
	big := strings.Repeat("v1", 64<<10)
	put(t, b, "k", big, nil)
	obj, err := b.Get(t.Context(), "k", &storage.GetOptions{Range: &storage.Range{Offset: 2, Length: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	put(t, b, "k", "v2", nil)
	if err := b.Delete(t.Context(), "k", nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(obj.Body)
	if err != nil || string(data) != big[2:] {
		t.Errorf("reading the body = %d bytes, %v; want the version Get opened", len(data), err)
	}
}

// TestCloseDuringPut: Close does not wait for a Put in progress, which
// completes; the next operation fails with ErrClosed.
func TestCloseDuringPut(t *testing.T) {
	dir := t.TempDir()
	b := openBucket(t, dir, nil)
	pr, pw := io.Pipe()
	done := make(chan error)
	go func() {
		_, err := b.Put(t.Context(), "k", pr, nil)
		done <- err
	}()
	if _, err := pw.Write([]byte("first half, ")); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := b.Stat(t.Context(), "k")
	wantErr(t, "Stat after Close", err, storage.ErrClosed)
	pw.Write([]byte("second half"))
	pw.Close()
	if err := <-done; err != nil {
		t.Fatalf("Put in progress at Close: %v", err)
	}
	b2 := openBucket(t, dir, nil)
	if _, body := get(t, b2, "k"); body != "first half, second half" {
		t.Errorf("Get = %q", body)
	}
}

// TestBodyContext: reading a Body fails once the context of its Get is
// done.
func TestBodyContext(t *testing.T) {
	b := openBucket(t, t.TempDir(), nil)
	put(t, b, "k", strings.Repeat("x", 100<<10), nil)
	ctx, cancel := context.WithCancel(t.Context())
	obj, err := b.Get(ctx, "k", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	if _, err := obj.Body.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err = io.ReadAll(obj.Body)
	wantErr(t, "reading a Body after cancel", err, context.Canceled)
}

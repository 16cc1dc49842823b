//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore_test

import (
	"net/url"
	"path/filepath"
	"testing"

	"github.com/r2kit/r2kit/storage"
)

// TestOpenURL: storage.Open opens file:// URLs and plain paths with
// filestore, and refuses remote hosts and unknown parameters.
func TestOpenURL(t *testing.T) {
	dir := t.TempDir()
	fileURL := (&url.URL{Scheme: "file", Path: filepath.Join(dir, "with space")}).String()
	for _, u := range []string{
		fileURL,
		fileURL + "?nosync=true",
		"file://localhost" + filepath.ToSlash(filepath.Join(dir, "local")),
		filepath.Join(dir, "plain"),
	} {
		b, err := storage.Open(t.Context(), u)
		if err != nil {
			t.Errorf("Open(%q): %v", u, err)
			continue
		}
		if be, ok := b.(storage.Backend); !ok || be.Backend() != "file" {
			t.Errorf("Open(%q) = %T, want a filestore", u, b)
		}
		put(t, b, "k", "v", nil)
		b.Close()
	}
	for _, u := range []string{
		"file://remote" + filepath.ToSlash(dir),
		fileURL + "?bogus=1",
		fileURL + "?nosync=maybe",
		"file://" + filepath.ToSlash(dir) + "/%zz",
	} {
		if b, err := storage.Open(t.Context(), u); err == nil {
			b.Close()
			t.Errorf("Open(%q) succeeded, want an error", u)
		} else {
			t.Logf("Open(%q): %v", u, err)
		}
	}
}

//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
)

// put stores data at key, failing t on error.
func put(t testing.TB, b storage.Bucket, key, data string, opts *storage.PutOptions) *storage.Attrs {
	t.Helper()
	a, err := b.Put(t.Context(), key, strings.NewReader(data), opts)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return a
}

// get returns the object at key and its body, failing t on error.
func get(t testing.TB, b storage.Bucket, key string) (*storage.Object, string) {
	t.Helper()
	obj, err := b.Get(t.Context(), key, nil)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer obj.Body.Close()
	data, err := io.ReadAll(obj.Body)
	if err != nil {
		t.Fatalf("Get(%q): reading body: %v", key, err)
	}
	return obj, string(data)
}

// wantErr checks that err matches want and is a *storage.Error.
func wantErr(t testing.TB, what string, err, want error) {
	t.Helper()
	var se *storage.Error
	switch {
	case err == nil:
		t.Errorf("%s: no error, want one matching %v", what, want)
	case !errors.Is(err, want):
		t.Errorf("%s: error %q does not match %v", what, err, want)
	case !errors.As(err, &se):
		t.Errorf("%s: error %q (%T) is not a *storage.Error", what, err, err)
	}
}

// listKeys returns every key of the bucket, in order.
func listKeys(t testing.TB, b storage.Bucket) []string {
	t.Helper()
	var keys []string
	for a, err := range storage.Objects(t.Context(), b, nil) {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		keys = append(keys, a.Key)
	}
	return keys
}

// tree returns the paths of the files and directories under dir,
// relative to it and slash-separated, directories with a trailing slash,
// in lexical order, leaving out the internal directory.
func tree(t testing.TB, dir string) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case rel == ".":
			return nil
		case rel == ".r2kit":
			return filepath.SkipDir
		case d.IsDir():
			rel += "/"
		}
		paths = append(paths, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(paths)
	return paths
}

// tempFiles returns the names in the internal temp directory of dir.
func tempFiles(t testing.TB, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(filepath.Join(dir, ".r2kit", "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

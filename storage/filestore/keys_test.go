//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/filestore"
)

// TestRejectedKeys: keys that cannot be a path strictly inside the root,
// or that fall in the reserved directory, fail every operation with
// ErrInvalidKey, and the message says why.
func TestRejectedKeys(t *testing.T) {
	dir := t.TempDir()
	b := openBucket(t, dir, nil)
	for _, tc := range []struct{ key, why string }{
		{"/etc/passwd", `starts with "/"`},
		{"../escape", `".." path segment`},
		{"a/../../escape", `".." path segment`},
		{"a/..", `".." path segment`},
		{"./a", `"." path segment`},
		{"a//b", `empty path segment`},
		{"dir/", `ends with "/"`},
		{strings.Repeat("n", 256), "longer than 255"},
		{".r2kit/tmp/put-x", "reserved"},
		{".r2kit", "reserved"},
		{".R2KIT/locks/00", "reserved"},
		{".r2\u212ait/x", "reserved"}, // KELVIN SIGN folds to k
	} {
		ctx := t.Context()
		_, err := b.Put(ctx, tc.key, strings.NewReader("x"), nil)
		wantErr(t, "Put "+tc.key, err, storage.ErrInvalidKey)
		if err != nil && !strings.Contains(err.Error(), tc.why) {
			t.Errorf("Put(%q): error %q does not say %q", tc.key, err, tc.why)
		}
		_, err = b.Get(ctx, tc.key, nil)
		wantErr(t, "Get "+tc.key, err, storage.ErrInvalidKey)
		_, err = b.Stat(ctx, tc.key)
		wantErr(t, "Stat "+tc.key, err, storage.ErrInvalidKey)
		err = b.Delete(ctx, tc.key, nil)
		wantErr(t, "Delete "+tc.key, err, storage.ErrInvalidKey)
	}
	if got := tree(t, dir); len(got) != 0 {
		t.Errorf("rejected keys left %q", got)
	}
	if des, _ := os.ReadDir(filepath.Dir(dir)); len(des) != 1 {
		t.Errorf("rejected keys wrote next to the root: %v", des)
	}
}

// TestConflicts: a key cannot be both an object and the directory of
// other keys; the error names the key it conflicts with and nothing
// changes.
func TestConflicts(t *testing.T) { inBothPathModes(t, testConflicts) }

func testConflicts(t *testing.T) {
	dir := t.TempDir()
	b := openBucket(t, dir, nil)
	put(t, b, "x", "file x", nil)
	put(t, b, "p/q", "under p", nil)

	for _, tc := range []struct {
		key  string
		opts *storage.PutOptions
		why  string
	}{
		{"x/y", nil, `conflicts with the existing key "x"`},
		{"x/y/z", &storage.PutOptions{IfNoneMatch: "*"}, `conflicts with the existing key "x"`},
		{"p", nil, `conflicts with the existing keys under "p/"`},
		{"p", &storage.PutOptions{IfNoneMatch: "*"}, `conflicts with the existing keys under "p/"`},
	} {
		_, err := b.Put(t.Context(), tc.key, strings.NewReader("new"), tc.opts)
		wantErr(t, "Put "+tc.key, err, storage.ErrInvalidKey)
		if err != nil && !strings.Contains(err.Error(), tc.why) {
			t.Errorf("Put(%q): error %q does not say %q", tc.key, err, tc.why)
		}
	}
	for _, key := range []string{"x/y", "p"} {
		_, err := b.Stat(t.Context(), key)
		wantErr(t, "Stat "+key, err, storage.ErrNotFound)
		err = b.Delete(t.Context(), key, nil)
		wantErr(t, "Delete "+key, err, storage.ErrNotFound)
	}
	if got, want := listKeys(t, b), []string{"p/q", "x"}; !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
	if got := tempFiles(t, dir); len(got) != 0 {
		t.Errorf("failed Puts left temp files %q", got)
	}

	// Once the keys under p/ are gone, p can be stored.
	if err := b.Delete(t.Context(), "p/q", nil); err != nil {
		t.Fatal(err)
	}
	put(t, b, "p", "file p", nil)
	// An empty directory left behind (by a crash, or by hand) is no
	// conflict.
	if err := os.MkdirAll(filepath.Join(dir, "e", "f"), 0o777); err != nil {
		t.Fatal(err)
	}
	put(t, b, "e/f", "file e/f", nil)
}

// TestSymlinks: symbolic links inside the directory are never followed,
// so no key reaches outside the root through one.
func TestSymlinks(t *testing.T) { inBothPathModes(t, testSymlinks) }

func testSymlinks(t *testing.T) {
	parent := t.TempDir()
	outside := openBucket(t, filepath.Join(parent, "outside"), nil)
	secret := put(t, outside, "secret", "outside the root", nil)
	dir := filepath.Join(parent, "root")
	b := openBucket(t, dir, nil)
	for name, target := range map[string]string{
		"dirlink":  filepath.Join(parent, "outside"),
		"filelink": filepath.Join(parent, "outside", "secret"),
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}

	for _, key := range []string{"dirlink/secret", "filelink"} {
		_, err := b.Get(t.Context(), key, nil)
		wantErr(t, "Get "+key, err, storage.ErrNotFound)
		_, err = b.Stat(t.Context(), key)
		wantErr(t, "Stat "+key, err, storage.ErrNotFound)
		err = b.Delete(t.Context(), key, nil)
		wantErr(t, "Delete "+key, err, storage.ErrNotFound)
		_, err = b.Put(t.Context(), key, strings.NewReader("x"), &storage.PutOptions{IfMatch: secret.ETag})
		wantErr(t, "Put IfMatch "+key, err, storage.ErrPreconditionFailed)
	}
	_, err := b.Put(t.Context(), "dirlink/new", strings.NewReader("x"), nil)
	wantErr(t, "Put dirlink/new", err, storage.ErrInvalidKey)
	if err != nil && !strings.Contains(err.Error(), `"dirlink" is a symbolic link`) {
		t.Errorf("Put(dirlink/new): error %q does not name the link", err)
	}
	if len(listKeys(t, b)) != 0 {
		t.Errorf("List = %q, want nothing: symbolic links are not followed", listKeys(t, b))
	}

	// A Put replaces the link itself, never its target.
	put(t, b, "filelink", "inside", nil)
	if got, want := listKeys(t, outside), []string{"secret"}; !slices.Equal(got, want) {
		t.Errorf("outside keys = %q, want %q", got, want)
	}
	if _, body := get(t, outside, "secret"); body != "outside the root" {
		t.Errorf("the link's target was overwritten: %q", body)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "filelink")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("filelink after Put: %v, %v; want a regular file", fi, err)
	}
}

// inBothPathModes runs f with paths opened in one openat2(2) call where
// the system has it, and one component at a time.
func inBothPathModes(t *testing.T, f func(*testing.T)) {
	t.Run("Default", f)
	t.Run("PathWalk", func(t *testing.T) {
		defer filestore.ForcePathWalk()()
		f(t)
	})
}

// TestForeignFiles: files without the magic are not objects; a corrupt
// object file is reported, not mistaken for a missing one.
func TestForeignFiles(t *testing.T) {
	dir := t.TempDir()
	b := openBucket(t, dir, nil)
	put(t, b, "notes/real", "an object", nil)
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	write("README.txt", "not an object")
	write("notes/empty", "")
	write("notes/corrupt", "R2KITOBJ\x00\x00\x00\x05{oops")

	if got, want := listKeys(t, b), []string{"notes/real"}; !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
	for _, key := range []string{"README.txt", "notes/empty"} {
		_, err := b.Stat(t.Context(), key)
		wantErr(t, "Stat "+key, err, storage.ErrNotFound)
		err = b.Delete(t.Context(), key, nil)
		wantErr(t, "Delete "+key, err, storage.ErrNotFound)
	}
	if _, err := os.Stat(filepath.Join(dir, "README.txt")); err != nil {
		t.Errorf("Delete removed a file that is not an object: %v", err)
	}

	_, err := b.Stat(t.Context(), "notes/corrupt")
	if err == nil || errors.Is(err, storage.ErrNotFound) || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("Stat(corrupt) = %v, want an error saying the object is corrupt", err)
	}
	_, err = b.Put(t.Context(), "notes/corrupt", strings.NewReader("x"), &storage.PutOptions{IfNoneMatch: "*"})
	wantErr(t, "Put IfNoneMatch over a corrupt object", err, storage.ErrPreconditionFailed)
	if err := b.Delete(t.Context(), "notes/corrupt", nil); err != nil {
		t.Errorf("Delete(corrupt): %v", err)
	}

	// A Put replaces a file that is not an object.
	put(t, b, "README.txt", "now an object", &storage.PutOptions{IfNoneMatch: "*"})
	if _, body := get(t, b, "README.txt"); body != "now an object" {
		t.Errorf("Get = %q", body)
	}
}

// FuzzKeyPath: every key is either rejected with ErrInvalidKey or
// resolves to a path strictly inside the root, and a Put and Get of an
// accepted key write nothing outside the root.
func FuzzKeyPath(f *testing.F) {
	for _, k := range []string{
		"a", "a/b/c.json", "../x", "a/../../b", "/abs", "a//b", "a/./b", "x/..",
		"...", ".r2kit", ".r2kit/tmp/x", ".R2kit/locks/00", `a\..\b`, "nul\x00",
		"é/ü", strings.Repeat("s", 256), strings.Repeat("a/", 300) + "a",
	} {
		f.Add(k)
	}
	parent := f.TempDir()
	root := filepath.Join(parent, "root")
	b, err := filestore.Open(root, &filestore.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { b.Close() })

	f.Fuzz(func(t *testing.T, key string) {
		p, err := filestore.ResolvePath(root, key)
		if err != nil {
			if !errors.Is(err, storage.ErrInvalidKey) {
				t.Fatalf("ResolvePath(%q): %v, want an error matching ErrInvalidKey", key, err)
			}
			if _, err := b.Put(t.Context(), key, strings.NewReader(key), nil); !errors.Is(err, storage.ErrInvalidKey) {
				t.Fatalf("Put(%q) = %v, want ErrInvalidKey like ResolvePath", key, err)
			}
			return
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || !filepath.IsLocal(rel) || !strings.HasPrefix(p, root+"/") {
			t.Fatalf("key %q resolves to %q, outside %q", key, p, root)
		}
		_, err = b.Put(t.Context(), key, strings.NewReader(key), nil)
		switch {
		case errors.Is(err, storage.ErrInvalidKey):
			// A conflict with an earlier key, or a path too long.
		case err != nil:
			t.Fatalf("Put(%q): %v", key, err)
		default:
			if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
				t.Fatalf("Put(%q) stored no file at %q: %v", key, p, err)
			}
			if _, body := get(t, b, key); body != key {
				t.Fatalf("Get(%q) = %q", key, body)
			}
			if err := b.Delete(t.Context(), key, nil); err != nil {
				t.Fatalf("Delete(%q): %v", key, err)
			}
		}
		if des, err := os.ReadDir(parent); err != nil || len(des) != 1 {
			t.Fatalf("after key %q the root's parent holds %v (%v), want just the root", key, des, err)
		}
	})
}

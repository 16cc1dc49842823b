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

// TestHostileKeys: keys that look like paths leaving the root, or into
// the reserved directory, are plain keys: each round-trips, none
// touches a file outside the root or filestore's own files, and they
// are distinct objects.
func TestHostileKeys(t *testing.T) { inBothPathModes(t, testHostileKeys) }

func testHostileKeys(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "root")
	b := openBucket(t, dir, nil)
	keys := []string{
		"/etc/passwd", "../escape", "a/../../escape", "a/..", "./a", "a//b", "dir/", "/", "//", ".", "..",
		strings.Repeat("n", 256), strings.Repeat(".", 300) + "/x",
		".r2kit/tmp/put-x", ".r2kit", ".r2kit/format", ".R2KIT/locks/00", ".r2\u212ait/x",
		"%", "%2F", "a%2F/b", "%H" + strings.Repeat("0", 64), "a/%",
	}
	for _, key := range keys {
		put(t, b, key, key, nil)
	}
	for _, key := range keys {
		if _, body := get(t, b, key); body != key {
			t.Errorf("Get(%q) = %q: another key's object", key, body)
		}
	}
	if got, want := listKeys(t, b), slices.Sorted(slices.Values(keys)); !slices.Equal(got, want) {
		t.Errorf("List =\n\t%q\nwant\n\t%q", got, want)
	}
	if des, _ := os.ReadDir(parent); len(des) != 1 {
		t.Errorf("keys wrote next to the root: %v", des)
	}
	internal, err := os.ReadDir(filepath.Join(dir, ".r2kit"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range internal {
		names = append(names, de.Name())
	}
	if want := []string{"format", "lock", "locks", "tmp"}; !slices.Equal(names, want) {
		t.Errorf("the reserved directory holds %q, want %q", names, want)
	}
	for _, key := range keys {
		if err := b.Delete(t.Context(), key, nil); err != nil {
			t.Errorf("Delete(%q): %v", key, err)
		}
	}
	if got := tree(t, dir); len(got) != 0 {
		t.Errorf("after deleting every key, tree = %q", got)
	}
}

// TestFileAndDirectory: a key and keys under it ("x" and "x/y") are
// separate objects; deleting one leaves the other.
func TestFileAndDirectory(t *testing.T) { inBothPathModes(t, testFileAndDirectory) }

func testFileAndDirectory(t *testing.T) {
	dir := t.TempDir()
	b := openBucket(t, dir, nil)
	keys := []string{"x", "x/", "x/y", "x/y/", "x/y/z", "x//y"}
	for _, k := range keys {
		put(t, b, k, "body of "+k, &storage.PutOptions{IfNoneMatch: "*"})
	}
	if got := listKeys(t, b); !slices.Equal(got, slices.Sorted(slices.Values(keys))) {
		t.Errorf("List = %q, want %q", got, keys)
	}
	for _, k := range keys {
		if err := b.Delete(t.Context(), k, nil); err != nil {
			t.Fatal(err)
		}
		_, err := b.Stat(t.Context(), k)
		wantErr(t, "Stat after Delete "+k, err, storage.ErrNotFound)
		for _, other := range listKeys(t, b) {
			if _, body := get(t, b, other); body != "body of "+other {
				t.Errorf("after deleting %q, Get(%q) = %q", k, other, body)
			}
		}
	}
	if got := tree(t, dir); len(got) != 0 {
		t.Errorf("after deleting every key, tree = %q", got)
	}
}

// TestForeignInTheWay: files that filestore did not write, where it
// needs a file or a directory, fail a Put with an error naming them; an
// empty directory left where an object goes is removed.
func TestForeignInTheWay(t *testing.T) {
	dir := t.TempDir()
	b := openBucket(t, dir, nil)
	mkdir := func(rel string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, rel), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	mkdir("full/sub")                                                   // a directory where the object "full" goes
	mkdir("empty")                                                      // an empty one where "empty" goes
	err := os.WriteFile(filepath.Join(dir, "f%2F"), []byte("x"), 0o666) // a file where the directory of "f/..." goes
	if err != nil {
		t.Fatal(err)
	}
	for key, why := range map[string]string{
		"full": "a directory that is not filestore's is in the way: " + filepath.Join(dir, "full"),
		"f/g":  "a file that is not filestore's directory is in the way: " + filepath.Join(dir, "f%2F"),
	} {
		_, err := b.Put(t.Context(), key, strings.NewReader("x"), nil)
		if err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("Put(%q) = %v, want an error saying %q", key, err, why)
		}
	}
	put(t, b, "empty", "now an object", nil)
	if got, want := listKeys(t, b), []string{"empty"}; !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
	if got := tempFiles(t, dir); len(got) != 0 {
		t.Errorf("failed Puts left temp files %q", got)
	}
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
		"dirlink%2F": filepath.Join(parent, "outside"),
		"filelink":   filepath.Join(parent, "outside", "secret"),
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
	if want := filepath.Join(dir, "dirlink%2F") + " is a symbolic link"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Put(dirlink/new) = %v, want an error saying %q", err, want)
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
	write("notes%2F/empty", "")
	write("notes%2F/corrupt", "R2KITOBJ\x00\x00\x00\x05{oops")
	write("notes/raw", "a directory whose name filestore does not write")
	write("notes%2F/.hidden", "a name filestore does not write")

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

// FuzzKeyPath: every key is either rejected with ErrInvalidKey (as
// storage.ValidateKey rejects it) or resolves to a path strictly inside
// the root, outside the reserved directory, whose components are
// names no longer than 255 bytes; and a Put, Get and Delete of an
// accepted key write nothing outside the root.
func FuzzKeyPath(f *testing.F) {
	for _, k := range []string{
		"a", "a/b/c.json", "../x", "a/../../b", "/abs", "a//b", "a/./b", "x/..", "/", "a/",
		"...", ".r2kit", ".r2kit/tmp/x", ".R2kit/locks/00", `a\..\b`, "nul\x00", "%", "%2F", "%H",
		"é/ü", strings.Repeat("s", 256), strings.Repeat("%", 300), strings.Repeat("a/", 300) + "a",
		strings.Repeat("/", 1024),
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
		if verr := storage.ValidateKey(key); verr != nil || err != nil {
			if verr == nil || !errors.Is(err, storage.ErrInvalidKey) {
				t.Fatalf("ResolvePath(%q): %v; ValidateKey: %v", key, err, verr)
			}
			if _, err := b.Put(t.Context(), key, strings.NewReader(key), nil); !errors.Is(err, storage.ErrInvalidKey) {
				t.Fatalf("Put(%q) = %v, want ErrInvalidKey like ResolvePath", key, err)
			}
			return
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || !filepath.IsLocal(rel) || !strings.HasPrefix(p, root+"/") || filepath.Clean(p) != p {
			t.Fatalf("key %q resolves to %q, outside %q", key, p, root)
		}
		for i, c := range strings.Split(rel, "/") {
			if len(c) > 255 || strings.HasPrefix(c, ".") || (i == 0 && strings.EqualFold(c, ".r2kit")) {
				t.Fatalf("key %q resolves to %q, with the component %q", key, p, c)
			}
		}
		if _, err = b.Put(t.Context(), key, strings.NewReader(key), nil); err != nil {
			t.Fatalf("Put(%q): %v", key, err)
		}
		// Longer paths exceed PATH_MAX: filestore opens them one
		// component at a time, and Get checks them.
		if len(p) < 4000 {
			if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
				t.Fatalf("Put(%q) stored no file at %q: %v", key, p, err)
			}
		}
		if _, body := get(t, b, key); body != key {
			t.Fatalf("Get(%q) = %q", key, body)
		}
		if got := listKeys(t, b); !slices.Equal(got, []string{key}) {
			t.Fatalf("List after Put(%q) = %q", key, got)
		}
		if err := b.Delete(t.Context(), key, nil); err != nil {
			t.Fatalf("Delete(%q): %v", key, err)
		}
		if des, err := os.ReadDir(parent); err != nil || len(des) != 1 {
			t.Fatalf("after key %q the root's parent holds %v (%v), want just the root", key, des, err)
		}
	})
}

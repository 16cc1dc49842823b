//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/r2kit/r2kit/storage"
)

// reservedDir is the directory under the root where filestore keeps its
// temp and lock files. Keys inside it are refused.
const reservedDir = ".r2kit"

// checkKey reports whether key can name an object file. Its error
// matches storage.ErrInvalidKey and says why. An accepted key is a
// clean, local, slash-separated relative path: opened beneath the root
// it names a file strictly inside the root.
func checkKey(key string) error {
	if err := storage.ValidateKey(key); err != nil {
		return err
	}
	if strings.HasSuffix(key, "/") {
		return fmt.Errorf("%w: ends with \"/\": filestore keys name files, not directories", storage.ErrInvalidKey)
	}
	i := 0
	for seg := range strings.SplitSeq(key, "/") {
		if err := checkSegment(i, seg); err != nil {
			return err
		}
		i++
	}
	// Implied by the rules above; kept as a second line of defence.
	if !filepath.IsLocal(key) || filepath.Clean(key) != key {
		return fmt.Errorf("%w: not a clean relative path", storage.ErrInvalidKey)
	}
	return nil
}

// checkSegment checks the i-th segment (counting from 0) of a key.
func checkSegment(i int, seg string) error {
	switch {
	case seg == "" && i == 0:
		return fmt.Errorf("%w: starts with \"/\"", storage.ErrInvalidKey)
	case seg == "":
		return fmt.Errorf("%w: empty path segment (\"//\")", storage.ErrInvalidKey)
	case seg == "." || seg == "..":
		return fmt.Errorf("%w: %q path segment", storage.ErrInvalidKey, seg)
	case len(seg) > MaxSegmentLen:
		return fmt.Errorf("%w: path segment of %d bytes, longer than %d", storage.ErrInvalidKey, len(seg), MaxSegmentLen)
	case i == 0 && strings.EqualFold(seg, reservedDir):
		return fmt.Errorf("%w: %q is reserved for filestore's own files", storage.ErrInvalidKey, reservedDir+"/")
	}
	return nil
}

// resolve returns the path of key's file relative to root, or an error
// matching storage.ErrInvalidKey. root is a clean absolute path; the
// result is checked once more against it: joined to root, it stays
// strictly inside root.
func resolve(root, key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	rel := filepath.FromSlash(key)
	inside := root
	if !strings.HasSuffix(inside, string(filepath.Separator)) {
		inside += string(filepath.Separator)
	}
	if p := filepath.Join(root, rel); !strings.HasPrefix(p, inside) || p == root {
		return "", fmt.Errorf("%w: resolves outside the directory", storage.ErrInvalidKey)
	}
	return rel, nil
}

// dirPrefix splits a listing prefix into the directory that holds every
// key starting with it ("" for the root) and the rest, which the names in
// that directory must start with. ok is false when no valid key can start
// with prefix, for example when its directory part has a ".." segment.
func dirPrefix(prefix string) (dir, rest string, ok bool) {
	i := strings.LastIndexByte(prefix, '/')
	if i < 0 {
		return "", prefix, true
	}
	dir, rest = prefix[:i], prefix[i+1:]
	j := 0
	for seg := range strings.SplitSeq(dir, "/") {
		if checkSegment(j, seg) != nil {
			return "", "", false
		}
		j++
	}
	return dir, rest, true
}

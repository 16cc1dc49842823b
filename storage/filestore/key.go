//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/r2kit/r2kit/storage"
)

// reservedDir is the directory under the root where filestore keeps its
// own files. No encoded name starts with ".", so no key reaches it.
const reservedDir = ".r2kit"

// On-disk names. A key is split at every "/" into segments (which may be
// empty, "." or ".."); every segment but the last names a directory, the
// last one a file:
//
//	key "docs/a.json"  ->  docs%2F/a.json
//	key "a" and "a/b"  ->  a  and  a%2F/b
//	key "a/"           ->  a%2F/%
//	key "x/../y"       ->  x%2F/..%2F/y   (the ".." segment escaped: %2E.)
//
// A segment's name escapes "%" as "%25" and a leading "." as "%2E"; the
// empty segment is "%". A directory's name ends with "%2F", the encoded
// "/" that follows its segment in every key it holds, so a file and a
// directory never share a name. A name that would be longer than
// maxName keeps a readable start and ends with "%H" and the hex SHA-256
// of the segment; the object's header holds the full key.
const (
	dirSuffix  = "%2F"
	hashMark   = "%H"
	emptyName  = "%"
	maxName    = 255 // NAME_MAX of common filesystems
	hashPrefix = 128 // at most this many bytes of a hashed name are readable
	hashHexLen = 2 * sha256.Size
)

// checkKey reports whether key can name an object: any key that
// storage.ValidateKey accepts. Its error matches storage.ErrInvalidKey.
func checkKey(key string) error { return storage.ValidateKey(key) }

// path is where a key's object file lives.
type path struct {
	rel string // slash-separated, relative to the root
	// hashed is set when a component of rel is a hashed name: the
	// object's header must then name the key.
	hashed bool
}

// escapedLen returns the length of seg's escaped name.
func escapedLen(seg string) int {
	if seg == "" {
		return len(emptyName)
	}
	n := len(seg) + 2*strings.Count(seg, "%")
	if seg[0] == '.' {
		n += 2
	}
	return n
}

// appendEscaped appends seg's escaped name to b.
func appendEscaped(b []byte, seg string) []byte {
	if seg == "" {
		return append(b, emptyName...)
	}
	for i := 0; i < len(seg); i++ {
		switch c := seg[i]; {
		case c == '%':
			b = append(b, "%25"...)
		case c == '.' && i == 0:
			b = append(b, "%2E"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendName appends the on-disk name of seg, as a directory or as a
// file, to b, and reports whether the name is hashed.
func appendName(b []byte, seg string, isDir bool) ([]byte, bool) {
	room := maxName
	if isDir {
		room -= len(dirSuffix)
	}
	if escapedLen(seg) <= room {
		b = appendEscaped(b, seg)
	} else {
		b = appendHashed(b, seg)
	}
	if isDir {
		b = append(b, dirSuffix...)
	}
	return b, escapedLen(seg) > room
}

// appendHashed appends the hashed name of seg (without a directory
// suffix): the escaped start of seg, cut at a character boundary, the
// hash mark and the SHA-256 of seg.
func appendHashed(b []byte, seg string) []byte {
	k, n := 0, 0
	for k < len(seg) {
		_, size := utf8.DecodeRuneInString(seg[k:])
		if n+escapedLen(seg[k:k+size]) > hashPrefix {
			break
		}
		n += escapedLen(seg[k : k+size])
		k += size
	}
	b = appendEscaped(b, seg[:k])
	sum := sha256.Sum256([]byte(seg))
	b = append(b, hashMark...)
	return hex.AppendEncode(b, sum[:])
}

// name returns the on-disk name of seg.
func name(seg string, isDir bool) string {
	b, _ := appendName(nil, seg, isDir)
	return string(b)
}

// keyPath returns the path of key's object file.
func keyPath(key string) path {
	b := make([]byte, 0, len(key)+16)
	hashed := false
	for {
		seg, rest, more := strings.Cut(key, "/")
		var h bool
		b, h = appendName(b, seg, more)
		hashed = hashed || h
		if !more {
			return path{rel: string(b), hashed: hashed}
		}
		b = append(b, '/')
		key = rest
	}
}

// dirPath returns the path of the directory holding the keys that start
// with base, which is empty (the root) or ends with "/".
func dirPath(base string) string {
	if base == "" {
		return ""
	}
	b := make([]byte, 0, len(base)+16)
	for i, seg := range strings.Split(base[:len(base)-1], "/") {
		if i > 0 {
			b = append(b, '/')
		}
		b, _ = appendName(b, seg, true)
	}
	return string(b)
}

// errBadName: a name in the tree that no segment encodes to.
var errBadName = errors.New("not a name filestore writes")

// decodeName parses an on-disk name. It returns the segment, or, for a
// hashed name, the start of the segment that the name keeps readable
// and hashed set. isDir says whether the name is a directory's.
func decodeName(name string, isDir bool) (seg string, hashed bool, err error) {
	if isDir {
		var ok bool
		if name, ok = strings.CutSuffix(name, dirSuffix); !ok {
			return "", false, errBadName
		}
	}
	if name == emptyName {
		return "", false, nil
	}
	if i := strings.Index(name, hashMark); i >= 0 {
		h := name[i+len(hashMark):]
		if len(h) != hashHexLen || strings.ToLower(h) != h {
			return "", false, errBadName
		}
		if _, err := hex.DecodeString(h); err != nil {
			return "", false, errBadName
		}
		name, hashed = name[:i], true
	}
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '%' && strings.HasPrefix(name[i:], "%25"):
			b.WriteByte('%')
			i += 2
		case c == '%' && i == 0 && strings.HasPrefix(name, "%2E"):
			b.WriteByte('.')
			i += 2
		case c == '%', c == '/', c == 0, c == '.' && i == 0:
			return "", false, errBadName
		default:
			b.WriteByte(c)
		}
	}
	seg = b.String()
	if !hashed && (seg == "" || name != string(appendEscaped(nil, seg))) {
		return "", false, errBadName
	}
	return seg, hashed, nil
}

// resolve returns the path of key's object file, or an error matching
// storage.ErrInvalidKey. The path is checked once more: its components
// are names, never ".", ".." or the reserved directory, so that opened
// beneath the root it names a file strictly inside the root.
func resolve(key string) (path, error) {
	if err := checkKey(key); err != nil {
		return path{}, err
	}
	p := keyPath(key)
	for c := range strings.SplitSeq(p.rel, "/") {
		if c == "" || c[0] == '.' || len(c) > maxName {
			return path{}, fmt.Errorf("%w: encodes to the unsafe path %q", storage.ErrInvalidKey, p.rel)
		}
	}
	return p, nil
}

// splitPrefix splits a listing prefix into the key prefix of the
// directory that holds every key starting with it (empty for the root,
// else ending with "/") and the rest, which the segments in that
// directory must start with.
func splitPrefix(prefix string) (base, rest string) {
	i := strings.LastIndexByte(prefix, '/')
	return prefix[:i+1], prefix[i+1:]
}

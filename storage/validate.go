package storage

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxKeyLen is the longest key, in bytes, that every backend accepts (the
// R2 and S3 limit).
const MaxKeyLen = 1024

// MaxMetadataSize is the largest total of user metadata keys and values,
// in bytes, that every backend accepts (the AWS S3 limit; R2 allows more).
const MaxMetadataSize = 2048

// ValidateKey reports whether key is acceptable to every backend: not
// empty, at most MaxKeyLen bytes, valid UTF-8 and free of control
// characters (U+0000 to U+001F and U+007F). The error matches
// ErrInvalidKey and says why. Backends may refuse more (see filestore).
func ValidateKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	case len(key) > MaxKeyLen:
		return fmt.Errorf("%w: %d bytes, longer than %d", ErrInvalidKey, len(key), MaxKeyLen)
	case !utf8.ValidString(key):
		return fmt.Errorf("%w: not valid UTF-8", ErrInvalidKey)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c == 0x7f {
			return fmt.Errorf("%w: control character %q at byte %d", ErrInvalidKey, c, i)
		}
	}
	return nil
}

// ValidatePrefix reports whether prefix can begin a key: empty (every
// key), or acceptable to ValidateKey. A prefix no key can have lists
// nothing, so a caller that validates its keys validates its prefixes
// too, rather than answer an empty listing. The error matches
// ErrInvalidKey.
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if err := ValidateKey(prefix); err != nil {
		return fmt.Errorf("prefix %q: %w", prefix, err)
	}
	return nil
}

// ValidateMetadata reports whether md is acceptable to every backend.
// Keys must be non-empty and made of ASCII letters, digits, '-' and '_'
// (they are stored in lower case, so two keys that differ only in case
// collide and are refused); values must be printable ASCII; keys and
// values together must not exceed MaxMetadataSize bytes. The error
// matches ErrInvalidArgument.
func ValidateMetadata(md map[string]string) error {
	total := 0
	seen := make(map[string]bool, len(md))
	for k, v := range md {
		if k == "" {
			return fmt.Errorf("%w: empty metadata key", ErrInvalidArgument)
		}
		for i := 0; i < len(k); i++ {
			if !isTokenByte(k[i]) {
				return fmt.Errorf("%w: metadata key %q: byte %q is not a letter, digit, '-' or '_'", ErrInvalidArgument, k, k[i])
			}
		}
		lk := strings.ToLower(k)
		if seen[lk] {
			return fmt.Errorf("%w: metadata key %q given twice with different case", ErrInvalidArgument, lk)
		}
		seen[lk] = true
		for i := 0; i < len(v); i++ {
			if c := v[i]; c < 0x20 || c > 0x7e {
				return fmt.Errorf("%w: metadata %q: value byte %q is not printable ASCII", ErrInvalidArgument, k, c)
			}
		}
		total += len(k) + len(v)
	}
	if total > MaxMetadataSize {
		return fmt.Errorf("%w: metadata is %d bytes, more than %d", ErrInvalidArgument, total, MaxMetadataSize)
	}
	return nil
}

func isTokenByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// NormalizeMetadata returns a copy of md with lower-case keys, or nil if
// md is empty.
func NormalizeMetadata(md map[string]string) map[string]string {
	if len(md) == 0 {
		return nil
	}
	out := make(map[string]string, len(md))
	for k, v := range md {
		out[strings.ToLower(k)] = v
	}
	return out
}

// ValidatePut checks a Put's key and options as every backend does before
// touching storage. opts may be nil.
func ValidatePut(key string, opts *PutOptions) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if opts == nil {
		return nil
	}
	if opts.IfNoneMatch != "" && opts.IfNoneMatch != "*" {
		return fmt.Errorf("%w: IfNoneMatch must be \"*\", not %q", ErrInvalidArgument, opts.IfNoneMatch)
	}
	if opts.IfNoneMatch != "" && opts.IfMatch != "" {
		return fmt.Errorf("%w: IfMatch and IfNoneMatch are exclusive", ErrInvalidArgument)
	}
	if opts.Size < 0 {
		return fmt.Errorf("%w: negative Size %d", ErrInvalidArgument, opts.Size)
	}
	if len(opts.ContentType) > MaxContentTypeLen {
		return fmt.Errorf("%w: content type is %d bytes, more than %d", ErrInvalidArgument, len(opts.ContentType), MaxContentTypeLen)
	}
	for i := 0; i < len(opts.ContentType); i++ {
		if c := opts.ContentType[i]; c < 0x20 || c > 0x7e {
			return fmt.Errorf("%w: content type byte %q is not printable ASCII", ErrInvalidArgument, c)
		}
	}
	return ValidateMetadata(opts.Metadata)
}

// MaxContentTypeLen is the longest content type Put accepts.
const MaxContentTypeLen = 256

// ValidateRange checks a range's fields (not its bounds against an
// object). r may be nil.
func ValidateRange(r *Range) error {
	if r != nil && r.Offset < 0 {
		return fmt.Errorf("%w: negative range offset %d", ErrInvalidArgument, r.Offset)
	}
	return nil
}

// ClipRange resolves r against an object of the given size and returns
// the offset and length to read. r may be nil (the whole object). An
// offset beyond size is ErrInvalidRange.
func ClipRange(r *Range, size int64) (offset, length int64, err error) {
	if r == nil {
		return 0, size, nil
	}
	if r.Offset > size {
		return 0, 0, fmt.Errorf("%w: offset %d beyond size %d", ErrInvalidRange, r.Offset, size)
	}
	length = size - r.Offset
	if r.Length >= 0 && r.Length < length {
		length = r.Length
	}
	return r.Offset, length, nil
}

// NormalizeETag returns etag in its quoted HTTP form. It accepts quoted
// and bare tags and drops a weak "W/" prefix. The empty string stays
// empty.
func NormalizeETag(etag string) string {
	etag = strings.TrimPrefix(strings.TrimSpace(etag), "W/")
	if etag == "" {
		return ""
	}
	return `"` + strings.Trim(etag, `"`) + `"`
}

// ETagsEqual reports whether two ETags name the same content, ignoring
// quoting.
func ETagsEqual(a, b string) bool {
	return a != "" && NormalizeETag(a) == NormalizeETag(b)
}

// MD5ETag returns the quoted hex MD5 ETag of data, the form S3 and R2 use
// for objects written in one request.
func MD5ETag(data []byte) string {
	sum := md5.Sum(data)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// ETagHasher hashes a body as it streams and returns its MD5 ETag.
type ETagHasher struct{ h hash.Hash }

// NewETagHasher returns an empty hasher.
func NewETagHasher() *ETagHasher { return &ETagHasher{h: md5.New()} }

// Write adds p to the hash; it never fails.
func (e *ETagHasher) Write(p []byte) (int, error) { return e.h.Write(p) }

// ETag returns the quoted hex MD5 of what was written.
func (e *ETagHasher) ETag() string { return `"` + hex.EncodeToString(e.h.Sum(nil)) + `"` }

// BodySize returns the length of r when it is known: opts.Size if set, or
// the remaining length of a *bytes.Reader, *bytes.Buffer or
// *strings.Reader. It returns -1 when unknown.
func BodySize(r io.Reader, opts *PutOptions) int64 {
	if opts != nil && opts.Size > 0 {
		return opts.Size
	}
	switch v := r.(type) {
	case *bytes.Reader:
		return int64(v.Len())
	case *bytes.Buffer:
		return int64(v.Len())
	case *strings.Reader:
		return int64(v.Len())
	}
	return -1
}

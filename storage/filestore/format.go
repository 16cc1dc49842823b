//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// An object file is
//
//	magic "R2KITOBJ" | uint32 big-endian header length | JSON header | body
//
// The header is written with a placeholder ETag, the body is streamed
// after it, and the placeholder is overwritten with the body's MD5 before
// the file is renamed into place.
const (
	magic     = "R2KITOBJ"
	prefixLen = len(magic) + 4 // magic and header length

	// headerVersion is the version of the headers Put writes: 2 names
	// the key. Headers of version 1 (format 1 directories) do not, and
	// are read only at paths without a hashed name.
	headerVersion = 2

	// maxHeaderLen bounds the JSON header: user metadata is at most
	// storage.MaxMetadataSize bytes, so only an outsized content type can
	// reach it.
	maxHeaderLen = 64 << 10

	// etagPlaceholder holds the place of the 32 hex digits of the MD5.
	etagPlaceholder = "00000000000000000000000000000000"
)

// header is the JSON header of an object file. Field order matters:
// encodeHeader relies on "etag" following "v".
type header struct {
	V           int               `json:"v"`
	ETag        string            `json:"etag"` // 32 lower-case hex digits, unquoted
	Key         string            `json:"key,omitempty"`
	ContentType string            `json:"content_type,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// errNotObject: the file does not start with the magic; it is not an
// object file.
var errNotObject = errors.New("not an object file")

// errCorrupt: the file starts with the magic but its header is
// unreadable.
var errCorrupt = errors.New("corrupt object file")

// encodeHeader returns the magic, length and JSON header of an object
// file for key with a placeholder ETag, and the offset of the
// placeholder.
func encodeHeader(key, contentType string, md map[string]string) (buf []byte, etagOff int64, err error) {
	return marshalHeader(&header{V: headerVersion, ETag: etagPlaceholder, Key: key, ContentType: contentType, Metadata: md})
}

// marshalHeader returns the magic, length and JSON encoding of h, and the
// offset of its ETag.
func marshalHeader(h *header) (buf []byte, etagOff int64, err error) {
	js, err := json.Marshal(h)
	if err != nil {
		return nil, 0, err
	}
	if len(js) > maxHeaderLen {
		return nil, 0, fmt.Errorf("content type and metadata take %d bytes, more than %d", len(js), maxHeaderLen)
	}
	i := bytes.Index(js, []byte(`"etag":"`+h.ETag+`"`))
	if i < 0 {
		panic("filestore: etag missing from header")
	}
	buf = make([]byte, prefixLen, prefixLen+len(js))
	copy(buf, magic)
	binary.BigEndian.PutUint32(buf[len(magic):], uint32(len(js)))
	buf = append(buf, js...)
	return buf, int64(prefixLen + i + len(`"etag":"`)), nil
}

// headerLen returns the length of the whole header (magic, length and
// JSON) that b starts with, or errNotObject or errCorrupt. b holds at
// least the first prefixLen bytes of the file, or the whole file if it
// is shorter.
func headerLen(b []byte) (int, error) {
	if len(b) < prefixLen || string(b[:len(magic)]) != magic {
		return 0, errNotObject
	}
	n := binary.BigEndian.Uint32(b[len(magic):prefixLen])
	if n > maxHeaderLen {
		return 0, fmt.Errorf("%w: header length %d", errCorrupt, n)
	}
	return prefixLen + int(n), nil
}

// decodeHeader parses a whole header as measured by headerLen.
func decodeHeader(b []byte) (*header, error) {
	var h header
	if err := json.Unmarshal(b[prefixLen:], &h); err != nil {
		return nil, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	if h.V != 1 && h.V != headerVersion {
		return nil, fmt.Errorf("%w: header version %d, want 1 or %d", errCorrupt, h.V, headerVersion)
	}
	if !isHexMD5(h.ETag) {
		return nil, fmt.Errorf("%w: etag %q", errCorrupt, h.ETag)
	}
	return &h, nil
}

func isHexMD5(s string) bool {
	if len(s) != len(etagPlaceholder) {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// quoteETag turns a header's ETag into its HTTP form.
func quoteETag(hexMD5 string) string { return `"` + hexMD5 + `"` }

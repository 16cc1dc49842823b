// Package storage defines the Bucket contract every r2kit backend
// implements, the errors they report, and helpers shared by all of them:
// key and metadata validation, ETag normalisation, listing iterators and
// a URL opener.
//
// A Bucket is a flat namespace of keys mapping to immutable byte objects,
// each with a content type, user metadata and an ETag. Writes can be made
// conditional on the current ETag (IfMatch) or on absence (IfNoneMatch
// "*"), which is what higher layers build compare-and-swap on.
//
// Backends live in sub-packages: memstore (in memory), filestore (a local
// directory, the embedded default) and s3store (Cloudflare R2, AWS S3 and
// S3-compatible servers). storagetest holds the conformance suite that
// every backend passes and that anyone can run against their own Bucket.
//
// Wrappers compose like http.RoundTripper: a Bucket that holds another
// Bucket and adds behaviour (retries, metrics, fault injection) is itself
// a Bucket.
package storage

import (
	"context"
	"io"
	"time"
)

// Bucket is the storage contract. Implementations must be safe for
// concurrent use by multiple goroutines.
//
// Every method returns errors as *Error values wrapping one of the
// sentinels of this package where one applies, so that callers can test
// them with errors.Is; the backend's raw cause stays reachable through
// errors.As. A cancelled or expired context makes a method return an
// error matching the context's error.
type Bucket interface {
	// Stat returns the attributes of the object at key, including its
	// content type and user metadata.
	// A missing key returns an error matching ErrNotFound.
	Stat(ctx context.Context, key string) (*Attrs, error)

	// Get opens the object at key for reading. opts may be nil.
	// The caller must close the returned Object's Body.
	// A missing key returns an error matching ErrNotFound. When
	// opts.IfNoneMatch equals the object's ETag, Get returns an error
	// matching ErrNotModified and no body. A range whose offset is
	// beyond the object's size returns an error matching ErrInvalidRange;
	// an offset equal to the size returns an empty body.
	Get(ctx context.Context, key string, opts *GetOptions) (*Object, error)

	// Put stores the bytes read from r at key, replacing any object
	// there. opts may be nil. The write is atomic: a reader sees the old
	// object or the new one, never a mix, and a failed or cancelled Put
	// leaves the old object intact.
	//
	// With opts.IfMatch set, Put succeeds only if the current object's
	// ETag equals it; otherwise, or if the key does not exist, it returns
	// an error matching ErrPreconditionFailed. With opts.IfNoneMatch set
	// to "*", Put succeeds only if the key does not exist; otherwise it
	// returns an error matching ErrPreconditionFailed. Conditional writes
	// are atomic: of many racing conditional writes against one ETag, at
	// most one succeeds.
	//
	// A conditional write whose outcome is unknown (the request was sent
	// but the answer was lost) returns an error matching ErrAmbiguous; it
	// is never silently re-sent.
	//
	// Put returns the attributes of the stored object; at least Key, Size
	// and ETag are set.
	Put(ctx context.Context, key string, r io.Reader, opts *PutOptions) (*Attrs, error)

	// Delete removes the object at key. opts may be nil.
	// A missing key returns an error matching ErrNotFound. With
	// opts.IfMatch set, Delete succeeds only if the current object's ETag
	// equals it; otherwise it returns an error matching
	// ErrPreconditionFailed and the object is kept.
	Delete(ctx context.Context, key string, opts *DeleteOptions) error

	// List returns one page of the keys in lexicographic (byte) order.
	// opts may be nil. See ListOptions for the meaning of each field.
	List(ctx context.Context, opts *ListOptions) (*ListPage, error)

	// Close releases the Bucket's resources. Operations after Close
	// return errors.
	Close() error
}

// Attrs describes a stored object.
type Attrs struct {
	// Key is the object's key.
	Key string
	// Size is the object's length in bytes (the whole object, also for
	// range reads).
	Size int64
	// ETag identifies the object's current content. It is a strong entity
	// tag in its HTTP form, double quotes included, for example
	// "\"5d41402abc4b2a76b9719d911017c592\"". Different content has a
	// different ETag.
	ETag string
	// ContentType is the MIME type given at Put. Not set by List.
	ContentType string
	// ModTime is when the object was last written.
	ModTime time.Time
	// Metadata is the user metadata given at Put, keys in lower case.
	// Not set by List.
	Metadata map[string]string
}

// Object is an open object returned by Get.
type Object struct {
	// Attrs are the attributes of the whole object.
	Attrs
	// Offset and Length describe the bytes Body yields.
	Offset, Length int64
	// Body yields the requested bytes. The caller must close it.
	Body io.ReadCloser
}

// Range selects the bytes [Offset, Offset+Length) of an object. A
// negative Length reads to the end; a Length past the end is clipped.
type Range struct {
	Offset int64
	Length int64
}

// GetOptions modifies Get. The zero value reads the whole object.
type GetOptions struct {
	// Range, if not nil, reads only part of the object.
	Range *Range
	// IfNoneMatch, if set, makes Get return ErrNotModified when the
	// object's ETag equals it.
	IfNoneMatch string
}

// PutOptions modifies Put. The zero value writes unconditionally with no
// content type and no metadata.
type PutOptions struct {
	// ContentType is the MIME type stored with the object.
	ContentType string
	// Metadata is user metadata stored with the object. Keys are
	// case-insensitive and stored in lower case; see ValidateMetadata for
	// the accepted keys, values and size.
	Metadata map[string]string
	// Size is the exact length of the body when known in advance. Zero
	// means unknown, unless the reader reports its length (*bytes.Reader,
	// *bytes.Buffer and *strings.Reader do). Backends stream bodies of
	// unknown length without holding them whole in memory. If Size is
	// set and the body's length differs, Put returns an error matching
	// ErrInvalidArgument and stores nothing.
	Size int64
	// IfMatch makes the write conditional on the current ETag.
	IfMatch string
	// IfNoneMatch, if "*", makes the write conditional on the key being
	// absent. No other value is accepted.
	IfNoneMatch string
}

// DeleteOptions modifies Delete.
type DeleteOptions struct {
	// IfMatch makes the delete conditional on the current ETag.
	IfMatch string
}

// ListOptions selects the keys List returns.
type ListOptions struct {
	// Prefix restricts the listing to keys that start with it.
	Prefix string
	// Delimiter, if set, groups keys that contain it after Prefix: each
	// group is reported once in ListPage.Prefixes, as the key up to and
	// including the first Delimiter after Prefix.
	Delimiter string
	// StartAfter lists only keys strictly greater than it.
	StartAfter string
	// Token continues a listing: pass ListPage.NextToken of the previous
	// page, with the same Prefix and Delimiter.
	Token string
	// Limit caps the entries (objects plus prefixes) of one page. Zero
	// means MaxListLimit; larger values are reduced to it.
	Limit int
}

// MaxListLimit is the largest page List returns.
const MaxListLimit = 1000

// ListPage is one page of a listing.
type ListPage struct {
	// Objects are the listed objects in key order. Only Key, Size, ETag
	// and ModTime are set.
	Objects []*Attrs
	// Prefixes are the common prefixes grouped by ListOptions.Delimiter,
	// in order.
	Prefixes []string
	// NextToken, when not empty, continues the listing: more entries may
	// follow.
	NextToken string
}

// Backend is implemented by Buckets that can name the kind of store they
// talk to ("mem", "file", "s3"), for logs and metrics.
type Backend interface {
	Backend() string
}

// Unwrapper is implemented by Bucket wrappers, to reach the Bucket they
// wrap (for example to find a capability of the underlying backend).
type Unwrapper interface {
	Unwrap() Bucket
}

package s3store

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/r2kit/r2kit/storage"
)

// Part sizes of multipart uploads.
const (
	// DefaultPartSize is the part size when Options.PartSize is zero.
	DefaultPartSize = 8 << 20
	// MinPartSize is the smallest part S3 and R2 accept (but for the last).
	MinPartSize = 5 << 20
	// MaxPartSize is the largest part, and the largest single PutObject,
	// S3 accepts.
	MaxPartSize = 5 << 30
	// MaxParts is the most parts one upload may have.
	MaxParts = 10000
	// DefaultConcurrency is the number of parts uploaded at once when
	// Options.Concurrency is zero.
	DefaultConcurrency = 4
)

// Options configures a Bucket. The zero value is usable.
type Options struct {
	// Prefix is prepended to every key: the Bucket sees only the objects
	// under it and reports keys without it. Usually ends in "/".
	Prefix string
	// PartSize is the size of multipart upload parts and the largest body
	// sent in one PutObject. Zero means DefaultPartSize; values outside
	// [MinPartSize, MaxPartSize] are brought within. Bodies of unknown
	// length can have at most MaxParts parts.
	PartSize int64
	// Concurrency is how many parts of one Put are uploaded at once; it
	// bounds the part buffers one Put holds. Zero means
	// DefaultConcurrency.
	Concurrency int
	// R2 says the server is Cloudflare R2: Backend reports "r2" and
	// deletes go through tombstones (see EmulateConditionalDelete).
	R2 bool
	// EmulateConditionalDelete makes Delete write a tombstone with a
	// conditional PutObject and then remove it with an unconditional
	// DeleteObject, for servers that ignore or refuse If-Match on DELETE:
	// a conditional Delete stays atomic. See "Deletes" in the package
	// documentation for what it costs.
	EmulateConditionalDelete bool
	// TombstoneGrace is how old a tombstone must be (by the server's
	// clock) before a writer may replace it or PurgeTombstones remove it;
	// its deleter removes it within a third of it. Zero means
	// DefaultTombstoneGrace, and it is at least 4 x WriteInterval, so
	// that the deleter's DELETE gets its turn in time. Used with R2 or
	// EmulateConditionalDelete.
	TombstoneGrace time.Duration
	// ValidateKey, if set, is called with every key (the Prefix
	// included) before any request: a non-nil error refuses the key with
	// storage.ErrInvalidKey. Use it for servers that refuse or rewrite
	// some keys that S3 and R2 store as they are, for example
	// ValidatePathKey for filesystem-backed servers.
	ValidateKey func(key string) error
	// WriteInterval, if positive, spaces the writes this Bucket sends to
	// one key (PutObject, CompleteMultipartUpload, DeleteObject): each
	// starts at least WriteInterval after the answer to the previous
	// one, and waits for its turn instead of being refused. R2 allows
	// one write per second to an object name (DefaultR2WriteInterval,
	// what Open sets for r2:// URLs). Writes from other processes are
	// not seen: it keeps one process under the limit, and group commit
	// (package doc) makes that one write carry every waiting update.
	WriteInterval time.Duration
}

// Bucket is a storage.Bucket over one S3 bucket. It is safe for
// concurrent use.
type Bucket struct {
	client     *s3.Client
	bucket     string
	prefix     string
	partSize   int64
	conc       int
	r2         bool
	tombstones bool          // deletes write tombstones (R2)
	grace      time.Duration // see Options.TombstoneGrace
	validate   func(string) error
	parts      partPool // idle part buffers
	closed     atomic.Bool
	presign    *s3.PresignClient
	presignO   sync.Once
	pace       *pacer         // nil without Options.WriteInterval
	bg         sync.WaitGroup // tombstone DELETEs sent in the background
}

var _ storage.Bucket = (*Bucket)(nil)
var _ storage.Backend = (*Bucket)(nil)

// New returns a Bucket storing objects in bucket through client. opts may
// be nil. The client should use RequestChecksumCalculation and
// ResponseChecksumValidation WhenRequired for servers other than AWS
// (Open does this).
func New(client *s3.Client, bucket string, opts *Options) *Bucket {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.PartSize == 0 {
		o.PartSize = DefaultPartSize
	}
	o.PartSize = min(max(o.PartSize, MinPartSize), MaxPartSize)
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	b := &Bucket{
		client:     client,
		bucket:     bucket,
		prefix:     o.Prefix,
		partSize:   o.PartSize,
		conc:       o.Concurrency,
		r2:         o.R2,
		tombstones: o.R2 || o.EmulateConditionalDelete,
		grace:      max(cmp.Or(o.TombstoneGrace, DefaultTombstoneGrace), 4*o.WriteInterval),
		validate:   o.ValidateKey,
		pace:       newPacer(o.WriteInterval),
	}
	b.parts = newPartPool(b.conc, b.partSize)
	return b
}

// Backend reports "r2" for Cloudflare R2 (Options.R2) and "s3" otherwise.
func (b *Bucket) Backend() string {
	if b.r2 {
		return "r2"
	}
	return "s3"
}

// Client returns the S3 client the Bucket uses.
func (b *Bucket) Client() *s3.Client { return b.client }

// Name returns the S3 bucket name.
func (b *Bucket) Name() string { return b.bucket }

// Close marks the Bucket closed: later operations return an error
// matching storage.ErrClosed. It waits for the tombstone DELETEs a paced
// Bucket sends in the background (at most a third of TombstoneGrace).
// The S3 client is left as it is. Close is idempotent.
func (b *Bucket) Close() error {
	b.closed.Store(true)
	b.bg.Wait()
	return nil
}

// Stat returns the object's attributes with HeadObject. A tombstone
// (R2) is storage.ErrNotFound.
func (b *Bucket) Stat(ctx context.Context, key string) (*storage.Attrs, error) {
	if err := b.check("stat", key); err != nil {
		return nil, err
	}
	h, err := b.head(ctx, key)
	if err != nil {
		return nil, err
	}
	if h.tombstone != "" {
		return nil, storage.Errorf("stat", key, storage.ErrNotFound, "deleted (a tombstone is left)")
	}
	return h.attrs, nil
}

// check returns the error for an operation on key when the Bucket is
// closed or the key (with the prefix) cannot be stored.
func (b *Bucket) check(op, key string) error {
	if b.closed.Load() {
		return storage.Wrap(op, key, storage.ErrClosed, nil)
	}
	if err := storage.ValidateKey(key); err != nil {
		return storage.Wrap(op, key, nil, err)
	}
	if len(b.prefix)+len(key) > storage.MaxKeyLen {
		return storage.Errorf(op, key, storage.ErrInvalidKey,
			"%d bytes with the bucket prefix %q, longer than %d", len(b.prefix)+len(key), b.prefix, storage.MaxKeyLen)
	}
	if b.validate != nil {
		if err := b.validate(b.prefix + key); err != nil {
			return storage.Errorf(op, key, storage.ErrInvalidKey, "refused by this server: %w", err)
		}
	}
	return nil
}

// ValidatePathKey refuses the keys that S3-compatible servers storing
// objects as files (versitygw's posix backend, for one) refuse or
// silently rewrite: an empty segment ("a//b", "/x", "x/"), a "." or ".."
// segment, or a segment longer than 255 bytes. Such servers also refuse
// a key that is a "directory" of another ("x" and "x/y" cannot both
// exist); the Bucket reports that at Put as storage.ErrInvalidKey.
func ValidatePathKey(key string) error {
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("empty path segment in %q", key)
		case seg == "." || seg == "..":
			return fmt.Errorf("%q path segment", seg)
		case len(seg) > 255:
			return fmt.Errorf("path segment of %d bytes, longer than 255", len(seg))
		}
	}
	return nil
}

// trimPrefix removes the Bucket's prefix from a key or common prefix the
// server returned.
func (b *Bucket) trimPrefix(op, s string) (string, error) {
	if !strings.HasPrefix(s, b.prefix) {
		return "", storage.Errorf(op, s, nil, "server returned %q outside the prefix %q", s, b.prefix)
	}
	return s[len(b.prefix):], nil
}

// String describes the Bucket for logs.
func (b *Bucket) String() string {
	return fmt.Sprintf("%s://%s/%s", b.Backend(), b.bucket, b.prefix)
}

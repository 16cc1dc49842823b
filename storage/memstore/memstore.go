// Package memstore is the in-memory reference implementation of
// storage.Bucket. It is fast, exact and keeps nothing after the process
// ends: use it in tests and as the model other backends are compared
// with.
//
// Importing the package registers the "mem" URL scheme with
// storage.Register: every storage.Open of a mem:// URL returns a new,
// empty Bucket (the URL's host, path and query are ignored).
package memstore

import (
	"context"
	"net/url"
	"sync"
	"time"

	"github.com/r2kit/r2kit/storage"
)

func init() {
	storage.Register("mem", func(context.Context, *url.URL) (storage.Bucket, error) {
		return New(), nil
	})
}

var (
	_ storage.Bucket  = (*Bucket)(nil)
	_ storage.Backend = (*Bucket)(nil)
)

// Bucket is an in-memory storage.Bucket. The zero value is an empty
// Bucket ready to use. A Bucket is safe for concurrent use.
//
// Objects are copied on the way in and on the way out: no caller ever
// shares memory with the stored bytes or metadata. ETags are the quoted
// hex MD5 of the content, as S3 and R2 report for single-request writes.
type Bucket struct {
	mu     sync.RWMutex
	objs   map[string]*object
	keys   []string // the keys of objs, sorted
	closed bool
}

// object is one stored version. It is never modified once stored: a Put
// replaces it whole.
type object struct {
	data  []byte
	attrs storage.Attrs
}

// New returns an empty Bucket.
func New() *Bucket { return &Bucket{} }

// Backend returns "mem".
func (b *Bucket) Backend() string { return "mem" }

// Close discards every object. After Close every method, Close included,
// returns an error matching storage.ErrClosed.
func (b *Bucket) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return storage.Wrap("close", "", storage.ErrClosed, nil)
	}
	b.closed = true
	b.objs, b.keys = nil, nil
	return nil
}

// check reports why an operation cannot start: the Bucket is closed or
// ctx is done. The caller holds b.mu.
func (b *Bucket) check(ctx context.Context, op, key string) error {
	if b.closed {
		return storage.Wrap(op, key, storage.ErrClosed, nil)
	}
	if err := ctx.Err(); err != nil {
		return storage.Wrap(op, key, nil, err)
	}
	return nil
}

// lookup returns the object at key or an ErrNotFound error. The caller
// holds b.mu.
func (b *Bucket) lookup(op, key string) (*object, error) {
	o, ok := b.objs[key]
	if !ok {
		return nil, storage.Wrap(op, key, storage.ErrNotFound, nil)
	}
	return o, nil
}

// copyAttrs returns a deep copy of a.
func copyAttrs(a *storage.Attrs) *storage.Attrs {
	c := *a
	c.Metadata = storage.NormalizeMetadata(a.Metadata)
	return &c
}

// now returns the modification time of a write, in UTC without a
// monotonic reading.
func now() time.Time { return time.Now().UTC().Round(0) }

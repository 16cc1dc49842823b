package memstore

import (
	"bytes"
	"context"
	"io"

	"github.com/r2kit/r2kit/storage"
)

// Stat implements storage.Bucket.
func (b *Bucket) Stat(ctx context.Context, key string) (*storage.Attrs, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if err := b.check(ctx, "stat", key); err != nil {
		return nil, err
	}
	if err := storage.ValidateKey(key); err != nil {
		return nil, storage.Wrap("stat", key, nil, err)
	}
	o, err := b.lookup("stat", key)
	if err != nil {
		return nil, err
	}
	return copyAttrs(&o.attrs), nil
}

// Get implements storage.Bucket. The body is a copy of the requested
// bytes, so reading it never blocks writers.
func (b *Bucket) Get(ctx context.Context, key string, opts *storage.GetOptions) (*storage.Object, error) {
	if opts == nil {
		opts = &storage.GetOptions{}
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if err := b.check(ctx, "get", key); err != nil {
		return nil, err
	}
	if err := storage.ValidateKey(key); err != nil {
		return nil, storage.Wrap("get", key, nil, err)
	}
	if err := storage.ValidateRange(opts.Range); err != nil {
		return nil, storage.Wrap("get", key, nil, err)
	}
	o, err := b.lookup("get", key)
	if err != nil {
		return nil, err
	}
	if opts.IfNoneMatch != "" && storage.ETagsEqual(opts.IfNoneMatch, o.attrs.ETag) {
		return nil, storage.Errorf("get", key, storage.ErrNotModified, "etag %s", o.attrs.ETag)
	}
	off, n, err := storage.ClipRange(opts.Range, o.attrs.Size)
	if err != nil {
		return nil, storage.Wrap("get", key, nil, err)
	}
	return &storage.Object{
		Attrs:  *copyAttrs(&o.attrs),
		Offset: off,
		Length: n,
		Body:   io.NopCloser(bytes.NewReader(bytes.Clone(o.data[off : off+n]))),
	}, nil
}

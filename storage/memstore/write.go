package memstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/r2kit/r2kit/internal/iox"
	"github.com/r2kit/r2kit/storage"
)

// Put implements storage.Bucket. It reads the whole body before taking
// the Bucket's lock, so a slow body never blocks other callers; if the
// read fails or ctx is done, nothing changes.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	if opts == nil {
		opts = &storage.PutOptions{}
	}
	if err := b.precheck(ctx, "put", key); err != nil {
		return nil, err
	}
	if err := storage.ValidatePut(key, opts); err != nil {
		return nil, storage.Wrap("put", key, nil, err)
	}
	data, err := readBody(ctx, r, opts.Size)
	if err != nil {
		return nil, storage.Wrap("put", key, nil, err)
	}
	attrs := storage.Attrs{
		Key:         key,
		Size:        int64(len(data)),
		ETag:        storage.MD5ETag(data),
		ContentType: opts.ContentType,
		Metadata:    storage.NormalizeMetadata(opts.Metadata),
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.check(ctx, "put", key); err != nil {
		return nil, err
	}
	cur := b.objs[key]
	if err := putCondition(key, cur, opts); err != nil {
		return nil, err
	}
	attrs.ModTime = now()
	if b.objs == nil {
		b.objs = make(map[string]*object)
	}
	b.objs[key] = &object{data: data, attrs: attrs}
	if cur == nil {
		i, _ := slices.BinarySearch(b.keys, key)
		b.keys = slices.Insert(b.keys, i, key)
	}
	return copyAttrs(&attrs), nil
}

// putCondition checks opts.IfMatch and opts.IfNoneMatch against cur, the
// current object or nil.
func putCondition(key string, cur *object, opts *storage.PutOptions) error {
	switch {
	case opts.IfNoneMatch == "*" && cur != nil:
		return storage.Errorf("put", key, storage.ErrPreconditionFailed, "key exists")
	case opts.IfMatch != "" && cur == nil:
		return storage.Errorf("put", key, storage.ErrPreconditionFailed, "key does not exist")
	case opts.IfMatch != "" && !storage.ETagsEqual(opts.IfMatch, cur.attrs.ETag):
		return storage.Errorf("put", key, storage.ErrPreconditionFailed,
			"etag %s, not %s", cur.attrs.ETag, storage.NormalizeETag(opts.IfMatch))
	}
	return nil
}

// Delete implements storage.Bucket.
func (b *Bucket) Delete(ctx context.Context, key string, opts *storage.DeleteOptions) error {
	if opts == nil {
		opts = &storage.DeleteOptions{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.check(ctx, "delete", key); err != nil {
		return err
	}
	if err := storage.ValidateKey(key); err != nil {
		return storage.Wrap("delete", key, nil, err)
	}
	cur, err := b.lookup("delete", key)
	if err != nil {
		return err
	}
	if opts.IfMatch != "" && !storage.ETagsEqual(opts.IfMatch, cur.attrs.ETag) {
		return storage.Errorf("delete", key, storage.ErrPreconditionFailed,
			"etag %s, not %s", cur.attrs.ETag, storage.NormalizeETag(opts.IfMatch))
	}
	delete(b.objs, key)
	if i, ok := slices.BinarySearch(b.keys, key); ok {
		b.keys = slices.Delete(b.keys, i, i+1)
	}
	return nil
}

// precheck is check for callers that do not hold the lock yet.
func (b *Bucket) precheck(ctx context.Context, op, key string) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.check(ctx, op, key)
}

// readBody reads all of r, stopping early when ctx is done. With size > 0
// the body must be exactly size bytes long.
func readBody(ctx context.Context, r io.Reader, size int64) ([]byte, error) {
	var buf bytes.Buffer
	src := iox.ContextReader(ctx, r)
	if size > 0 {
		buf.Grow(int(min(size, 64<<20)) + bytes.MinRead)
		src = io.LimitReader(src, size+1)
	} else if n := storage.BodySize(r, nil); n > 0 {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(src)
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, &bodyError{err}
	}
	if size > 0 && int64(buf.Len()) > size {
		return nil, fmt.Errorf("%w: body is longer than Size %d", storage.ErrInvalidArgument, size)
	}
	if size > 0 && int64(buf.Len()) < size {
		return nil, fmt.Errorf("%w: body is %d bytes, Size says %d", storage.ErrInvalidArgument, buf.Len(), size)
	}
	return buf.Bytes(), nil
}

// bodyError is a failure of the caller's body reader.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "reading body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

package s3store

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/r2kit/r2kit/storage"
)

// Get opens the object at key with GetObject, sending opts.Range as a
// Range header and opts.IfNoneMatch as If-None-Match. The returned
// Attrs describe the whole object (its size comes from Content-Range).
// A range starting at the object's end yields an empty body; one starting
// beyond it is storage.ErrInvalidRange.
func (b *Bucket) Get(ctx context.Context, key string, opts *storage.GetOptions) (*storage.Object, error) {
	if err := b.check("get", key); err != nil {
		return nil, err
	}
	var o storage.GetOptions
	if opts != nil {
		o = *opts
	}
	if err := storage.ValidateRange(o.Range); err != nil {
		return nil, storage.Wrap("get", key, nil, err)
	}
	if o.Range != nil && o.Range.Length == 0 {
		return b.emptyRange(ctx, key, &o)
	}
	in := &s3.GetObjectInput{
		Bucket: &b.bucket,
		Key:    aws.String(b.prefix + key),
		Range:  rangeHeader(o.Range),
	}
	if o.IfNoneMatch != "" {
		in.IfNoneMatch = aws.String(storage.NormalizeETag(o.IfNoneMatch))
	}
	out, err := b.client.GetObject(ctx, in)
	if err != nil {
		if httpStatus(err) == http.StatusRequestedRangeNotSatisfiable {
			// The range starts at or beyond the end (S3 refuses even an
			// offset equal to the size).
			return b.emptyRange(ctx, key, &o)
		}
		return nil, mapError("get", key, err, plain, nil)
	}
	if b.tombstones && out.Metadata[storage.MetaTombstone] != "" {
		out.Body.Close()
		return nil, storage.Errorf("get", key, storage.ErrNotFound, "deleted (a tombstone is left)")
	}
	obj, err := b.object(key, out, o.Range)
	if err != nil {
		out.Body.Close()
		return nil, err
	}
	return obj, nil
}

// object builds the storage.Object of a GetObject answer.
func (b *Bucket) object(key string, out *s3.GetObjectOutput, r *storage.Range) (*storage.Object, error) {
	obj := &storage.Object{
		Attrs: storage.Attrs{
			Key:         key,
			Size:        aws.ToInt64(out.ContentLength),
			ETag:        storage.NormalizeETag(aws.ToString(out.ETag)),
			ContentType: aws.ToString(out.ContentType),
			ModTime:     aws.ToTime(out.LastModified),
			Metadata:    storage.NormalizeMetadata(out.Metadata),
		},
		Length: aws.ToInt64(out.ContentLength),
		Body:   out.Body,
	}
	if cr := aws.ToString(out.ContentRange); cr != "" {
		start, size, err := parseContentRange(cr)
		if err != nil {
			return nil, storage.Wrap("get", key, nil, err)
		}
		obj.Offset, obj.Size = start, size
		return obj, nil
	}
	if r == nil || r.Offset == 0 && r.Length < 0 {
		return obj, nil
	}
	// The server ignored the Range header and sent the whole object: cut
	// the requested bytes out of it.
	off, length, err := storage.ClipRange(r, obj.Size)
	if err != nil {
		return nil, storage.Wrap("get", key, nil, err)
	}
	if _, err := io.CopyN(io.Discard, out.Body, off); err != nil {
		return nil, storage.Wrap("get", key, storage.ErrTransient, err)
	}
	obj.Offset, obj.Length = off, length
	obj.Body = readCloser{io.LimitReader(out.Body, length), out.Body}
	return obj, nil
}

// emptyRange answers a Get whose range is empty or starts at or beyond
// the object's end: the object's attributes and no bytes, or
// storage.ErrInvalidRange.
func (b *Bucket) emptyRange(ctx context.Context, key string, o *storage.GetOptions) (*storage.Object, error) {
	a, err := b.Stat(ctx, key)
	if err != nil {
		return nil, renameOp(err, "get")
	}
	if o.IfNoneMatch != "" && storage.ETagsEqual(o.IfNoneMatch, a.ETag) {
		return nil, storage.Wrap("get", key, storage.ErrNotModified, nil)
	}
	off, _, err := storage.ClipRange(o.Range, a.Size)
	if err != nil {
		return nil, storage.Wrap("get", key, nil, err)
	}
	if off < a.Size && o.Range.Length != 0 {
		// The object was replaced by a longer one since the refused GET.
		return nil, storage.Errorf("get", key, storage.ErrTransient,
			"range at %d refused, but the object now has %d bytes: it changed meanwhile", off, a.Size)
	}
	return &storage.Object{Attrs: *a, Offset: off, Body: http.NoBody}, nil
}

// rangeHeader returns the Range header for r, or nil for the whole
// object.
func rangeHeader(r *storage.Range) *string {
	switch {
	case r == nil, r.Offset == 0 && r.Length < 0:
		return nil
	case r.Length < 0:
		return aws.String(fmt.Sprintf("bytes=%d-", r.Offset))
	}
	return aws.String(fmt.Sprintf("bytes=%d-%d", r.Offset, r.Offset+r.Length-1))
}

// parseContentRange parses "bytes START-END/SIZE" and returns START and
// SIZE.
func parseContentRange(s string) (start, size int64, err error) {
	rest, ok := strings.CutPrefix(s, "bytes ")
	span, total, ok2 := strings.Cut(rest, "/")
	first, _, ok3 := strings.Cut(span, "-")
	if ok && ok2 && ok3 {
		start, err = strconv.ParseInt(first, 10, 64)
		if err == nil {
			size, err = strconv.ParseInt(total, 10, 64)
		}
		if err == nil && start >= 0 && size >= start {
			return start, size, nil
		}
	}
	return 0, 0, fmt.Errorf("malformed Content-Range %q", s)
}

// readCloser reads from r and closes c.
type readCloser struct {
	io.Reader
	c io.Closer
}

func (rc readCloser) Close() error { return rc.c.Close() }

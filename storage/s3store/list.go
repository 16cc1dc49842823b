package s3store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/r2kit/r2kit/storage"
)

// List returns one page of keys with ListObjectsV2. The Bucket's prefix
// is added to opts.Prefix and opts.StartAfter and removed from the keys
// and common prefixes returned. Tokens are the server's continuation
// tokens. With tombstones (R2) a listed object of a tombstone's size is
// examined with HeadObject and left out if it is one, so a page may hold
// fewer entries than opts.Limit.
func (b *Bucket) List(ctx context.Context, opts *storage.ListOptions) (*storage.ListPage, error) {
	return b.list(ctx, opts, b.tombstones)
}

// list returns one page; hide leaves tombstones out.
func (b *Bucket) list(ctx context.Context, opts *storage.ListOptions, hide bool) (*storage.ListPage, error) {
	var o storage.ListOptions
	if opts != nil {
		o = *opts
	}
	if b.closed.Load() {
		return nil, storage.Wrap("list", o.Prefix, storage.ErrClosed, nil)
	}
	if o.Limit < 0 {
		return nil, storage.Errorf("list", o.Prefix, storage.ErrInvalidArgument, "negative limit %d", o.Limit)
	}
	limit := o.Limit
	if limit == 0 || limit > storage.MaxListLimit {
		limit = storage.MaxListLimit
	}
	in := &s3.ListObjectsV2Input{
		Bucket:  &b.bucket,
		MaxKeys: aws.Int32(int32(limit)),
	}
	if p := b.prefix + o.Prefix; p != "" {
		in.Prefix = &p
	}
	if o.Delimiter != "" {
		in.Delimiter = &o.Delimiter
	}
	if o.StartAfter != "" {
		in.StartAfter = aws.String(b.prefix + o.StartAfter)
	}
	if o.Token != "" {
		in.ContinuationToken = &o.Token
	}
	out, err := b.client.ListObjectsV2(ctx, in)
	if err != nil {
		return nil, mapError("list", o.Prefix, err, plain, nil)
	}
	page, err := b.page(out)
	if err != nil || !hide {
		return page, err
	}
	return b.hideTombstones(ctx, page)
}

// hideTombstones removes the tombstones, and the objects deleted since
// the listing, from page.
func (b *Bucket) hideTombstones(ctx context.Context, page *storage.ListPage) (*storage.ListPage, error) {
	kept := page.Objects[:0]
	for _, a := range page.Objects {
		if a.Size == tombstoneSize {
			h, err := b.head(ctx, a.Key)
			switch {
			case errors.Is(err, storage.ErrNotFound):
				continue
			case err != nil:
				return nil, renameOp(err, "list")
			case h.tombstone != "":
				continue
			}
		}
		kept = append(kept, a)
	}
	page.Objects = kept
	return page, nil
}

// page converts a ListObjectsV2 answer.
func (b *Bucket) page(out *s3.ListObjectsV2Output) (*storage.ListPage, error) {
	page := &storage.ListPage{Objects: make([]*storage.Attrs, 0, len(out.Contents))}
	for _, obj := range out.Contents {
		key, err := b.trimPrefix("list", aws.ToString(obj.Key))
		if err != nil {
			return nil, err
		}
		page.Objects = append(page.Objects, &storage.Attrs{
			Key:     key,
			Size:    aws.ToInt64(obj.Size),
			ETag:    storage.NormalizeETag(aws.ToString(obj.ETag)),
			ModTime: aws.ToTime(obj.LastModified),
		})
	}
	for _, cp := range out.CommonPrefixes {
		p, err := b.trimPrefix("list", aws.ToString(cp.Prefix))
		if err != nil {
			return nil, err
		}
		page.Prefixes = append(page.Prefixes, p)
	}
	if aws.ToBool(out.IsTruncated) {
		page.NextToken = aws.ToString(out.NextContinuationToken)
	}
	return page, nil
}

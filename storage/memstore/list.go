package memstore

import (
	"context"
	"iter"
	"slices"
	"strings"

	"github.com/r2kit/r2kit/storage"
)

// List implements storage.Bucket with storage.Paginate over the sorted
// keys.
func (b *Bucket) List(ctx context.Context, opts *storage.ListOptions) (*storage.ListPage, error) {
	prefix := ""
	if opts != nil {
		prefix = opts.Prefix
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if err := b.check(ctx, "list", prefix); err != nil {
		return nil, err
	}
	page, err := storage.Paginate(opts, b.scan)
	if err != nil {
		return nil, storage.Wrap("list", prefix, nil, err)
	}
	return page, nil
}

// scan is a storage.Scan over b.keys. The caller holds b.mu.
func (b *Bucket) scan(prefix, after string) iter.Seq2[*storage.Attrs, error] {
	return func(yield func(*storage.Attrs, error) bool) {
		i, found := slices.BinarySearch(b.keys, max(prefix, after))
		if found && after >= prefix {
			i++ // after itself is excluded
		}
		for _, k := range b.keys[i:] {
			if !strings.HasPrefix(k, prefix) {
				return
			}
			a := b.objs[k].attrs
			if !yield(&storage.Attrs{Key: a.Key, Size: a.Size, ETag: a.ETag, ModTime: a.ModTime}, nil) {
				return
			}
		}
	}
}

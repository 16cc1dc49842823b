//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"context"
	"errors"

	"golang.org/x/sys/unix"

	"github.com/r2kit/r2kit/storage"
)

// Delete implements storage.Bucket. It removes the object's file under
// the key's lock, then the directories that this leaves empty, up to the
// root. A file at key that is not an object is not removed: Delete
// reports ErrNotFound for it.
func (b *Bucket) Delete(ctx context.Context, key string, opts *storage.DeleteOptions) error {
	const op = "delete"
	if opts == nil {
		opts = &storage.DeleteOptions{}
	}
	p, err := b.begin(ctx, op, key)
	if err != nil {
		return err
	}
	defer b.release()
	d, err := b.remove(ctx, op, key, p, opts)
	if err != nil {
		return err
	}
	defer d.close()
	if !b.noSync {
		if err := fsync(d.fd); err != nil {
			return storage.Errorf(op, key, storage.ErrAmbiguous, "syncing directory: %w", err)
		}
	}
	parent, _ := splitRel(p.rel)
	b.prune(parent)
	return nil
}

// remove removes the object file of key at p under the key's lock, if
// the condition holds and ctx is not done, and returns its directory.
func (b *Bucket) remove(ctx context.Context, op, key string, p path, opts *storage.DeleteOptions) (dir, error) {
	unlock, err := b.lockKey(key)
	if err != nil {
		return dir{}, storage.Wrap(op, key, nil, err)
	}
	defer unlock()
	etag, exists, err := b.current(p, key)
	switch {
	case err != nil:
		return dir{}, fsError(op, key, err)
	case !exists:
		return dir{}, storage.Wrap(op, key, storage.ErrNotFound, nil)
	case opts.IfMatch != "" && !storage.ETagsEqual(opts.IfMatch, etag):
		return dir{}, storage.Errorf(op, key, storage.ErrPreconditionFailed,
			"etag %s, not %s", etagOrUnreadable(etag), storage.NormalizeETag(opts.IfMatch))
	}
	if err := ctx.Err(); err != nil {
		return dir{}, storage.Wrap(op, key, nil, err)
	}
	parent, name := splitRel(p.rel)
	d, err := openDir(b.rootfd, parent)
	if err == nil {
		err = ignoringEINTR(func() error { return unix.Unlinkat(d.fd, name, 0) })
		if err != nil {
			d.close()
		}
	}
	if err != nil {
		return dir{}, fsError(op, key, err)
	}
	return d, nil
}

// prune removes the directory rel and its parents, up to the root, as
// long as they are empty. It is best effort: a directory that a Put
// fills meanwhile stays, and a Put that finds its directory gone makes
// it again.
func (b *Bucket) prune(rel string) {
	for rel != "" {
		parent, name := splitRel(rel)
		d, err := openDir(b.rootfd, parent)
		if err != nil {
			return
		}
		err = ignoringEINTR(func() error { return unix.Unlinkat(d.fd, name, unix.AT_REMOVEDIR) })
		d.close()
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return // not empty, most likely
		}
		rel = parent
	}
}

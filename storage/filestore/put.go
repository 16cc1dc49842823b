//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/r2kit/r2kit/storage"
)

// maxAttempts bounds the retries of a rename or directory creation that
// races with Delete removing an empty directory.
const maxAttempts = 16

var bufPool = sync.Pool{New: func() any { return new([64 << 10]byte) }}

// Put implements storage.Bucket. It streams the body into a temp file
// with no lock held, then takes the key's lock only to check the
// condition and rename the file into place. A failed or cancelled Put,
// or one that loses its condition, leaves the old object and no file
// behind.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	const op = "put"
	if opts == nil {
		opts = &storage.PutOptions{}
	}
	if err := storage.ValidatePut(key, opts); err != nil {
		return nil, storage.Wrap(op, key, nil, err)
	}
	p, err := b.begin(ctx, op, key)
	if err != nil {
		return nil, err
	}
	defer b.release()
	// Fail early, before streaming a body that could not be stored. The
	// check under the lock in commit is the one that counts.
	if err := b.checkPut(op, key, p, opts); err != nil {
		return nil, err
	}
	md := storage.NormalizeMetadata(opts.Metadata)
	hdr, etagOff, err := encodeHeader(key, opts.ContentType, md)
	if err != nil {
		return nil, storage.Errorf(op, key, storage.ErrInvalidArgument, "%w", err)
	}
	t, err := createTemp(b.tmpfd, filepath.Join(b.dir, reservedDir, "tmp"))
	if err != nil {
		return nil, storage.Wrap(op, key, nil, err)
	}
	defer t.discard()
	size, etag, err := writeObject(ctx, t.File, hdr, etagOff, r, opts.Size)
	if err != nil {
		return nil, storage.Wrap(op, key, nil, err)
	}
	fi, err := t.Stat()
	if err == nil && !b.noSync {
		err = t.Sync()
	}
	if err != nil {
		return nil, storage.Wrap(op, key, nil, err)
	}
	d, created, err := b.commit(ctx, op, key, p, t, opts)
	if err != nil {
		return nil, err
	}
	defer d.close()
	if !b.noSync {
		if err := b.syncDirs(d, p.rel, created); err != nil {
			// The new object is in place but may not survive a
			// crash.
			return nil, storage.Errorf(op, key, storage.ErrAmbiguous, "syncing directory: %w", err)
		}
	}
	return &storage.Attrs{
		Key:         key,
		Size:        size,
		ETag:        etag,
		ContentType: opts.ContentType,
		ModTime:     fi.ModTime().UTC(),
		Metadata:    md,
	}, nil
}

// commit renames the temp file to p under the key's lock, if the
// condition holds and ctx is not done. It returns the object's directory
// and whether directories had to be created for it.
func (b *Bucket) commit(ctx context.Context, op, key string, p path, t *tempFile, opts *storage.PutOptions) (dir, bool, error) {
	unlock, err := b.lockKey(key)
	if err != nil {
		return dir{}, false, storage.Wrap(op, key, nil, err)
	}
	defer unlock()
	if err := b.checkPut(op, key, p, opts); err != nil {
		return dir{}, false, err
	}
	if err := ctx.Err(); err != nil {
		return dir{}, false, storage.Wrap(op, key, nil, err)
	}
	parent, name := splitRel(p.rel)
	created := false
	for attempt := 1; ; attempt++ {
		d, made, err := makeDir(b.rootfd, parent)
		created = created || made
		if err == nil {
			err = ignoringEINTR(func() error { return unix.Renameat(b.tmpfd, t.name, d.fd, name) })
			if err == nil {
				t.committed = true
				return d, created, nil
			}
			if isDirInTheWay(err) {
				// A directory that filestore did not make (its
				// directories' names end in %2F) holds the file's
				// place. If it is empty, remove it and try again.
				err = ignoringEINTR(func() error { return unix.Unlinkat(d.fd, name, unix.AT_REMOVEDIR) })
				if errors.Is(err, unix.ENOTEMPTY) || errors.Is(err, unix.EEXIST) {
					err = storage.Errorf(op, key, nil, "a directory that is not filestore's is in the way: %s",
						filepath.Join(b.dir, p.rel))
				} else if err == nil {
					err = unix.ENOENT // try again
				}
			}
			d.close()
		}
		// ENOENT: a Delete removed a directory on the path after it
		// was found empty; make it again.
		if !errors.Is(err, unix.ENOENT) || attempt == maxAttempts {
			return dir{}, false, b.pathError(op, key, err)
		}
	}
}

// isDirInTheWay reports whether a rename failed because its target is a
// directory.
func isDirInTheWay(err error) bool {
	return errors.Is(err, unix.EISDIR) || errors.Is(err, unix.ENOTEMPTY) || errors.Is(err, unix.EEXIST)
}

// pathError describes an error of creating a key's directories or
// renaming its file into place. Only files that filestore did not write
// can be in the way.
func (b *Bucket) pathError(op, key string, err error) error {
	var ce *componentError
	if errors.As(err, &ce) {
		p := filepath.Join(b.dir, ce.path)
		switch {
		case errors.Is(ce.err, unix.ENOTDIR), errors.Is(ce.err, unix.EEXIST):
			return storage.Errorf(op, key, nil, "a file that is not filestore's directory is in the way: %s", p)
		case errors.Is(ce.err, unix.ELOOP):
			return storage.Errorf(op, key, nil, "%s is a symbolic link", p)
		}
	}
	return fsError(op, key, err)
}

// checkPut checks opts.IfMatch and opts.IfNoneMatch against the object
// of key at p. Without a condition it does nothing.
func (b *Bucket) checkPut(op, key string, p path, opts *storage.PutOptions) error {
	if opts.IfMatch == "" && opts.IfNoneMatch == "" {
		return nil
	}
	etag, exists, err := b.current(p, key)
	switch {
	case err != nil:
		return fsError(op, key, err)
	case opts.IfNoneMatch == "*" && exists:
		return storage.Errorf(op, key, storage.ErrPreconditionFailed, "key exists")
	case opts.IfMatch != "" && !exists:
		return storage.Errorf(op, key, storage.ErrPreconditionFailed, "key does not exist")
	case opts.IfMatch != "" && !storage.ETagsEqual(opts.IfMatch, etag):
		return storage.Errorf(op, key, storage.ErrPreconditionFailed,
			"etag %s, not %s", etagOrUnreadable(etag), storage.NormalizeETag(opts.IfMatch))
	}
	return nil
}

// current returns the ETag of the object of key at p, for a condition
// check. exists is false when there is no object file there; a corrupt
// object exists, with an empty ETag that matches nothing.
func (b *Bucket) current(p path, key string) (etag string, exists bool, err error) {
	o, err := b.openObject(p, key)
	switch {
	case err == nil:
		defer o.close()
		return quoteETag(o.hdr.ETag), true, nil
	case isAbsent(err), errors.Is(err, errNotObject):
		return "", false, nil
	case errors.Is(err, errCorrupt):
		return "", true, nil
	}
	return "", false, err
}

func etagOrUnreadable(etag string) string {
	if etag == "" {
		return "unreadable (corrupt object file)"
	}
	return etag
}

// syncDirs makes the rename into d durable: it syncs d and, if
// directories were created on the way to it, every directory from the
// root down to d's parent.
func (b *Bucket) syncDirs(d dir, rel string, created bool) error {
	if err := fsync(d.fd); err != nil {
		return err
	}
	if !created {
		return nil
	}
	parent, _ := splitRel(rel)
	for p := parent; p != ""; {
		p, _ = splitRel(p)
		pd, err := openDir(b.rootfd, p)
		if err != nil {
			return err
		}
		err = fsync(pd.fd)
		pd.close()
		if err != nil {
			return err
		}
	}
	return nil
}

// writeObject writes hdr and then the body read from r to f, and
// overwrites the ETag placeholder at etagOff with the body's MD5. With
// size > 0 the body must be exactly size bytes long. It stops with
// ctx's error once ctx is done. It returns the body's length and quoted
// ETag.
func writeObject(ctx context.Context, f *os.File, hdr []byte, etagOff int64, r io.Reader, size int64) (int64, string, error) {
	buf := bufPool.Get().(*[64 << 10]byte)
	defer bufPool.Put(buf)
	if size > 0 {
		r = io.LimitReader(r, size+1)
	}
	h := storage.NewETagHasher()
	// pending bytes of buf wait to be written; small headers share the
	// first write with the body.
	pending := 0
	if len(hdr) <= len(buf)/2 {
		pending = copy(buf[:], hdr)
	} else if _, err := f.Write(hdr); err != nil {
		return 0, "", err
	}
	var n int64
	for eof := false; !eof; {
		if err := ctx.Err(); err != nil {
			return 0, "", err
		}
		m, err := r.Read(buf[pending:])
		h.Write(buf[pending : pending+m])
		n += int64(m)
		pending += m
		switch {
		case err == io.EOF:
			eof = true
		case err != nil:
			return 0, "", &bodyError{err}
		}
		if pending == len(buf) || eof && pending > 0 {
			if _, err := f.Write(buf[:pending]); err != nil {
				return 0, "", err
			}
			pending = 0
		}
	}
	if size > 0 && n != size {
		if n > size {
			return 0, "", fmt.Errorf("%w: body is longer than Size %d", storage.ErrInvalidArgument, size)
		}
		return 0, "", fmt.Errorf("%w: body is %d bytes, Size says %d", storage.ErrInvalidArgument, n, size)
	}
	etag := h.ETag()
	if _, err := f.WriteAt([]byte(etag[1:len(etag)-1]), etagOff); err != nil {
		return 0, "", err
	}
	return n, etag, nil
}

// bodyError is a failure of the caller's body reader.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "reading body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/r2kit/r2kit/storage"
)

// headSize is how much of an object file one read fetches: the header,
// and the whole body of a small object.
const headSize = 4 << 10

var headPool = sync.Pool{New: func() any { return new([headSize]byte) }}

// objectFile is an open object file. Object files are never modified
// once renamed into place, so everything read through one descriptor
// belongs to one version of the object.
type objectFile struct {
	fd      int
	hdr     *header
	dataOff int64 // where the body starts
	size    int64 // of the body
	mtime   time.Time
	head    *[headSize]byte // the file's first bytes
	headLen int             // how many of them were read
}

// openObject opens and parses the object file of key at p. Errors:
// isAbsent ones when no regular file is there, errNotObject (also when
// the header names another key, or names none at a hashed path),
// errCorrupt, or the filesystem's.
func (b *Bucket) openObject(p path, key string) (*objectFile, error) {
	o, err := b.openFile(p.rel)
	if err != nil {
		return nil, err
	}
	if hk := o.hdr.Key; hk != key && (hk != "" || p.hashed) {
		o.close()
		return nil, fmt.Errorf("%w: the header names the key %q", errNotObject, hk)
	}
	return o, nil
}

// openFile opens and parses the object file at rel, whatever key its
// header names. Errors are those of openObject.
func (b *Bucket) openFile(rel string) (*objectFile, error) {
	fd, st, err := openRegular(b.rootfd, rel)
	if err != nil {
		return nil, err
	}
	o := &objectFile{fd: fd, mtime: mtime(st), head: headPool.Get().(*[headSize]byte)}
	if err := o.readHeader(st.Size); err != nil {
		o.close()
		return nil, err
	}
	return o, nil
}

// readHeader reads and parses the header of a file of the given size.
func (o *objectFile) readHeader(fileSize int64) error {
	n, err := pread(o.fd, o.head[:], 0)
	if err != nil {
		return err
	}
	o.headLen = n
	hl, err := headerLen(o.head[:n])
	if err != nil {
		return err
	}
	raw := o.head[:min(hl, n)]
	if hl > n {
		raw = make([]byte, hl)
		m, err := pread(o.fd, raw, 0)
		if err != nil {
			return err
		}
		if m < hl {
			return fmt.Errorf("%w: truncated header", errCorrupt)
		}
	}
	if o.hdr, err = decodeHeader(raw); err != nil {
		return err
	}
	o.dataOff, o.size = int64(hl), fileSize-int64(hl)
	return nil
}

// close closes the file, unless its descriptor was handed over, and
// recycles the head buffer.
func (o *objectFile) close() {
	if o.fd >= 0 {
		unix.Close(o.fd)
		o.fd = -1
	}
	if o.head != nil {
		headPool.Put(o.head)
		o.head = nil
	}
}

// attrs returns the object's attributes, content type and metadata
// included. The metadata map is the header's: it was decoded for this
// call and its keys were stored in lower case.
func (o *objectFile) attrs(key string) *storage.Attrs {
	md := o.hdr.Metadata
	if len(md) == 0 {
		md = nil
	}
	return &storage.Attrs{
		Key:         key,
		Size:        o.size,
		ETag:        quoteETag(o.hdr.ETag),
		ContentType: o.hdr.ContentType,
		ModTime:     o.mtime,
		Metadata:    md,
	}
}

// readError turns an error of openObject into the error a method
// returns: no regular file, or a file that is not an object, is
// ErrNotFound.
func readError(op, key string, err error) error {
	switch {
	case isAbsent(err), errors.Is(err, errNotObject):
		return storage.Wrap(op, key, storage.ErrNotFound, nil)
	case errors.Is(err, errCorrupt):
		return storage.Wrap(op, key, nil, err)
	}
	return fsError(op, key, err)
}

// Stat implements storage.Bucket. It reads only the object's header.
func (b *Bucket) Stat(ctx context.Context, key string) (*storage.Attrs, error) {
	const op = "stat"
	p, err := b.begin(ctx, op, key)
	if err != nil {
		return nil, err
	}
	defer b.release()
	o, err := b.openObject(p, key)
	if err != nil {
		return nil, readError(op, key, err)
	}
	defer o.close()
	return o.attrs(key), nil
}

// Get implements storage.Bucket. The body reads the version of the
// object that was current when Get opened it, even if the key is
// replaced or deleted meanwhile. Reading it fails once ctx is done.
func (b *Bucket) Get(ctx context.Context, key string, opts *storage.GetOptions) (*storage.Object, error) {
	const op = "get"
	if opts == nil {
		opts = &storage.GetOptions{}
	}
	if err := storage.ValidateRange(opts.Range); err != nil {
		return nil, storage.Wrap(op, key, nil, err)
	}
	p, err := b.begin(ctx, op, key)
	if err != nil {
		return nil, err
	}
	defer b.release()
	o, err := b.openObject(p, key)
	if err != nil {
		return nil, readError(op, key, err)
	}
	defer o.close()
	attrs := o.attrs(key)
	if opts.IfNoneMatch != "" && storage.ETagsEqual(opts.IfNoneMatch, attrs.ETag) {
		return nil, storage.Errorf(op, key, storage.ErrNotModified, "etag %s", attrs.ETag)
	}
	off, n, err := storage.ClipRange(opts.Range, o.size)
	if err != nil {
		return nil, storage.Wrap(op, key, nil, err)
	}
	body := &objectBody{ctx: ctx, key: key}
	if start := o.dataOff + off; start+n <= int64(o.headLen) {
		// Small objects were read whole with the header.
		body.r = bytes.NewReader(bytes.Clone(o.head[start : start+n]))
	} else {
		body.f = os.NewFile(uintptr(o.fd), filepath.Join(b.dir, p.rel))
		o.fd = -1 // handed over to the body
		body.r = io.NewSectionReader(body.f, start, n)
	}
	return &storage.Object{Attrs: *attrs, Offset: off, Length: n, Body: body}, nil
}

// objectBody is the Body of a Get.
type objectBody struct {
	ctx    context.Context
	key    string
	r      io.Reader
	f      *os.File // nil when r reads from memory
	closed bool
}

// Read implements io.Reader. Once ctx is done it fails with an error
// matching ctx.Err().
func (o *objectBody) Read(p []byte) (int, error) {
	if o.closed {
		return 0, storage.Wrap("get", o.key, nil, os.ErrClosed)
	}
	if err := o.ctx.Err(); err != nil {
		return 0, storage.Wrap("get", o.key, nil, err)
	}
	n, err := o.r.Read(p)
	if err != nil && err != io.EOF {
		err = storage.Wrap("get", o.key, nil, err)
	}
	return n, err
}

// Close releases the file. Closing twice is harmless.
func (o *objectBody) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	if o.f != nil {
		return o.f.Close()
	}
	return nil
}

package s3store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/r2kit/r2kit/storage"
)

// Put stores the bytes of r at key. A body of known length up to the part
// size goes in one PutObject (seekable readers are streamed, others read
// into a pooled part buffer); a larger body, or one of unknown length
// that fills a part buffer, goes in a multipart upload whose completion
// carries the condition. A conditional Put is sent once: see the package
// documentation for storage.ErrAmbiguous. If opts.Size is set and the body
// has another length, Put returns storage.ErrInvalidArgument and stores
// nothing.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	if err := b.check("put", key); err != nil {
		return nil, err
	}
	w := &write{b: b, key: key}
	if opts != nil {
		w.opts = *opts
	}
	if err := storage.ValidatePut(key, &w.opts); err != nil {
		return nil, storage.Wrap("put", key, nil, err)
	}
	w.md = storage.NormalizeMetadata(w.opts.Metadata)
	if _, ok := w.md[storage.MetaTombstone]; ok && b.tombstones {
		return nil, storage.Errorf("put", key, storage.ErrInvalidArgument,
			"metadata %q marks tombstones on this store", storage.MetaTombstone)
	}
	w.kind = guardKind(b, &w.opts)
	if err := ctx.Err(); err != nil {
		return nil, storage.Wrap("put", key, nil, err)
	}
	if buf, ok := r.(*bytes.Buffer); ok {
		// Not seekable, but its bytes are there: send them without a copy.
		r = bytes.NewReader(buf.Next(buf.Len()))
	}
	size := storage.BodySize(r, &w.opts)
	if rs, ok := r.(io.ReadSeeker); ok {
		n, err := remaining(rs)
		if err != nil {
			return nil, storage.Wrap("put", key, nil, err)
		}
		if w.opts.Size > 0 && n != w.opts.Size {
			return nil, w.sizeError(n)
		}
		if n <= b.partSize {
			return w.single(ctx, rs, n)
		}
		size = n
	}
	return w.buffered(ctx, r, size)
}

// write is one Put in progress.
type write struct {
	b    *Bucket
	key  string
	opts storage.PutOptions
	md   map[string]string
	kind int // how it is guarded against tombstones
}

// How writes are guarded on a store with tombstones (see Bucket.guard).
const (
	noGuard     = iota // IfMatch set, or no tombstones: sent as asked
	guardCreate        // IfNoneMatch "*": sent, guarded after a refusal
	guardWrite         // unconditional: guarded before it is sent
)

// guardKind says how a write with opts is guarded on b.
func guardKind(b *Bucket, opts *storage.PutOptions) int {
	switch {
	case !b.tombstones || opts.IfMatch != "":
		return noGuard
	case opts.IfNoneMatch != "":
		return guardCreate
	}
	return guardWrite
}

// guard sets the write's condition from what is at its key now.
func (w *write) guard(ctx context.Context) error {
	ifMatch, ifNoneMatch, err := w.b.guard(ctx, w.key, w.kind == guardCreate)
	if err != nil {
		return err
	}
	w.opts.IfMatch, w.opts.IfNoneMatch = ifMatch, ifNoneMatch
	return nil
}

// lostToTombstone reports a guarded write refused because the key
// changed (or, for an unconditional one, an unknown outcome: sending it
// again is harmless), which choosing the condition again may fix.
func (w *write) lostToTombstone(err error) bool {
	return errors.Is(err, storage.ErrPreconditionFailed) ||
		w.kind == guardWrite && errors.Is(err, storage.ErrAmbiguous)
}

// conditionHeaders returns the write's If-Match and If-None-Match.
func (w *write) conditionHeaders() (ifMatch, ifNoneMatch *string) {
	if w.opts.IfMatch != "" {
		ifMatch = aws.String(storage.NormalizeETag(w.opts.IfMatch))
	}
	if w.opts.IfNoneMatch != "" {
		ifNoneMatch = aws.String(w.opts.IfNoneMatch)
	}
	return ifMatch, ifNoneMatch
}

// smallBody is the size of the buffer a body of unknown length is first
// read into. Most bodies (JSON documents) fit: they do not take a part
// buffer, which would make many small concurrent Puts hold many parts.
const smallBody = 64 << 10

var smallBufs = sync.Pool{New: func() any {
	buf := make([]byte, smallBody)
	return &buf
}}

// buffered sends a body that is not seekable or is larger than a part:
// its start is read into a pooled buffer (a small one first if it may be
// small), and the body goes in one PutObject if it ends there, else in a
// multipart upload. size is the declared or known length, or -1.
func (w *write) buffered(ctx context.Context, r io.Reader, size int64) (*storage.Attrs, error) {
	b := w.b
	if size > b.partSize*MaxParts {
		return nil, storage.Errorf("put", w.key, storage.ErrInvalidArgument,
			"%d bytes do not fit in %d parts of %d bytes", size, MaxParts, b.partSize)
	}
	var head []byte
	if size <= smallBody {
		sp := smallBufs.Get().(*[]byte)
		defer smallBufs.Put(sp)
		n, rest, err := w.fill(r, *sp, size, 0)
		if err != nil {
			return nil, err
		}
		if rest == nil {
			return w.single(ctx, bytes.NewReader((*sp)[:n]), int64(n))
		}
		head, r = (*sp)[:n], rest
	}
	bufp := b.getPart()
	defer func() {
		if bufp != nil {
			b.parts.Put(bufp)
		}
	}()
	k := copy(*bufp, head)
	n, rest, err := w.fill(r, (*bufp)[k:], size, int64(k))
	n += k
	switch {
	case err != nil:
		return nil, err
	case rest == nil:
		return w.single(ctx, bytes.NewReader((*bufp)[:n]), int64(n))
	}
	first := bufp
	bufp = nil // owned by the upload now
	return w.multipart(ctx, first, rest, size)
}

// fill reads the body from r into buf, after the read bytes already
// read; size is the body's known length, or -1. If the body ends within
// buf, it returns the n bytes read and a nil rest. Otherwise buf is full
// and rest yields the remainder of the body. A body whose length differs
// from a known size is storage.ErrInvalidArgument.
func (w *write) fill(r io.Reader, buf []byte, size, read int64) (n int, rest io.Reader, err error) {
	if size >= 0 && size-read < int64(len(buf)) {
		buf = buf[:size-read]
	}
	n, err = io.ReadFull(r, buf)
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		if size >= 0 && read+int64(n) != size {
			return 0, nil, w.sizeError(read + int64(n))
		}
		return n, nil, nil
	case err != nil:
		return 0, nil, storage.Wrap("put", w.key, nil, err)
	case size >= 0 && read+int64(n) < size:
		return n, r, nil // more is due
	}
	more, err := hasMore(r)
	switch {
	case err != nil:
		return 0, nil, storage.Wrap("put", w.key, nil, err)
	case more == nil:
		return n, nil, nil
	case size >= 0:
		return 0, nil, w.sizeError(-1)
	}
	return n, io.MultiReader(more, r), nil
}

// single sends body, of length n, in one PutObject.
func (w *write) single(ctx context.Context, body io.ReadSeeker, n int64) (*storage.Attrs, error) {
	b := w.b
	in := &s3.PutObjectInput{
		Bucket:        &b.bucket,
		Key:           aws.String(b.prefix + w.key),
		Body:          body,
		ContentLength: aws.Int64(n),
		Metadata:      w.md,
	}
	if w.opts.ContentType != "" {
		in.ContentType = &w.opts.ContentType
	}
	g := w.kind
	if g == guardWrite {
		if err := w.guard(ctx); err != nil {
			return nil, err
		}
	}
	in.IfMatch, in.IfNoneMatch = w.conditionHeaders()
	start, err := body.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, storage.Wrap("put", w.key, nil, err)
	}
	guards := 0
	for attempt := 1; ; attempt++ {
		c, t, optFns := w.condition()
		var out *s3.PutObjectOutput
		err := b.paced(ctx, w.key, func() (err error) {
			out, err = b.client.PutObject(ctx, in, optFns...)
			return err
		})
		if err == nil {
			return w.attrs(ctx, n, aws.ToString(out.ETag))
		}
		err = mapError("put", w.key, err, c, t)
		if g != noGuard && guards < guardLimit(g) && w.lostToTombstone(err) {
			// Not stored (or, for an unconditional write, harmless to
			// store again): choose the condition again and resend.
			guards++
			if err := guardPause(ctx, g, guards); err != nil {
				return nil, storage.Wrap("put", w.key, nil, err)
			}
			if serr := w.guard(ctx); serr != nil {
				return nil, serr
			}
			in.IfMatch, in.IfNoneMatch = w.conditionHeaders()
			if _, serr := body.Seek(start, io.SeekStart); serr != nil {
				return nil, err
			}
			continue
		}
		if g == guardWrite && errors.Is(err, storage.ErrPreconditionFailed) {
			return nil, storage.Errorf("put", w.key, storage.ErrTransient, "other writes kept winning: %w", err)
		}
		if attempt == pathRaceAttempts || !pathRace(err) {
			return nil, err
		}
		// Refused, so not stored: safe to send again, conditional or not.
		if _, serr := body.Seek(start, io.SeekStart); serr != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, storage.Wrap("put", w.key, nil, ctx.Err())
		case <-time.After(time.Duration(attempt) * 5 * time.Millisecond):
		}
	}
}

// pathRaceAttempts bounds the sends of a Put that a file-backed server
// refuses while it removes the directory the key is in.
const pathRaceAttempts = 4

// pathRace reports a refusal of servers that store objects as files
// (versitygw) when a Put races the removal of the last object of its
// directory: the key is fine and a second send succeeds. R2 and S3 never
// answer it.
func pathRace(err error) bool {
	code := errorCode(err)
	return code == "ExistingObjectIsDirectory" || code == "ObjectParentIsFile"
}

// condition returns how the write's final request is classified and the
// per-operation options it is sent with: conditional writes are sent
// once and tracked.
func (w *write) condition() (call, *sendTracker, []func(*s3.Options)) {
	optFns := []func(*s3.Options){whenRequired}
	if w.opts.IfMatch == "" && w.opts.IfNoneMatch == "" {
		return plain, nil, optFns
	}
	t := &sendTracker{}
	c := conditional
	if w.opts.IfMatch != "" {
		c |= ifMatch
	}
	return c, t, append(optFns, sendOnce(t))
}

// attrs returns the attributes of the object just written. Servers
// return its ETag; if one does not, it is read back.
func (w *write) attrs(ctx context.Context, n int64, etag string) (*storage.Attrs, error) {
	a := &storage.Attrs{
		Key:         w.key,
		Size:        n,
		ETag:        storage.NormalizeETag(etag),
		ContentType: w.opts.ContentType,
		Metadata:    w.md,
	}
	if a.ETag == "" {
		st, err := w.b.Stat(ctx, w.key)
		if err != nil {
			return nil, storage.Errorf("put", w.key, nil, "written, but reading its ETag back failed: %w", err)
		}
		a.ETag, a.ModTime = st.ETag, st.ModTime
	}
	return a, nil
}

// sizeError reports a body of got bytes (-1: more than Size) when
// PutOptions.Size said otherwise.
func (w *write) sizeError(got int64) error {
	if got < 0 {
		return storage.Errorf("put", w.key, storage.ErrInvalidArgument,
			"body is longer than Size %d", w.opts.Size)
	}
	return storage.Errorf("put", w.key, storage.ErrInvalidArgument,
		"body is %d bytes, Size says %d", got, w.opts.Size)
}

// whenRequired sends request checksums only where the API requires them.
// Bodies always reach the SDK seekable, so SigV4 signs their SHA-256 and
// the server checks it; a default CRC32 would add nothing, and R2 and
// other S3-compatible servers accept only some checksum types.
func whenRequired(o *s3.Options) {
	o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
}

// remaining returns how many bytes rs holds after its current position.
func remaining(rs io.ReadSeeker) (int64, error) {
	switch v := rs.(type) {
	case *bytes.Reader:
		return int64(v.Len()), nil
	}
	cur, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	end, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	if _, err := rs.Seek(cur, io.SeekStart); err != nil {
		return 0, err
	}
	return end - cur, nil
}

// hasMore reads one byte of r: it returns a reader yielding that byte, or
// nil if r is at its end.
func hasMore(r io.Reader) (io.Reader, error) {
	var one [1]byte
	for {
		n, err := r.Read(one[:])
		if n > 0 {
			return bytes.NewReader(one[:]), nil
		}
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// getPart returns a part buffer from the pool.
func (b *Bucket) getPart() *[]byte {
	return b.parts.Get()
}

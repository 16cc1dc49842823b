package s3store

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/r2kit/r2kit/storage"
)

// abortTimeout bounds the AbortMultipartUpload sent after a failure,
// which runs even when the Put's context is done.
const abortTimeout = 30 * time.Second

// multipart uploads first (a full part buffer, owned by the upload) and
// the rest of r as a multipart upload, then completes it with the write's
// condition. size is the declared length, or -1. On any failure the
// upload is aborted.
func (w *write) multipart(ctx context.Context, first *[]byte, r io.Reader, size int64) (*storage.Attrs, error) {
	b := w.b
	in := &s3.CreateMultipartUploadInput{
		Bucket:   &b.bucket,
		Key:      aws.String(b.prefix + w.key),
		Metadata: w.md,
	}
	if w.opts.ContentType != "" {
		in.ContentType = &w.opts.ContentType
	}
	created, err := b.client.CreateMultipartUpload(ctx, in)
	if err != nil {
		b.parts.Put(first)
		return nil, mapError("put", w.key, err, plain, nil)
	}
	u := &upload{w: w, id: created.UploadId}
	total, err := u.sendParts(ctx, first, r, size)
	if err == nil {
		var a *storage.Attrs
		if a, err = u.complete(ctx, total); err == nil {
			return a, nil
		}
	}
	u.abort(ctx)
	return nil, err
}

// upload is one multipart upload in progress.
type upload struct {
	w  *write
	id *string

	mu     sync.Mutex
	parts  []types.CompletedPart
	failed error // the first UploadPart failure
}

// drainTimeout bounds how long a cancelled Put waits for the parts it
// has in flight before cutting them.
const drainTimeout = 10 * time.Second

// sendParts uploads first and then the parts read from r, up to the
// Bucket's concurrency at once, and returns the total length. Each part
// buffer comes from the pool and goes back when its upload is done, so at
// most Concurrency buffers are held.
//
// After a failure or a cancellation no new part starts, but the parts in
// flight are waited for (when ctx is done, for drainTimeout at most):
// a part the server is still storing when the upload is aborted can
// bring the upload back (S3 documents this race), which would leave it
// behind.
func (u *upload) sendParts(ctx context.Context, first *[]byte, r io.Reader, size int64) (int64, error) {
	b := u.w.b
	partCtx, cut := context.WithCancel(context.WithoutCancel(ctx))
	defer cut()
	drained := make(chan struct{})
	defer close(drained) // after the Wait below
	go cutAfterDrain(ctx, drained, cut)
	var wg sync.WaitGroup
	defer wg.Wait()

	slots := make(chan struct{}, b.conc) // one per part buffer held
	slots <- struct{}{}
	var total int64
	bufp, n, last := first, len(*first), false
	for num := int32(1); ; num++ {
		total += int64(n)
		if size >= 0 && total > size {
			b.parts.Put(bufp)
			<-slots
			return 0, u.w.sizeError(-1)
		}
		part, data := bufp, (*bufp)[:n]
		wg.Go(func() {
			defer func() { b.parts.Put(part); <-slots }()
			u.sendPart(partCtx, num, data)
		})
		if last {
			break
		}
		if num == MaxParts {
			more, err := hasMore(r)
			if err != nil {
				return 0, storage.Wrap("put", u.w.key, nil, err)
			}
			if more == nil {
				break
			}
			return 0, storage.Errorf("put", u.w.key, storage.ErrInvalidArgument,
				"body is larger than %d parts of %d bytes", MaxParts, b.partSize)
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			return 0, storage.Wrap("put", u.w.key, nil, context.Cause(ctx))
		}
		if err := u.partError(); err != nil {
			<-slots
			return 0, err
		}
		bufp = b.getPart()
		var err error
		n, err = io.ReadFull(r, *bufp)
		switch {
		case errors.Is(err, io.EOF):
			b.parts.Put(bufp)
			<-slots
			return u.finish(&wg, total, size)
		case errors.Is(err, io.ErrUnexpectedEOF):
			last = true
		case err != nil:
			b.parts.Put(bufp)
			<-slots
			return 0, storage.Wrap("put", u.w.key, nil, err)
		}
	}
	return u.finish(&wg, total, size)
}

// cutAfterDrain calls cut if ctx is done and drained is not closed
// drainTimeout later.
func cutAfterDrain(ctx context.Context, drained <-chan struct{}, cut func()) {
	select {
	case <-drained:
		return
	case <-ctx.Done():
	}
	t := time.NewTimer(drainTimeout)
	defer t.Stop()
	select {
	case <-drained:
	case <-t.C:
		cut()
	}
}

// finish waits for the part uploads and checks the upload is whole.
func (u *upload) finish(wg *sync.WaitGroup, total, size int64) (int64, error) {
	wg.Wait()
	if err := u.partError(); err != nil {
		return 0, err
	}
	if size >= 0 && total != size {
		return 0, u.w.sizeError(total)
	}
	return total, nil
}

// partError returns the first part failure, if any.
func (u *upload) partError() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.failed == nil {
		return nil
	}
	return mapError("put", u.w.key, u.failed, plain, nil)
}

// sendPart uploads one part and records it or its failure.
func (u *upload) sendPart(ctx context.Context, num int32, data []byte) {
	b := u.w.b
	out, err := b.client.UploadPart(ctx, &s3.UploadPartInput{
		Bucket:        &b.bucket,
		Key:           aws.String(b.prefix + u.w.key),
		UploadId:      u.id,
		PartNumber:    aws.Int32(num),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
	}, whenRequired)
	u.mu.Lock()
	defer u.mu.Unlock()
	if err != nil {
		if u.failed == nil {
			u.failed = fmt.Errorf("part %d: %w", num, err)
		}
		return
	}
	u.parts = append(u.parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
}

// complete commits the upload with the write's condition.
func (u *upload) complete(ctx context.Context, total int64) (*storage.Attrs, error) {
	w := u.w
	b := w.b
	slices.SortFunc(u.parts, func(x, y types.CompletedPart) int {
		return cmp.Compare(aws.ToInt32(x.PartNumber), aws.ToInt32(y.PartNumber))
	})
	in := &s3.CompleteMultipartUploadInput{
		Bucket:          &b.bucket,
		Key:             aws.String(b.prefix + w.key),
		UploadId:        u.id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: u.parts},
	}
	if w.kind != noGuard {
		// The parts are uploaded: choose the condition once, from what
		// is at the key now.
		if err := w.guard(ctx); err != nil {
			return nil, err
		}
	}
	in.IfMatch, in.IfNoneMatch = w.conditionHeaders()
	c, t, optFns := w.condition()
	var out *s3.CompleteMultipartUploadOutput
	err := b.paced(ctx, w.key, func() (err error) {
		out, err = b.client.CompleteMultipartUpload(ctx, in, optFns...)
		return err
	})
	if err != nil {
		err = mapError("put", w.key, err, c, t)
		if w.kind == guardWrite && errors.Is(err, storage.ErrPreconditionFailed) {
			return nil, storage.Errorf("put", w.key, storage.ErrTransient, "another write won meanwhile: %w", err)
		}
		return nil, err
	}
	return w.attrs(ctx, total, aws.ToString(out.ETag))
}

// abort deletes the upload's parts, even when ctx is done. Its failure is
// not reported: the Put already failed, and a bucket lifecycle rule can
// collect what is left.
func (u *upload) abort(ctx context.Context) {
	b := u.w.b
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	_, _ = b.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket:   &b.bucket,
		Key:      aws.String(b.prefix + u.w.key),
		UploadId: u.id,
	})
}

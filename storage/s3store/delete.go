package s3store

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/r2kit/r2kit/storage"
)

// deleteAttempts bounds how often an unconditional Delete reads the ETag
// again after the object changed under it.
const deleteAttempts = 4

// Delete removes the object at key. It reads the object's ETag with
// HeadObject (a missing key is storage.ErrNotFound, a different ETag than
// opts.IfMatch is storage.ErrPreconditionFailed) and then sends
// DeleteObject with If-Match set to that ETag, so that it deletes the
// object it saw. An unconditional Delete whose object changed in between
// starts again, a few times at most (then storage.ErrTransient). With
// Options.R2 or Options.EmulateConditionalDelete it writes a tombstone
// instead: see the package documentation.
func (b *Bucket) Delete(ctx context.Context, key string, opts *storage.DeleteOptions) error {
	if err := b.check("delete", key); err != nil {
		return err
	}
	want := ""
	if opts != nil {
		want = opts.IfMatch
	}
	if b.tombstones {
		return b.tombstoneDelete(ctx, key, want)
	}
	for attempt := 1; ; attempt++ {
		a, err := b.Stat(ctx, key)
		if err != nil {
			return renameOp(err, "delete")
		}
		if want != "" && !storage.ETagsEqual(want, a.ETag) {
			return storage.Errorf("delete", key, storage.ErrPreconditionFailed,
				"ETag is %s, not %s", a.ETag, storage.NormalizeETag(want))
		}
		err = b.deleteObject(ctx, key, a.ETag, want != "")
		if want != "" || !errors.Is(err, storage.ErrPreconditionFailed) {
			return err
		}
		if attempt == deleteAttempts {
			return storage.Errorf("delete", key, storage.ErrTransient,
				"the object changed during each of %d attempts: %w", deleteAttempts, err)
		}
	}
}

// deleteObject deletes key if its ETag is still etag. asked says the
// caller asked for the condition: the request is then sent once.
func (b *Bucket) deleteObject(ctx context.Context, key, etag string, asked bool) error {
	in := &s3.DeleteObjectInput{
		Bucket: &b.bucket,
		Key:    aws.String(b.prefix + key),
	}
	in.IfMatch = aws.String(etag)
	if !asked {
		err := b.paced(ctx, key, func() error {
			_, err := b.client.DeleteObject(ctx, in)
			return err
		})
		if err != nil && httpStatus(err) == http.StatusNotFound {
			// Deleted meanwhile, perhaps by an SDK retry of this request.
			return nil
		}
		if err != nil {
			return mapError("delete", key, err, plain, nil)
		}
		return nil
	}
	t := &sendTracker{}
	err := b.paced(ctx, key, func() error {
		_, err := b.client.DeleteObject(ctx, in, sendOnce(t))
		return err
	})
	if err != nil {
		return mapError("delete", key, err, conditional, t)
	}
	return nil
}

// renameOp sets the operation of a *storage.Error made by a helper
// operation (Stat inside Delete or Get).
func renameOp(err error, op string) error {
	var se *storage.Error
	if errors.As(err, &se) {
		se.Op = op
	}
	return err
}

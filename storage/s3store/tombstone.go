package s3store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	mrand "math/rand/v2"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/r2kit/r2kit/storage"
)

// Tombstones: conditional deletes on stores without If-Match on
// DeleteObject (R2). See "Deletes" in the package documentation.

// DefaultTombstoneGrace is Options.TombstoneGrace when zero.
const DefaultTombstoneGrace = 15 * time.Second

// tombstoneMagic starts a tombstone's body; a random id follows, so that
// every tombstone has its own ETag.
const tombstoneMagic = "r2kit tombstone "

// tombstoneSize is the length of every tombstone body: List asks the
// store about listed objects of this size only.
const tombstoneSize = int64(len(tombstoneMagic) + 32)

// headInfo is what HeadObject said about a key.
type headInfo struct {
	attrs     *storage.Attrs
	tombstone string        // the tombstone's id, or "" for a live object
	age       time.Duration // the tombstone's age by the server's clock
}

// head reads key's attributes, tombstones included.
func (b *Bucket) head(ctx context.Context, key string) (*headInfo, error) {
	out, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: &b.bucket,
		Key:    aws.String(b.prefix + key),
	})
	if err != nil {
		return nil, mapError("stat", key, err, plain, nil)
	}
	h := &headInfo{attrs: &storage.Attrs{
		Key:         key,
		Size:        aws.ToInt64(out.ContentLength),
		ETag:        storage.NormalizeETag(aws.ToString(out.ETag)),
		ContentType: aws.ToString(out.ContentType),
		ModTime:     aws.ToTime(out.LastModified),
		Metadata:    storage.NormalizeMetadata(out.Metadata),
	}}
	if b.tombstones {
		h.tombstone = h.attrs.Metadata[storage.MetaTombstone]
		if h.tombstone != "" {
			h.age = serverAge(out.ResultMetadata, h.attrs.ModTime)
		}
	}
	return h, nil
}

// serverAge returns how long ago modified was by the server's clock
// (its Date header), so that no client clock enters the comparison. The
// answer is rounded down to whole seconds on both sides; without a Date
// header the local clock is used.
func serverAge(md middleware.Metadata, modified time.Time) time.Duration {
	now := time.Now()
	if raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok {
		if t, err := http.ParseTime(raw.Header.Get("Date")); err == nil {
			now = t
		}
	}
	return now.Sub(modified)
}

// newTombstone returns a tombstone body and its id.
func newTombstone() ([]byte, string) {
	var rnd [16]byte
	_, _ = rand.Read(rnd[:])
	id := hex.EncodeToString(rnd[:])
	return []byte(tombstoneMagic + id), id
}

// deleteWindow is how long after sending its tombstone a deleter may
// still send the physical DELETE: a third of the grace, which leaves the
// rest for the servers' one-second clock resolution and network delays.
func (b *Bucket) deleteWindow() time.Duration { return b.grace / 3 }

// tombstoneDelete is Delete on a store without conditional deletes: a
// conditional write replaces the object by a tombstone (the atomic step:
// the delete happens there), then a DELETE removes the tombstone.
func (b *Bucket) tombstoneDelete(ctx context.Context, key, want string) error {
	for attempt := 1; ; attempt++ {
		etag := want
		if etag == "" {
			a, err := b.Stat(ctx, key)
			if err != nil {
				return renameOp(err, "delete")
			}
			etag = a.ETag
		}
		start := time.Now()
		id, err := b.putTombstone(ctx, key, etag)
		switch {
		case err == nil:
			b.afterTombstone(ctx, key, id, start)
			return nil
		case errors.Is(err, storage.ErrPreconditionFailed):
			if want == "" && attempt < deleteAttempts {
				continue // changed since the Stat: read again
			}
			return b.deleteConflict(ctx, key, want, err)
		}
		return err
	}
}

// putTombstone replaces the object whose ETag is etag by a new tombstone
// and returns its id. A lost answer is resolved by reading the key back.
func (b *Bucket) putTombstone(ctx context.Context, key, etag string) (string, error) {
	body, id := newTombstone()
	t := &sendTracker{}
	err := b.paced(ctx, key, func() error {
		_, err := b.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket:        &b.bucket,
			Key:           aws.String(b.prefix + key),
			Body:          bytes.NewReader(body),
			ContentLength: aws.Int64(int64(len(body))),
			Metadata:      map[string]string{storage.MetaTombstone: id},
			IfMatch:       aws.String(storage.NormalizeETag(etag)),
		}, whenRequired, sendOnce(t))
		return err
	})
	if err == nil {
		return id, nil
	}
	err = mapError("delete", key, err, conditional|ifMatch, t)
	if !errors.Is(err, storage.ErrAmbiguous) {
		return "", err
	}
	h, rerr := b.head(context.WithoutCancel(ctx), key)
	switch {
	case rerr == nil && h.tombstone == id:
		return id, nil // ours committed
	case rerr == nil, errors.Is(rerr, storage.ErrNotFound):
		// Another object, or none: ours was not stored (a tombstone is
		// removed only by its own writer, or after the grace).
		return "", storage.Errorf("delete", key, storage.ErrTransient, "tombstone not stored: %w", err)
	}
	return "", err
}

// deleteConflict reports a refused tombstone: storage.ErrNotFound if the
// key is (logically) missing, else storage.ErrPreconditionFailed.
func (b *Bucket) deleteConflict(ctx context.Context, key, want string, cause error) error {
	a, err := b.Stat(ctx, key)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return renameOp(err, "delete")
	case err != nil:
		return cause
	}
	return storage.Errorf("delete", key, storage.ErrPreconditionFailed,
		"ETag is %s, not %s", a.ETag, storage.NormalizeETag(want))
}

// afterTombstone removes the tombstone id that a Delete wrote at key. A
// Bucket that paces writes (Options.WriteInterval) sends the DELETE in
// the background, when the key's next turn comes, so that Delete returns
// once the delete is done in effect, instead of an interval later; Close
// waits for these. Others send it at once.
func (b *Bucket) afterTombstone(ctx context.Context, key, id string, start time.Time) {
	if b.pace == nil {
		b.removeTombstone(ctx, key, id, start)
		return
	}
	// A fresh context: the caller's may be cancelled when Delete returns,
	// and may carry a write turn (storage.WriteTurn) that ends with it.
	b.bg.Go(func() { b.removeTombstone(context.Background(), key, id, start) })
}

// removeTombstone deletes the tombstone id at key, which the caller
// wrote after start. The DELETE is unconditional, so it is sent only
// within deleteWindow of start: until the grace has passed, writers do
// not replace a tombstone (see guard), and nothing else can be at the
// key. A DELETE throttled by the store (429) is sent again after its
// Retry-After while the window lasts. Any failure leaves the tombstone,
// which reads as absent and is replaced or purged after the grace.
func (b *Bucket) removeTombstone(ctx context.Context, key, id string, start time.Time) {
	deadline := start.Add(b.deleteWindow())
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	for {
		err := b.paced(ctx, key, func() error {
			_, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{
				Bucket: &b.bucket,
				Key:    aws.String(b.prefix + key),
			}, func(o *s3.Options) { o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 1) })
			return err
		})
		if err == nil || httpStatus(err) == http.StatusNotFound {
			return
		}
		wait := retryAfter(err)
		if httpStatus(err) != http.StatusTooManyRequests && httpStatus(err) < 500 {
			return
		}
		wait = max(wait, 50*time.Millisecond)
		if time.Now().Add(wait).After(deadline) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// guardAttempts bounds how often a guarded create reads the key again
// after losing a race; writeGuardAttempts the same for an unconditional
// write, which must not fail because others write the key too.
const (
	guardAttempts      = 8
	writeGuardAttempts = 100
)

// guardLimit is the attempts bound of a guarded write of kind g.
func guardLimit(g int) int {
	if g == guardWrite {
		return writeGuardAttempts
	}
	return guardAttempts
}

// guardPause waits before the next attempt of an unconditional write
// that lost a race, a random time growing to 20ms, so that racing
// writers spread out; creates go on at once.
func guardPause(ctx context.Context, g, attempt int) error {
	if g != guardWrite {
		return nil
	}
	d := time.Duration(mrand.Int64N(int64(min(attempt, 20)) * int64(time.Millisecond)))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// guard chooses the condition that makes a create (create: IfNoneMatch
// "*") or an unconditional write safe on a store with tombstones: a
// tombstone younger than the grace may still be removed by its deleter,
// so guard waits until it is gone or old enough, then conditions the
// write on the tombstone's ETag (it replaces it) or on absence. A live
// object fails a create with storage.ErrPreconditionFailed; an
// unconditional write is conditioned on its ETag.
func (b *Bucket) guard(ctx context.Context, key string, create bool) (ifMatch, ifNoneMatch string, err error) {
	pause := 10 * time.Millisecond
	// The tombstone is at least as old as the time since it was first
	// seen here: a server whose Date header lags (or a Last-Modified
	// ahead of it) cannot hold a writer back for longer than the grace.
	var seen time.Time
	for {
		h, err := b.head(ctx, key)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			return "", "*", nil
		case err != nil:
			return "", "", renameOp(err, "put")
		case h.tombstone == "" && create:
			return "", "", storage.Errorf("put", key, storage.ErrPreconditionFailed, "the key exists (ETag %s)", h.attrs.ETag)
		}
		if seen.IsZero() {
			seen = time.Now()
		}
		if h.tombstone != "" {
			h.age = max(h.age, time.Since(seen))
		}
		if h.tombstone == "" || h.age >= b.grace {
			return h.attrs.ETag, "", nil
		}
		wait := min(pause, b.grace-h.age)
		pause = min(2*pause, 250*time.Millisecond)
		select {
		case <-ctx.Done():
			return "", "", storage.Wrap("put", key, nil, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// PurgeTombstones removes the tombstones under prefix older than the
// grace, left by deleters that stopped between their two steps (a
// crash, a failed or throttled DELETE). Each is first replaced by a new
// tombstone with a conditional write, so that its DELETE is as safe as a
// deleter's. It returns how many were removed. On stores with
// conditional deletes (no Options.R2) there are none and it lists
// nothing.
func (b *Bucket) PurgeTombstones(ctx context.Context, prefix string) (int, error) {
	if !b.tombstones {
		return 0, nil
	}
	n := 0
	for a, err := range storage.Objects(ctx, rawLister{b}, &storage.ListOptions{Prefix: prefix}) {
		if err != nil {
			return n, err
		}
		if a.Size != tombstoneSize {
			continue
		}
		h, err := b.head(ctx, a.Key)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return n, err
		}
		if h.tombstone == "" || h.age < b.grace {
			continue
		}
		start := time.Now()
		id, err := b.putTombstone(ctx, a.Key, h.attrs.ETag)
		switch {
		case errors.Is(err, storage.ErrPreconditionFailed):
			continue // replaced meanwhile
		case err != nil:
			return n, err
		}
		b.removeTombstone(ctx, a.Key, id, start)
		n++
	}
	return n, nil
}

var _ storage.TombstonePurger = (*Bucket)(nil)

// rawLister lists a Bucket's keys with its tombstones.
type rawLister struct{ *Bucket }

func (r rawLister) List(ctx context.Context, opts *storage.ListOptions) (*storage.ListPage, error) {
	return r.list(ctx, opts, false)
}

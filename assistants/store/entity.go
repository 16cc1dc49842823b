package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
	"golang.org/x/sync/errgroup"
)

// kind is what the shared machinery of the entity stores knows of an
// entity type: its name (errors, object metadata) and TTL.
type kind struct {
	s    *DB
	name string
	ttl  time.Duration // 0: none
}

// writeOptions are the document options of a write of k.
func (k kind) writeOptions() *doc.WriteOptions {
	return &doc.WriteOptions{Type: k.name, TTL: k.ttl}
}

// ref locates one entity: its document key, its desc index marker, and
// what must exist for it to be created.
type ref struct {
	id  string
	key string
	// marker is the key of the entity's desc index marker, "" for
	// entities that are not listed (tools).
	marker string
	// what names the entity in a *NotFoundError.
	what entity
	// parent is the key of the object that must exist before the entity
	// is created (its thread, or its run for a step), "" for none;
	// parentWhat names it.
	parent     string
	parentWhat entity
	// thread is the key of the owning thread, "" for top-level entities:
	// a create checks after its write that the thread still exists and
	// undoes itself if not (a concurrent thread delete).
	thread     string
	threadWhat entity
}

// invalidID wraps the error of an id that cannot become a key: nothing
// was read or written.
func invalidID(op string, err error) error {
	return &storage.Error{Op: op, Err: err}
}

// validateValue runs v's Validate method (v is a pointer to a model)
// and returns its failure as the doc package does: a *doc.ValidationError
// naming the field, in a *storage.Error naming op and key.
func validateValue(op, key string, v any) error {
	val, ok := v.(interface{ Validate() error })
	if !ok {
		return nil
	}
	if err := val.Validate(); err != nil {
		return validationErr(op, key, err)
	}
	return nil
}

// validationErr returns a validation failure as the doc package does: a
// *doc.ValidationError naming the field (when err has a Field method,
// as *assistants.FieldError does), in a *storage.Error naming op and
// key.
func validationErr(op, key string, err error) error {
	ve := &doc.ValidationError{Err: err}
	var f interface{ Field() string }
	if errors.As(err, &f) {
		ve.Field = f.Field()
	}
	return storage.Wrap(op, key, nil, ve)
}

// writeMode is how a create writes the document.
type writeMode int

const (
	createOnly writeMode = iota // only if the key is free (PutIf "")
	overwrite                   // unconditionally (Put)
)

// createOptions are the optional steps of a create.
type createOptions struct {
	// lazyParent skips the parent check before the write: the thread
	// check after the write covers it (the parent is the thread), and a
	// create into a missing thread is undone. It spares a request on
	// every create that succeeds.
	lazyParent bool
	// after, if set, is a further check once the entity is written, made
	// alongside the thread check (the active-run rule of messages). Its
	// error refuses the create: what was written is undone.
	after func(ctx context.Context) error
}

// checkPolicy paces the retries of the checks made after a create's
// write when storage answers with a transient failure.
var checkPolicy = resilience.Policy{MaxRetries: 6, Base: 20 * time.Millisecond, Max: 500 * time.Millisecond}

// create writes a new entity (or, with overwrite, replaces one) with
// the index and parent protocol every create follows:
//
//  1. validate v (nothing is written if it fails);
//  2. check that the parent exists (thread, or run for a step), unless
//     co.lazyParent;
//  3. write the desc index marker, before the entity, so that no entity
//     is ever missing from the desc listing (a marker whose entity is
//     missing is skipped by listings and removed by Repair);
//  4. write the entity (an ambiguous write is resolved by the doc
//     layer: committed, not committed, or an error saying the outcome
//     is unknown);
//  5. check that the owning thread still exists, and run co.after;
//     transient failures of these reads are retried (checkPolicy). If
//     the thread is gone (a concurrent thread delete) or co.after
//     refuses, undo the write and fail with that error, so that a
//     deleted thread keeps no children.
//
// The answer says what is stored: no error means entity and marker are
// both written; an error means nothing of it is visible (see refuse for
// an undo that cannot finish).
func create[T any](ctx context.Context, k kind, op string, r ref, v T, mode writeMode, co createOptions) (*doc.Doc[T], error) {
	if err := validateValue(op, r.key, &v); err != nil {
		return nil, err
	}
	if !co.lazyParent {
		if err := k.s.requireLive(ctx, op, r.key, r.parent, r.parentWhat); err != nil {
			return nil, err
		}
	}
	if err := k.s.putMarker(ctx, op, r.key, r.marker); err != nil {
		return nil, err
	}
	var (
		d   *doc.Doc[T]
		err error
	)
	if mode == createOnly {
		d, err = doc.PutIf(ctx, k.s.docs, r.key, v, "", k.writeOptions())
	} else {
		d, err = doc.Put(ctx, k.s.docs, r.key, v, k.writeOptions())
	}
	if err != nil {
		return nil, err
	}
	if err := k.s.checkAfterWrite(ctx, op, r, co.after); err != nil {
		return refuse(ctx, k.s, r, d, err)
	}
	return d, nil
}

// checkAfterWrite makes the checks of step 5 of create: the thread of r
// still live, and after (if set), in parallel, each retried while
// storage fails transiently. It returns the first refusal, or the last
// failure when storage kept failing.
func (s *DB) checkAfterWrite(ctx context.Context, op string, r ref, after func(context.Context) error) error {
	var g errgroup.Group
	var threadErr, afterErr error
	g.Go(func() error {
		threadErr = retryTransient(ctx, func(ctx context.Context) error {
			return s.requireLive(ctx, op, r.key, r.thread, r.threadWhat)
		})
		return nil
	})
	if after != nil {
		g.Go(func() error {
			afterErr = retryTransient(ctx, after)
			return nil
		})
	}
	_ = g.Wait()
	if threadErr != nil {
		return threadErr // a deleted thread explains whatever else failed
	}
	return afterErr
}

// retryTransient calls f until it returns nil or an error that is not a
// transient storage failure, at most checkPolicy allows.
func retryTransient(ctx context.Context, f func(context.Context) error) error {
	_, err := resilience.Do(ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, f(ctx)
	}, &resilience.Config[struct{}]{Retry: checkPolicy})
	return err
}

// requireLive returns a *NotFoundError naming what (its cause naming
// subject, the key being written or listed) unless a live (present,
// unexpired) document is at key. An empty key requires nothing.
func (s *DB) requireLive(ctx context.Context, op, subject, key string, what entity) error {
	if key == "" {
		return nil
	}
	ok, err := doc.Exists(ctx, s.docs, key)
	switch {
	case err != nil:
		return storage.Wrap(op, subject, nil, err)
	case !ok:
		return &NotFoundError{Object: what.object, ID: what.id,
			Err: storage.Errorf(op, subject, storage.ErrNotFound, "%s %s not found", what.object, what.id)}
	}
	return nil
}

// undoCreate removes an entity this process just wrote (if it is still
// the version written), then its marker, after a check of step 5 of
// create refused it. The entity goes first: a marker without its entity
// is harmless (listings skip it, Repair removes it), an entity without
// its marker would be missing from the desc listing. Each delete is
// retried while storage fails transiently. It reports whether the
// entity is gone; if not, the entity and its marker both stay.
func (s *DB) undoCreate(ctx context.Context, r ref, etag string) bool {
	ctx = context.WithoutCancel(ctx)
	err := retryTransient(ctx, func(ctx context.Context) error {
		err := doc.Delete(ctx, s.docs, r.key, etag)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return false
	}
	if r.marker != "" {
		_ = retryTransient(ctx, func(ctx context.Context) error { return deleteQuietly(ctx, s.b, r.marker) })
	}
	return true
}

// refuse ends a create whose check after the write failed with err: the
// write is undone and err returned. If the undo cannot finish, the
// entity stays whole (entity and marker): when its thread is gone it is
// invisible and err is returned (Repair removes the children of deleted
// threads); otherwise the entity is visible, so the create stands and
// d is returned with no error, never an error for a stored entity.
func refuse[T any](ctx context.Context, s *DB, r ref, d *doc.Doc[T], err error) (*doc.Doc[T], error) {
	if s.undoCreate(ctx, r, d.ETag) {
		return nil, err
	}
	var nf *NotFoundError
	if errors.As(err, &nf) && nf.Object == r.threadWhat.object && nf.ID == r.threadWhat.id {
		return nil, err
	}
	return d, nil
}

// putMarker writes the desc index marker key (nothing if key is ""):
// an empty object, written unconditionally (it is idempotent).
func (s *DB) putMarker(ctx context.Context, op, subject, key string) error {
	if key == "" {
		return nil
	}
	// The marker is empty and written unconditionally: re-sending it
	// after a transient failure or a lost answer is always safe.
	_, err := resilience.Do(ctx, func(ctx context.Context) (*storage.Attrs, error) {
		return s.b.Put(ctx, key, strings.NewReader(""), nil)
	}, &resilience.Config[*storage.Attrs]{Retry: checkPolicy, RetryIf: func(err error) bool {
		return resilience.Retryable(err) || errors.Is(err, storage.ErrAmbiguous)
	}})
	if err != nil {
		return storage.Wrap(op, subject, nil, err)
	}
	return nil
}

// deleteQuietly deletes key; a missing key is not an error.
func deleteQuietly(ctx context.Context, b storage.Bucket, key string) error {
	err := b.Delete(ctx, key, nil)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return err
}

// getEntity reads the entity at r.
func getEntity[T any](ctx context.Context, k kind, r ref) (*doc.Doc[T], error) {
	d, err := doc.Get[T](ctx, k.s.docs, r.key)
	return d, r.what.notFound(err)
}

// existsEntity reports whether a live entity is at r.
func existsEntity(ctx context.Context, k kind, r ref) (bool, error) {
	return doc.Exists(ctx, k.s.docs, r.key)
}

// guard checks a change of an entity: given the value before fn runs,
// it returns the check of the value after (ids unchanged, status moved
// along the state machine). nil means no check beyond the ids.
type guard[T any] func(before *T) func(after *T) error

// update applies fn to the existing entity at r with doc.Update (a
// conditional write, retried after conflicts, group-committed). It never
// creates: a missing entity is an error matching storage.ErrNotFound. A
// change of the entity's ids (keyOf of the result differs from r.key)
// or a change that g refuses is an error and writes nothing.
func update[T any](ctx context.Context, k kind, op string, r ref, keyOf func(*T) (string, error), g guard[T], fn func(*T) error) (*doc.Doc[T], error) {
	d, err := doc.Update(ctx, k.s.docs, r.key, func(cur *T, exists bool) (T, error) {
		if !exists {
			return *cur, storage.Wrap(op, r.key, storage.ErrNotFound, nil)
		}
		var check func(*T) error
		if g != nil {
			check = g(cur)
		}
		if err := fn(cur); err != nil {
			return *cur, err
		}
		if err := sameKey(op, r.key, cur, keyOf); err != nil {
			return *cur, err
		}
		if check != nil {
			if err := check(cur); err != nil {
				return *cur, storage.Wrap(op, r.key, nil, err)
			}
		}
		return *cur, nil
	}, k.writeOptions())
	return d, r.what.notFound(err)
}

// sameKey reports an error unless v's ids give key.
func sameKey[T any](op, key string, v *T, keyOf func(*T) (string, error)) error {
	got, err := keyOf(v)
	switch {
	case err != nil:
		return storage.Wrap(op, key, nil, err)
	case got != key:
		return storage.Errorf(op, key, storage.ErrInvalidArgument, "the update changed the object's ids (it would be %s)", got)
	}
	return nil
}

// replace writes v over the entity at r if its ETag is etag (the seed's
// putWithCas with an etag). With a guard, the current value is read
// first and the change checked; the write stays conditional on etag.
func replace[T any](ctx context.Context, k kind, op string, r ref, v T, etag string, g guard[T]) (*doc.Doc[T], error) {
	if err := validateValue(op, r.key, &v); err != nil {
		return nil, err
	}
	if g != nil {
		cur, err := doc.Get[T](ctx, k.s.docs, r.key)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			return nil, storage.Errorf(op, r.key, doc.ErrConflict, "no current version to replace")
		case err != nil:
			return nil, err
		case !storage.ETagsEqual(cur.ETag, etag):
			return nil, storage.Errorf(op, r.key, doc.ErrConflict, "etag %s is not the current version", etag)
		}
		if err := g(&cur.Value)(&v); err != nil {
			return nil, storage.Wrap(op, r.key, nil, err)
		}
	}
	return doc.PutIf(ctx, k.s.docs, r.key, v, etag, k.writeOptions())
}

// errMissing tells put's update attempt that there is nothing to update.
var errMissing = errors.New("missing")

// put is the seed's unconditional put for an entity with a guard: the
// entity is created with mk if missing, else replaced through an update
// (so the guard sees the current value).
func put[T any](ctx context.Context, k kind, op string, r ref, v T, g guard[T], mk func() (*doc.Doc[T], error)) (*doc.Doc[T], error) {
	if err := validateValue(op, r.key, &v); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		d, err := doc.Update(ctx, k.s.docs, r.key, func(cur *T, exists bool) (T, error) {
			if !exists {
				return v, errMissing
			}
			if g != nil {
				if err := g(cur)(&v); err != nil {
					return v, storage.Wrap(op, r.key, nil, err)
				}
			}
			return v, nil
		}, k.writeOptions())
		if !errors.Is(err, errMissing) {
			return d, err
		}
		d, err = mk()
		if !errors.Is(err, doc.ErrConflict) || attempt > 0 {
			return d, err
		}
		// Created by someone else meanwhile: replace it.
	}
}

// remove deletes the entity at r (if its ETag is etag, when set), then
// its marker: the marker goes after the entity, so that a listing never
// misses a live entity.
func remove(ctx context.Context, k kind, r ref, etag string) error {
	if err := doc.Delete(ctx, k.s.docs, r.key, etag); err != nil {
		return r.what.notFound(err)
	}
	if r.marker == "" {
		return nil
	}
	if err := deleteQuietly(ctx, k.s.b, r.marker); err != nil {
		return storage.Wrap("delete", r.key, nil, err)
	}
	return nil
}

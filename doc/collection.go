package doc

import (
	"context"
	"time"

	"github.com/r2kit/r2kit/storage"
)

// Collection is a typed handle on the documents of one entity type: it
// turns ids into keys, applies a default TTL and validates every value
// before it is written. It is the Go form of the seed's per-entity
// storage objects (storage.assistants, storage.threads, ...).
type Collection[T any] struct {
	s        *Store
	key      func(id string) (string, error)
	typ      string
	ttl      time.Duration
	validate func(*T) error
}

// CollectionOptions configures a Collection. The zero value has no TTL,
// no type and no validator beyond T's own Validate method.
type CollectionOptions[T any] struct {
	// Type is recorded in each document's metadata (storage.MetaType).
	Type string
	// TTL, if positive, is applied to every write that gives none.
	TTL time.Duration
	// Validate, if not nil, checks every value before it is written, in
	// addition to T's Validate method.
	Validate func(*T) error
}

// NewCollection returns a Collection storing documents in s at the keys
// key returns. key must reject ids that cannot be keys with an error
// (matching storage.ErrInvalidKey); opts may be nil.
func NewCollection[T any](s *Store, key func(id string) (string, error), opts *CollectionOptions[T]) *Collection[T] {
	c := &Collection[T]{s: s, key: key}
	if opts != nil {
		c.typ, c.ttl, c.validate = opts.Type, opts.TTL, opts.Validate
	}
	return c
}

// Key returns the key of the document with id.
func (c *Collection[T]) Key(id string) (string, error) { return c.key(id) }

// Get reads the document with id (see Get).
func (c *Collection[T]) Get(ctx context.Context, id string) (*Doc[T], error) {
	key, err := c.keyFor("get", id)
	if err != nil {
		return nil, err
	}
	return Get[T](ctx, c.s, key)
}

// Exists reports whether a live document with id exists.
func (c *Collection[T]) Exists(ctx context.Context, id string) (bool, error) {
	key, err := c.keyFor("stat", id)
	if err != nil {
		return false, err
	}
	return Exists(ctx, c.s, key)
}

// Put writes v as the document with id (see Put). opts may be nil.
func (c *Collection[T]) Put(ctx context.Context, id string, v T, opts *WriteOptions) (*Doc[T], error) {
	key, err := c.checked("put", id, &v)
	if err != nil {
		return nil, err
	}
	return Put(ctx, c.s, key, v, c.options(opts))
}

// PutIf writes v as the document with id if its ETag is etag, or if it
// does not exist when etag is "" (see PutIf). opts may be nil.
func (c *Collection[T]) PutIf(ctx context.Context, id string, v T, etag string, opts *WriteOptions) (*Doc[T], error) {
	key, err := c.checked("putif", id, &v)
	if err != nil {
		return nil, err
	}
	return PutIf(ctx, c.s, key, v, etag, c.options(opts))
}

// Update applies fn to the document with id (see Update). opts may be nil.
func (c *Collection[T]) Update(ctx context.Context, id string, fn func(cur *T, exists bool) (T, error), opts *WriteOptions) (*Doc[T], error) {
	key, err := c.keyFor("update", id)
	if err != nil {
		return nil, err
	}
	wrapped := fn
	if c.validate != nil {
		wrapped = func(cur *T, exists bool) (T, error) {
			next, err := fn(cur, exists)
			if err != nil {
				return next, err
			}
			if err := c.check(&next); err != nil {
				return next, storage.Wrap("update", key, nil, err)
			}
			return next, nil
		}
	}
	o := c.options(opts)
	if opts == nil || opts.TTL == 0 {
		// Updates refresh the collection's TTL like any other write.
		o.TTL = c.ttl
	}
	return Update(ctx, c.s, key, wrapped, o)
}

// Delete removes the document with id; with etag set, only if its ETag
// is etag (see Delete).
func (c *Collection[T]) Delete(ctx context.Context, id, etag string) error {
	key, err := c.keyFor("delete", id)
	if err != nil {
		return err
	}
	return Delete(ctx, c.s, key, etag)
}

func (c *Collection[T]) keyFor(op, id string) (string, error) {
	key, err := c.key(id)
	if err != nil {
		return "", storage.Wrap(op, id, nil, err)
	}
	return key, nil
}

// checked returns the key for id after validating v.
func (c *Collection[T]) checked(op, id string, v *T) (string, error) {
	key, err := c.keyFor(op, id)
	if err != nil {
		return "", err
	}
	if err := c.check(v); err != nil {
		return "", storage.Wrap(op, key, nil, err)
	}
	return key, nil
}

func (c *Collection[T]) check(v *T) error {
	if c.validate == nil {
		return nil
	}
	if err := c.validate(v); err != nil {
		return validate(validatorFunc(func() error { return err }))
	}
	return nil
}

// validatorFunc adapts an error-returning func to Validator.
type validatorFunc func() error

func (f validatorFunc) Validate() error { return f() }

// options fills in the collection's type and TTL.
func (c *Collection[T]) options(opts *WriteOptions) *WriteOptions {
	o := WriteOptions{}
	if opts != nil {
		o = *opts
	}
	if o.Type == "" {
		o.Type = c.typ
	}
	if o.TTL == 0 {
		o.TTL = c.ttl
	}
	return &o
}

package doc

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"time"

	"github.com/r2kit/r2kit/storage"
)

// Doc is a document as stored: its value and the object's ETag, which a
// later PutIf or Delete can be conditional on.
type Doc[T any] struct {
	Key   string
	Value T
	ETag  string
	// ExpiresAt is the document's expiry instant, zero if none.
	ExpiresAt time.Time
	// Metadata is the object's metadata, r2kit's own keys included.
	Metadata map[string]string
}

// WriteOptions modifies a write. The zero value writes with no TTL and
// no extra metadata, and uses the Store's retry policy.
type WriteOptions struct {
	// TTL, if positive, makes the document expire TTL after the write.
	// For Update, zero keeps the document's current expiry.
	TTL time.Duration
	// Metadata is extra object metadata. Keys under the reserved
	// "r2kit-" prefix are refused (an error matching
	// storage.ErrInvalidArgument): only the library sets them.
	Metadata map[string]string
	// Policy, if not nil, replaces the Store's retry policy for Update.
	Policy *Policy
	// Type is the object type recorded in metadata (storage.MetaType).
	Type string
}

// Get reads the document at key. A missing document is an error matching
// ErrNotFound; an expired one matches ErrExpired (and ErrNotFound).
// Undecodable bytes are an error matching ErrInternal.
func Get[T any](ctx context.Context, s *Store, key string) (*Doc[T], error) {
	snap, err := s.read(ctx, key, true)
	if err != nil {
		return nil, err
	}
	switch {
	case snap.expired:
		return nil, storage.Errorf("get", key, ErrExpired, "expired at %s", expiry(snap.md).Format(time.RFC3339))
	case !snap.exists:
		return nil, storage.Wrap("get", key, ErrNotFound, nil)
	}
	return decodeDoc[T]("get", key, snap.body, snap.etag, snap.md)
}

// Exists reports whether a live (present, unexpired) document is at key.
func Exists(ctx context.Context, s *Store, key string) (bool, error) {
	attrs, err := s.b.Stat(ctx, key)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return !storage.IsExpired(attrs.Metadata, s.now()), nil
}

// Put writes v at key unconditionally, replacing any document there, and
// returns the stored document. opts may be nil. v is validated first
// (see Validator); nothing is written if it fails.
func Put[T any](ctx context.Context, s *Store, key string, v T, opts *WriteOptions) (*Doc[T], error) {
	return put(ctx, s, "put", key, v, nil, opts)
}

// PutIf writes v at key only if the current document's ETag is etag, or,
// with etag "", only if there is no document (an expired one counts as
// absent). A lost race is an error matching ErrConflict and changes
// nothing. opts may be nil.
func PutIf[T any](ctx context.Context, s *Store, key string, v T, etag string, opts *WriteOptions) (*Doc[T], error) {
	cond := &condition{ifMatch: etag, create: etag == ""}
	if etag == "" {
		// An expired object still occupies the key: replace it only if it
		// is still the expired one.
		if attrs, err := s.b.Stat(ctx, key); err == nil && storage.IsExpired(attrs.Metadata, s.now()) {
			cond = &condition{ifMatch: attrs.ETag}
		}
	}
	return put(ctx, s, "putif", key, v, cond, opts)
}

func put[T any](ctx context.Context, s *Store, op, key string, v T, cond *condition, opts *WriteOptions) (*Doc[T], error) {
	if err := storage.ValidateKey(key); err != nil {
		return nil, storage.Wrap(op, key, nil, err)
	}
	if err := checkOptions(opts); err != nil {
		return nil, storage.Wrap(op, key, nil, err)
	}
	if err := validateValue(&v); err != nil {
		return nil, storage.Wrap(op, key, nil, err)
	}
	body, err := json.Marshal(v)
	if err != nil {
		return nil, encodeErr(op, key, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, storage.Wrap(op, key, nil, err)
	}
	md := writeMetadata(s.now(), opts)
	wctx, cancel := s.commitContext(ctx)
	defer cancel()
	attrs, err := s.write(wctx, key, body, cond, md)
	if err != nil {
		return nil, err
	}
	return &Doc[T]{Key: key, Value: v, ETag: attrs.ETag, ExpiresAt: expiry(md), Metadata: md}, nil
}

// Delete removes the document at key; with etag set, only if the
// document's ETag is etag (else an error matching ErrConflict). A
// missing document is an error matching ErrNotFound.
func Delete(ctx context.Context, s *Store, key, etag string) error {
	s.cache.drop(key)
	err := s.b.Delete(ctx, key, &storage.DeleteOptions{IfMatch: etag})
	s.cache.drop(key)
	return err
}

// Update reads the document at key, calls fn with its current value
// (exists is false, and *cur the zero value, if there is none or it
// expired) and writes fn's result conditionally on the version read,
// retrying after conflicts per the retry policy. If fn returns an error,
// Update returns it and writes nothing for this caller. The result is
// validated (see Validator) before it is written.
//
// Update returns the document as it stood after fn's change was
// committed. When the result is byte-identical to the stored document,
// nothing is written. Concurrent Updates of key through s are
// group-committed (see the package doc). A cancelled ctx stops Update
// only before its write is sent. opts may be nil.
func Update[T any](ctx context.Context, s *Store, key string, fn func(cur *T, exists bool) (T, error), opts *WriteOptions) (*Doc[T], error) {
	if err := storage.ValidateKey(key); err != nil {
		return nil, storage.Wrap("update", key, nil, err)
	}
	if err := checkOptions(opts); err != nil {
		return nil, storage.Wrap("update", key, nil, err)
	}
	apply := func(cur []byte, exists bool) ([]byte, error) {
		var v T
		if exists {
			if err := json.Unmarshal(cur, &v); err != nil {
				return nil, decodeErr("update", key, err)
			}
		}
		next, err := fn(&v, exists)
		if err != nil {
			return nil, err
		}
		if err := validateValue(&next); err != nil {
			return nil, storage.Wrap("update", key, nil, err)
		}
		out, err := json.Marshal(next)
		if err != nil {
			return nil, encodeErr("update", key, err)
		}
		return out, nil
	}
	policy := s.opts.Policy
	if opts != nil && opts.Policy != nil {
		policy = *opts.Policy
	}
	o := newOp(ctx, policy, apply, updateMetadata(s, opts))
	s.submit(key, o)
	if o.err != nil {
		return nil, o.err
	}
	return decodeDoc[T]("update", key, o.out, o.etag, o.md)
}

// updateMetadata returns the metadata editor of an Update.
func updateMetadata(s *Store, opts *WriteOptions) func(map[string]string) {
	return func(md map[string]string) {
		if _, ok := md[storage.MetaCreated]; !ok {
			for k, v := range storage.CreateMetadata("", s.now(), 0, nil) {
				md[k] = v
			}
		}
		if opts == nil {
			return
		}
		for k, v := range storage.CreateMetadata(opts.Type, s.now(), opts.TTL, opts.Metadata) {
			if k != storage.MetaCreated {
				md[k] = v
			}
		}
	}
}

// checkOptions refuses user metadata under the reserved "r2kit-"
// prefix (storage.CheckUserMetadata).
func checkOptions(opts *WriteOptions) error {
	if opts == nil {
		return nil
	}
	return storage.CheckUserMetadata(opts.Metadata)
}

// writeMetadata returns the metadata of a Put or PutIf.
func writeMetadata(now time.Time, opts *WriteOptions) map[string]string {
	if opts == nil {
		return storage.CreateMetadata("", now, 0, nil)
	}
	return storage.CreateMetadata(opts.Type, now, opts.TTL, opts.Metadata)
}

func expiry(md map[string]string) time.Time {
	t, _ := storage.ExpiresAt(md)
	return t
}

func decodeDoc[T any](op, key string, body []byte, etag string, md map[string]string) (*Doc[T], error) {
	d := &Doc[T]{Key: key, ETag: etag, ExpiresAt: expiry(md), Metadata: maps.Clone(md)}
	if err := json.Unmarshal(body, &d.Value); err != nil {
		return nil, decodeErr(op, key, err)
	}
	return d, nil
}

// validateValue runs the Validate method of *v or v, if any.
func validateValue[T any](v *T) error {
	if err := validate(v); err != nil {
		return err
	}
	if _, ok := any(v).(Validator); ok {
		return nil
	}
	return validate(*v)
}

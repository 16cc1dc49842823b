package doc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/r2kit/r2kit/storage"
)

// snapshot is a document as read: the object's ETag ("" when there is no
// object), whether it counts as present (exists and not expired), its
// bytes and metadata, and whether it came from the cache unverified.
type snapshot struct {
	etag      string
	exists    bool
	expired   bool
	body      []byte
	md        map[string]string
	fromCache bool
}

// read fetches key from the bucket. With revalidate and a cached copy it
// asks for the object only if it changed (If-None-Match).
func (s *Store) read(ctx context.Context, key string, revalidate bool) (snapshot, error) {
	var opts *storage.GetOptions
	c, hit := s.cache.get(key)
	if revalidate && hit {
		opts = &storage.GetOptions{IfNoneMatch: c.etag}
	}
	// The Get and the whole body are one read: a body cut short is read
	// again (storage.ReadAll), so that one cut connection does not fail
	// a listing page.
	attrs, body, err := storage.ReadAll(ctx, s.b, key, opts, s.opts.MaxDocumentSize)
	switch {
	case hit && errors.Is(err, storage.ErrNotModified):
		return s.fromCached(c), nil
	case errors.Is(err, storage.ErrNotFound):
		s.cache.drop(key)
		return snapshot{}, nil
	case errors.Is(err, storage.ErrInvalidArgument):
		return snapshot{}, storage.Errorf("get", key, ErrInternal, "document larger than %d bytes", s.opts.MaxDocumentSize)
	case err != nil:
		return snapshot{}, err
	}
	obj := attrs
	s.observe(key, obj.Metadata)
	v := cached{etag: obj.ETag, body: body, md: obj.Metadata}
	s.cache.put(key, v)
	return s.fromCached(v), nil
}

// fromCached turns a cache entry into a snapshot, applying the TTL.
func (s *Store) fromCached(c cached) snapshot {
	snap := snapshot{etag: c.etag, exists: true, body: c.body, md: c.md}
	if storage.IsExpired(c.md, s.now()) {
		snap.exists, snap.expired = false, true
	}
	return snap
}

// load returns the current document for an Update: the cached copy if
// there is one (the conditional write verifies it), else a read.
func (s *Store) load(ctx context.Context, key string) (snapshot, error) {
	if c, ok := s.cache.get(key); ok {
		snap := s.fromCached(c)
		snap.fromCache = true
		return snap, nil
	}
	return s.read(ctx, key, false)
}

// condition is what a write requires of the current object.
type condition struct {
	ifMatch string // the ETag the object must have
	create  bool   // the key must be absent
}

// conditionFor returns the condition that a write replacing snap needs.
func conditionFor(snap snapshot) condition {
	if snap.etag == "" {
		return condition{create: true}
	}
	return condition{ifMatch: snap.etag}
}

// write stores body at key under cond with metadata md and resolves
// ambiguous outcomes (see history.go): it returns the new object's
// attributes if the write committed exactly once, an error matching
// ErrConflict if it lost, or another error if it did not commit or its
// fate cannot be known (ErrInternal). md carries the history of the
// version the write replaces, if any; write records its own id on top.
// ctx must not be the caller's cancellable context (see commitContext).
func (s *Store) write(ctx context.Context, key string, body []byte, cond *condition, md map[string]string) (*storage.Attrs, error) {
	md = maps.Clone(md)
	if md == nil {
		md = map[string]string{}
	}
	prev := history(md)
	wid := newWriteID()
	md[storage.MetaWrites] = withWrite(wid, prev, cond == nil)
	opts := &storage.PutOptions{ContentType: ContentType, Metadata: md, Size: int64(len(body))}
	if cond != nil {
		opts.IfMatch = cond.ifMatch
		if cond.create {
			opts.IfNoneMatch = "*"
			prev = nil
		}
	}
	defer s.track(key, wid)()
	sent := false // an earlier attempt may have committed
	for n := 1; ; n++ {
		attrs, err := s.b.Put(ctx, key, bytes.NewReader(body), opts)
		if err == nil {
			s.cache.put(key, cached{etag: attrs.ETag, body: body, md: md})
			return attrs, nil
		}
		s.cache.drop(key)
		if sent && ctx.Err() != nil {
			return nil, storage.Errorf("put", key, ErrInternal, "outcome of write unknown: %w", err)
		}
		ambiguous := errors.Is(err, storage.ErrAmbiguous) ||
			sent && errors.Is(err, storage.ErrPreconditionFailed)
		if !ambiguous && cond == nil && errors.Is(err, storage.ErrTransient) {
			// A temporary failure of an unconditional write may still
			// hide a commit: a layer below (the SDK's own retries of an
			// unconditional PUT, a retrying wrapper) may have sent it,
			// lost the answer, and failed a later attempt. Read back
			// before saying it failed, so that a failure is reported only
			// for a write known not to have committed. (Conditional
			// writes are sent once; a lost answer is ErrAmbiguous.)
			if attrs, done, rerr := s.resolve(ctx, key, wid, prev, cond, body, md); done && rerr == nil {
				return attrs, nil
			}
			return nil, err
		}
		if !ambiguous {
			return nil, err
		}
		sent = true
		attrs, done, rerr := s.resolve(ctx, key, wid, prev, cond, body, md)
		if done {
			return attrs, rerr
		}
		s.onRetry(key, n, err)
	}
}

// resolve reads key back after an ambiguous write with id wid. It
// returns done=true with attributes if the write committed, done=true
// with an error if it lost or its fate is unknown, and done=false if it
// did not commit and may be re-sent.
func (s *Store) resolve(ctx context.Context, key, wid string, prev []string, cond *condition, body []byte, md map[string]string) (*storage.Attrs, bool, error) {
	for n := 1; ; n++ {
		attrs, err := s.b.Stat(ctx, key)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			if ctx.Err() != nil {
				return nil, true, storage.Errorf("put", key, ErrInternal, "outcome of write unknown: %w", err)
			}
			s.onRetry(key, n, err)
			// Resolve fast: every write to key meanwhile pushes ours
			// further down the history.
			if serr := s.sleep(ctx, resolvePolicy, n); serr != nil {
				return nil, true, storage.Errorf("put", key, ErrInternal, "outcome of write unknown: %w", err)
			}
			continue
		}
		present := err == nil
		var cur []string
		if present {
			cur = history(attrs.Metadata)
		}
		v := judge(wid, prev, cur, present)
		if v == unknown && s.seen(key, wid) {
			v = committed
		}
		if cond == nil && v != committed {
			v = notCommitted // an overwrite may always be re-sent
		}
		switch v {
		case committed:
			s.onAmbiguous(key, "committed")
			if len(cur) > 0 && cur[0] == wid {
				s.cache.put(key, cached{etag: attrs.ETag, body: body, md: md})
				return attrs, true, nil
			}
			// Others have written since: report our version's attributes.
			return &storage.Attrs{Key: key, Size: int64(len(body)), ETag: storage.MD5ETag(body), Metadata: md}, true, nil
		case notCommitted:
			s.onAmbiguous(key, "not committed")
			return nil, false, nil
		case lostRace:
			s.onAmbiguous(key, "conflict")
			s.onConflict(key)
			return nil, true, storage.Errorf("put", key, ErrConflict, "a concurrent write won while the outcome of ours was unknown")
		}
		s.onAmbiguous(key, "unknown")
		return nil, true, storage.Errorf("put", key, ErrInternal, "outcome of write unknown: the object's write history no longer reaches it")
	}
}

// resolvePolicy paces the reads that resolve an ambiguous write: the
// waits start under a millisecond and stay short.
var resolvePolicy = Policy{MaxRetries: -1, Base: time.Millisecond, Max: 20 * time.Millisecond}

// commitContext returns the context a write runs under once it may be
// sent: the caller's values, but not its cancellation, bounded by
// CommitTimeout. A caller that gives up cannot leave a half-known write.
func (s *Store) commitContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s.opts.CommitTimeout)
}

// errTransient reports errors worth retrying.
func errTransient(err error) bool {
	return errors.Is(err, storage.ErrTransient) || errors.Is(err, storage.ErrAmbiguous)
}

// decodeErr wraps a JSON decoding failure of stored bytes.
func decodeErr(op, key string, err error) error {
	return storage.Errorf(op, key, ErrInternal, "decode stored JSON: %w", err)
}

// encodeErr wraps a JSON encoding failure of a value.
func encodeErr(op, key string, err error) error {
	return storage.Wrap(op, key, nil, &ValidationError{Err: fmt.Errorf("not encodable as JSON: %w", err)})
}

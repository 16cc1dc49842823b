package doc

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"sync/atomic"

	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
)

// op is one Update waiting to be applied: a function over the stored
// bytes and a metadata editor, and, once done, its outcome.
type op struct {
	ctx    context.Context
	policy Policy
	apply  func(cur []byte, exists bool) ([]byte, error)
	meta   func(md map[string]string) // edits the metadata of the write

	retries int
	done    chan struct{} // closed when out/etag/err are set
	promote chan struct{} // closed when this op's goroutine must lead
	out     []byte
	md      map[string]string
	etag    string
	err     error
}

func newOp(ctx context.Context, p Policy, apply func([]byte, bool) ([]byte, error), meta func(map[string]string)) *op {
	return &op{ctx: ctx, policy: p, apply: apply, meta: meta,
		done: make(chan struct{}), promote: make(chan struct{})}
}

func (o *op) finish(out []byte, etag string, md map[string]string, err error) {
	o.out, o.etag, o.md, o.err = out, etag, md, err
	close(o.done)
}

// runBatch applies ops in order to one read of key and commits the
// result with one conditional write, retrying after conflicts. Every op
// is finished when it returns. An op is only ever applied by the write
// that its success reports: ops dropped before a write (cancelled
// context, retries used up) were not applied by any write.
//
// more, if not nil, returns the ops of key that arrived since the batch
// began (and takes them from the queue): before each read the batch
// takes them in, so that ops arriving while it waits for the key's write
// turn (see writeTurn), a conflict's backoff or a throttled store's
// Retry-After commit with it, in one write, instead of waiting for a
// batch of their own. On a store that allows one write
// per second per key (R2), this is what lets a hot key commit as many
// Updates per second as there are callers.
func (s *Store) runBatch(key string, ops []*op, more func() []*op) {
	ctx, cancel := s.commitContext(ops[0].ctx)
	defer cancel()
	for attempt := 1; ; attempt++ {
		turn, err := s.writeTurn(ctx, key, ops)
		if err != nil {
			if ops = s.dropCancelled(ops); len(ops) > 0 {
				failAll(ops, err)
			}
			return
		}
		ops = s.dropCancelled(s.takeMore(ops, more))
		if len(ops) == 0 {
			turn.Release()
			return
		}
		next, cause := s.attempt(turn.Bind(ctx), key, ops)
		turn.Release()
		switch next {
		case stepDone:
			return
		case stepRetry:
			if ops = s.retryOrFail(ctx, key, ops, attempt, cause); len(ops) == 0 {
				return
			}
		}
	}
}

// step is what an attempt of a batch leaves to do.
type step int

const (
	stepDone   step = iota // every op is finished
	stepReread             // read again at once: a stale cache entry, not a retry
	stepRetry              // count a retry, back off and try again
)

// attempt applies ops to one read of key and writes the result if it
// changed. It finishes the ops unless it returns stepReread, or
// stepRetry with the cause.
func (s *Store) attempt(ctx context.Context, key string, ops []*op) (step, error) {
	snap, err := s.load(ctx, key)
	if err != nil && !errTransient(err) {
		failAll(ops, err)
		return stepDone, nil
	}
	if err != nil {
		return stepRetry, err
	}
	body, md, outs := applyAll(snap, ops)
	if !changed(snap, body, outs) {
		if snap.fromCache && !s.stillCurrent(ctx, key, snap.etag) {
			return stepReread, nil
		}
		finishAll(ops, outs, snap.etag, snap.md)
		return stepDone, nil
	}
	s.onBatch(key, countApplied(outs))
	cond := conditionFor(snap)
	attrs, err := s.write(ctx, key, body, &cond, md)
	if err == nil {
		finishAll(ops, outs, attrs.ETag, md)
		return stepDone, nil
	}
	conflict := errors.Is(err, ErrConflict)
	if conflict {
		s.onConflict(key)
		if snap.fromCache {
			return stepReread, nil // the cached ETag was stale
		}
	}
	if !conflict && !errTransient(err) {
		failAll(ops, err)
		return stepDone, nil
	}
	return stepRetry, err
}

// writeTurn takes key's write turn on a store that paces writes to a key
// (storage.WritePacer, R2), before the batch reads: nothing else in the
// process writes key between the read and the write, and the Updates
// that arrive while the batch waits join it. The wait ends early when
// every op's context is done.
func (s *Store) writeTurn(ctx context.Context, key string, ops []*op) (storage.WriteTurn, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	left := atomic.Int64{}
	left.Store(int64(len(ops)))
	stops := make([]func() bool, len(ops))
	for i, o := range ops {
		stops[i] = context.AfterFunc(o.ctx, func() {
			if left.Add(-1) == 0 {
				cancel()
			}
		})
	}
	turn, err := storage.TakeWriteTurn(wctx, s.b, key)
	for _, stop := range stops {
		stop()
	}
	if err != nil {
		return nil, storage.Wrap("update", key, nil, err)
	}
	return turn, nil
}

// takeMore appends the ops that more returns to ops.
func (s *Store) takeMore(ops []*op, more func() []*op) []*op {
	if more == nil {
		return ops
	}
	return append(ops, more()...)
}

// outcome is the result of one op's function in a batch.
type outcome struct {
	out []byte
	err error
}

// applyAll runs each op's function on the result of the previous
// successful one, starting from snap, and edits the metadata in order.
func applyAll(snap snapshot, ops []*op) (body []byte, md map[string]string, outs []outcome) {
	body, exists := snap.body, snap.exists
	if !exists {
		body = nil
	}
	md = maps.Clone(snap.md)
	if !snap.exists {
		// An absent or expired document starts afresh, but the write
		// history of an expired object's version still matters.
		md = map[string]string{}
		if h, ok := snap.md[storage.MetaWrites]; ok {
			md[storage.MetaWrites] = h
		}
	}
	if md == nil {
		md = map[string]string{}
	}
	outs = make([]outcome, len(ops))
	for i, o := range ops {
		out, err := o.apply(body, exists)
		outs[i] = outcome{out: out, err: err}
		if err != nil {
			continue
		}
		body, exists = out, true
		if o.meta != nil {
			o.meta(md)
		}
	}
	return body, md, outs
}

// changed reports whether a batch's result must be written: some
// function succeeded and the bytes differ from the stored document (or
// there is none). Metadata alone (a TTL refresh) does not count.
func changed(snap snapshot, body []byte, outs []outcome) bool {
	return countApplied(outs) > 0 && (!snap.exists || !bytes.Equal(snap.body, body))
}

func countApplied(outs []outcome) int {
	n := 0
	for _, o := range outs {
		if o.err == nil {
			n++
		}
	}
	return n
}

// stillCurrent reports whether key's ETag is still etag, refreshing the
// cache when it is not.
func (s *Store) stillCurrent(ctx context.Context, key, etag string) bool {
	snap, err := s.read(ctx, key, true)
	return err == nil && snap.etag == etag
}

// dropCancelled finishes the ops whose context is done (they were not
// applied by any write) and returns the rest.
func (s *Store) dropCancelled(ops []*op) []*op {
	live := ops[:0:0]
	for _, o := range ops {
		if err := o.ctx.Err(); err != nil {
			o.finish(nil, "", nil, err)
			continue
		}
		live = append(live, o)
	}
	return live
}

// retryOrFail counts a failed attempt against each op's policy, finishes
// the ops out of retries with an error, waits, and returns the ops to
// try again.
func (s *Store) retryOrFail(ctx context.Context, key string, ops []*op, attempt int, cause error) []*op {
	live := ops[:0:0]
	for _, o := range ops {
		o.retries++
		if !o.policy.Allows(o.retries) {
			o.finish(nil, "", nil, retryErr(key, o.retries-1, cause))
			continue
		}
		live = append(live, o)
	}
	if len(live) == 0 {
		return nil
	}
	s.onRetry(key, attempt, cause)
	wait := live[0].policy.Backoff(attempt)
	if d, ok := resilience.RetryAfter(cause); ok {
		wait = max(wait, d) // a throttled store said how long to wait
	}
	if err := s.opts.Sleep(ctx, wait); err != nil {
		failAll(live, err)
		return nil
	}
	return live
}

// retryErr is the error of an Update that ran out of retries.
func retryErr(key string, retries int, cause error) error {
	if errors.Is(cause, ErrConflict) {
		return storage.Errorf("update", key, ErrConflict, "still conflicting after %d retries", retries)
	}
	return storage.Wrap("update", key, nil, cause)
}

func finishAll(ops []*op, outs []outcome, etag string, md map[string]string) {
	for i, o := range ops {
		if outs[i].err != nil {
			o.finish(nil, "", nil, outs[i].err)
			continue
		}
		o.finish(outs[i].out, etag, md, nil)
	}
}

func failAll(ops []*op, err error) {
	for _, o := range ops {
		o.finish(nil, "", nil, err)
	}
}

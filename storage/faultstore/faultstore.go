// Package faultstore wraps a storage.Bucket and injects faults: errors
// before an operation, lost responses after it committed, 5xx and 429
// answers, latency and truncated reads, chosen by probability, operation
// and key. It is seeded, so a sequential run can be replayed exactly.
//
// The errors it returns look like what storage/s3store returns for the
// same failure on a real server: a fault on a write whose outcome a
// client could not know (a lost response, a 5xx) matches
// storage.ErrAmbiguous; a fault that a client knows changed nothing (a
// refused connection, a 429, any fault on a read) matches
// storage.ErrTransient.
package faultstore

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/r2kit/r2kit/storage"
)

// Kind is a kind of fault.
type Kind int

const (
	// Fail fails the operation before it reaches the inner bucket, as a
	// refused connection would.
	Fail Kind = iota
	// LostResponse performs the operation on the inner bucket and then
	// reports a failure, as a timeout or reset after the server committed
	// would. Meaningful for writes; on reads it is a plain failure.
	LostResponse
	// ServerError answers 500 without performing the operation.
	ServerError
	// Throttle answers 429 without performing the operation.
	Throttle
	// Latency delays the operation by Rule.Latency, then performs it.
	Latency
	// Truncate performs a Get and cuts the body short after half of it
	// with io.ErrUnexpectedEOF.
	Truncate
	numKinds
)

var kindNames = [...]string{"fail", "lost-response", "server-error", "throttle", "latency", "truncate"}

func (k Kind) String() string {
	if k < 0 || k >= numKinds {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// Op names, as used in Rule.Ops and Stats.
const (
	OpStat   = "stat"
	OpGet    = "get"
	OpPut    = "put"
	OpDelete = "delete"
	OpList   = "list"
)

// Rule injects one kind of fault.
type Rule struct {
	// Kind is the fault to inject.
	Kind Kind
	// Probability is the chance, in [0, 1], that an eligible operation
	// gets the fault.
	Probability float64
	// Ops restricts the rule to these operations; empty means all.
	Ops []string
	// KeyPrefix restricts the rule to keys (list prefixes) starting with it.
	KeyPrefix string
	// Latency is the delay of a Latency fault.
	Latency time.Duration
}

func (r *Rule) matches(op, key string) bool {
	if !strings.HasPrefix(key, r.KeyPrefix) {
		return false
	}
	if len(r.Ops) == 0 {
		return true
	}
	for _, o := range r.Ops {
		if o == op {
			return true
		}
	}
	return false
}

// Bucket is a fault-injecting storage.Bucket.
type Bucket struct {
	inner storage.Bucket
	rules []Rule

	mu    sync.Mutex
	rng   *rand.Rand
	stats Stats
}

var (
	_ storage.Bucket    = (*Bucket)(nil)
	_ storage.Unwrapper = (*Bucket)(nil)
)

// Stats counts the faults injected, by kind and by operation.
type Stats struct {
	// Injected[kind][op] is how many faults of kind hit op. A lost
	// response or a truncation counts only when it took effect (the
	// operation itself succeeded).
	Injected map[Kind]map[string]int
	// Calls[op] is how many calls were made, faulted or not.
	Calls map[string]int
}

// Count returns the faults of kind injected into op ("" for all ops).
func (s Stats) Count(kind Kind, op string) int {
	if op != "" {
		return s.Injected[kind][op]
	}
	n := 0
	for _, c := range s.Injected[kind] {
		n += c
	}
	return n
}

// New wraps inner. seed makes the sequence of faults reproducible for a
// given sequence of calls.
func New(inner storage.Bucket, seed uint64, rules ...Rule) *Bucket {
	return &Bucket{
		inner: inner,
		rules: rules,
		rng:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		stats: Stats{Injected: map[Kind]map[string]int{}, Calls: map[string]int{}},
	}
}

// Unwrap returns the wrapped Bucket.
func (b *Bucket) Unwrap() storage.Bucket { return b.inner }

// Stats returns a copy of the counts so far.
func (b *Bucket) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := Stats{Injected: map[Kind]map[string]int{}, Calls: map[string]int{}}
	for k, m := range b.stats.Injected {
		out.Injected[k] = map[string]int{}
		for op, n := range m {
			out.Injected[k][op] = n
		}
	}
	for op, n := range b.stats.Calls {
		out.Calls[op] = n
	}
	return out
}

// pick decides which fault, if any, an operation gets: the first rule
// that matches and fires. Latency faults combine with a later fault.
func (b *Bucket) pick(op, key string) (fault Kind, delay time.Duration, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stats.Calls[op]++
	for i := range b.rules {
		r := &b.rules[i]
		if !r.matches(op, key) || b.rng.Float64() >= r.Probability {
			continue
		}
		if r.Kind != LostResponse && r.Kind != Truncate {
			b.count(r.Kind, op) // the others count when they take effect
		}
		if r.Kind == Latency {
			delay += r.Latency
			continue
		}
		return r.Kind, delay, true
	}
	return 0, delay, false
}

func (b *Bucket) count(k Kind, op string) {
	m := b.stats.Injected[k]
	if m == nil {
		m = map[string]int{}
		b.stats.Injected[k] = m
	}
	m[op]++
}

// before applies latency and the faults that prevent the operation. It
// returns the fault to apply after the operation (LostResponse or
// Truncate), if any.
func (b *Bucket) before(ctx context.Context, op, key string, write bool) (after Kind, hasAfter bool, err error) {
	fault, delay, ok := b.pick(op, key)
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, false, storage.Wrap(op, key, nil, ctx.Err())
		case <-t.C:
		}
	}
	if !ok {
		return 0, false, nil
	}
	switch fault {
	case Fail:
		return 0, false, injected(op, key, storage.ErrTransient, "connection refused")
	case Throttle:
		return 0, false, injected(op, key, storage.ErrTransient, "429 Too Many Requests")
	case ServerError:
		kind := storage.ErrTransient
		if write {
			kind = storage.ErrAmbiguous
		}
		return 0, false, injected(op, key, kind, "500 Internal Server Error")
	}
	return fault, true, nil
}

// lost counts and returns the error of a response lost after the
// operation ran.
func (b *Bucket) lost(op, key string, write bool) error {
	b.mu.Lock()
	b.count(LostResponse, op)
	b.mu.Unlock()
	kind := storage.ErrTransient
	if write {
		kind = storage.ErrAmbiguous
	}
	return injected(op, key, kind, "response lost after the operation ran")
}

// Injected marks errors that faultstore made up; errors.As finds it.
type Injected struct{ Reason string }

func (e *Injected) Error() string { return "injected fault: " + e.Reason }

func injected(op, key string, kind error, reason string) error {
	return storage.Wrap(op, key, kind, &Injected{Reason: reason})
}

// Stat implements storage.Bucket.
func (b *Bucket) Stat(ctx context.Context, key string) (*storage.Attrs, error) {
	after, has, err := b.before(ctx, OpStat, key, false)
	if err != nil {
		return nil, err
	}
	a, err := b.inner.Stat(ctx, key)
	if err == nil && has && after == LostResponse {
		return nil, b.lost(OpStat, key, false)
	}
	return a, err
}

// Get implements storage.Bucket.
func (b *Bucket) Get(ctx context.Context, key string, opts *storage.GetOptions) (*storage.Object, error) {
	after, has, err := b.before(ctx, OpGet, key, false)
	if err != nil {
		return nil, err
	}
	obj, err := b.inner.Get(ctx, key, opts)
	if err != nil || !has {
		return obj, err
	}
	if after == LostResponse {
		obj.Body.Close()
		return nil, b.lost(OpGet, key, false)
	}
	b.mu.Lock()
	b.count(Truncate, OpGet)
	b.mu.Unlock()
	obj.Body = &truncated{rc: obj.Body, left: obj.Length / 2}
	return obj, nil
}

// Put implements storage.Bucket.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	after, has, err := b.before(ctx, OpPut, key, true)
	if err != nil {
		return nil, err
	}
	a, err := b.inner.Put(ctx, key, r, opts)
	if err == nil && has && after == LostResponse {
		return nil, b.lost(OpPut, key, true)
	}
	return a, err
}

// Delete implements storage.Bucket.
func (b *Bucket) Delete(ctx context.Context, key string, opts *storage.DeleteOptions) error {
	after, has, err := b.before(ctx, OpDelete, key, true)
	if err != nil {
		return err
	}
	err = b.inner.Delete(ctx, key, opts)
	if err == nil && has && after == LostResponse {
		return b.lost(OpDelete, key, true)
	}
	return err
}

// List implements storage.Bucket.
func (b *Bucket) List(ctx context.Context, opts *storage.ListOptions) (*storage.ListPage, error) {
	prefix := ""
	if opts != nil {
		prefix = opts.Prefix
	}
	after, has, err := b.before(ctx, OpList, prefix, false)
	if err != nil {
		return nil, err
	}
	p, err := b.inner.List(ctx, opts)
	if err == nil && has && after == LostResponse {
		return nil, b.lost(OpList, prefix, false)
	}
	return p, err
}

// Close closes the inner bucket.
func (b *Bucket) Close() error { return b.inner.Close() }

// Backend names the inner bucket's backend, if it says.
func (b *Bucket) Backend() string {
	if be, ok := b.inner.(storage.Backend); ok {
		return be.Backend()
	}
	return "unknown"
}

// truncated yields left bytes of rc and then io.ErrUnexpectedEOF.
type truncated struct {
	rc   io.ReadCloser
	left int64
}

func (t *truncated) Read(p []byte) (int, error) {
	if t.left <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if int64(len(p)) > t.left {
		p = p[:t.left]
	}
	n, err := t.rc.Read(p)
	t.left -= int64(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (t *truncated) Close() error { return t.rc.Close() }

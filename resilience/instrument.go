package resilience

import (
	"bytes"
	"context"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/r2kit/r2kit/storage"
)

// Instrument returns a Bucket that records the operations of b in
// Prometheus metrics registered with reg (see NewMetrics for the
// registration rules and Metrics for the series). It is
// NewMetrics(reg, opts...).Instrument(b).
func Instrument(b storage.Bucket, reg prometheus.Registerer, opts ...MetricsOption) storage.Bucket {
	return NewMetrics(reg, opts...).Instrument(b)
}

// Instrument returns a Bucket that records every operation of b: one
// count by outcome, its latency, its error kind if it failed, and the
// body bytes that move through Get and Put as they are read. The backend
// label is the name b's chain reports (storage.Backend), else "unknown".
// The series of successful calls of each operation exist from the start,
// at zero, so that rates over them are defined before the first call.
//
// Instrument also finds the Retry and Breaker wrappers in b's chain (b
// and the Buckets it wraps, through storage.Unwrapper) and records their
// retries and state changes, so that the metrics of
//
//	m.Instrument(Breaker(Retry(b, p), s))
//
// account for every attempt: each error the bottom Bucket returned is
// either retried (r2kit_storage_retries_total) or reaches the caller
// (r2kit_storage_errors_total).
//
// Put hands b a body that counts what b reads; a *bytes.Buffer body is
// passed as a *bytes.Reader, seekable bodies stay seekable, and bytes
// read again after seeking back count once. When opts.Size is zero and
// the body reports its length (storage.BodySize), the length is passed
// in Size, as b would have found it. The returned Bucket implements
// storage.Unwrapper and storage.Backend; Close is not recorded.
func (m *Metrics) Instrument(b storage.Bucket) storage.Bucket {
	ib := &instrumented{inner: b, m: m, backend: backendOf(b)}
	for i, op := range []string{"stat", "get", "put", "delete", "list"} {
		ib.ops[i] = opMetrics{
			name:    op,
			ok:      m.ops.WithLabelValues(op, ib.backend, string(KindOK)),
			latency: m.latency.WithLabelValues(op, ib.backend),
		}
	}
	ib.read = m.readBytes.WithLabelValues(ib.backend)
	ib.written = m.writtenBytes.WithLabelValues(ib.backend)
	for c := b; c != nil; {
		switch w := c.(type) {
		case *retryBucket:
			w.observeRetries(ib.retried)
		case *breakerBucket:
			w.observeStates(m.observeBreaker)
		}
		u, ok := c.(storage.Unwrapper)
		if !ok {
			break
		}
		c = u.Unwrap()
	}
	return ib
}

// Indexes of instrumented.ops.
const (
	opStat = iota
	opGet
	opPut
	opDelete
	opList
	numOps
)

type instrumented struct {
	inner         storage.Bucket
	m             *Metrics
	backend       string
	ops           [numOps]opMetrics
	read, written prometheus.Counter
}

// opMetrics are the series of one operation that every call updates.
type opMetrics struct {
	name    string
	ok      prometheus.Counter
	latency prometheus.Observer
}

var (
	_ storage.Bucket    = (*instrumented)(nil)
	_ storage.Unwrapper = (*instrumented)(nil)
	_ storage.Backend   = (*instrumented)(nil)
)

// done records one call of operation i that started at start.
func (ib *instrumented) done(i int, start time.Time, err error) {
	o := &ib.ops[i]
	o.latency.Observe(time.Since(start).Seconds())
	if err == nil {
		o.ok.Inc()
		return
	}
	kind := string(Classify(err))
	ib.m.ops.WithLabelValues(o.name, ib.backend, kind).Inc()
	ib.m.errors.WithLabelValues(ib.backend, kind).Inc()
}

// retried records an attempt that a Retry wrapper below retried.
func (ib *instrumented) retried(op, _ string, _ int, err error) {
	ib.m.retries.WithLabelValues(op, ib.backend, string(Classify(err))).Inc()
}

// Stat implements storage.Bucket.
func (ib *instrumented) Stat(ctx context.Context, key string) (*storage.Attrs, error) {
	start := time.Now()
	a, err := ib.inner.Stat(ctx, key)
	ib.done(opStat, start, err)
	return a, err
}

// Get implements storage.Bucket.
func (ib *instrumented) Get(ctx context.Context, key string, opts *storage.GetOptions) (*storage.Object, error) {
	start := time.Now()
	obj, err := ib.inner.Get(ctx, key, opts)
	ib.done(opGet, start, err)
	if err == nil {
		obj.Body = &countingBody{rc: obj.Body, c: ib.read}
	}
	return obj, err
}

// Put implements storage.Bucket.
func (ib *instrumented) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	start := time.Now()
	if buf, ok := r.(*bytes.Buffer); ok {
		r = bytes.NewReader(buf.Next(buf.Len()))
	}
	if opts == nil || opts.Size == 0 {
		if n := storage.BodySize(r, opts); n > 0 {
			o := storage.PutOptions{}
			if opts != nil {
				o = *opts
			}
			o.Size = n
			opts = &o
		}
	}
	a, err := ib.inner.Put(ctx, key, countBody(r, ib.written), opts)
	ib.done(opPut, start, err)
	return a, err
}

// Delete implements storage.Bucket.
func (ib *instrumented) Delete(ctx context.Context, key string, opts *storage.DeleteOptions) error {
	start := time.Now()
	err := ib.inner.Delete(ctx, key, opts)
	ib.done(opDelete, start, err)
	return err
}

// List implements storage.Bucket.
func (ib *instrumented) List(ctx context.Context, opts *storage.ListOptions) (*storage.ListPage, error) {
	start := time.Now()
	p, err := ib.inner.List(ctx, opts)
	ib.done(opList, start, err)
	return p, err
}

// Close closes the wrapped Bucket.
func (ib *instrumented) Close() error { return ib.inner.Close() }

// Unwrap returns the wrapped Bucket.
func (ib *instrumented) Unwrap() storage.Bucket { return ib.inner }

// Backend names the wrapped Bucket's backend.
func (ib *instrumented) Backend() string { return ib.backend }

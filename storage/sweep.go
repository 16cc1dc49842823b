package storage

import (
	"context"
	"errors"
	"sync"
	"time"
)

// SweepOptions configures Sweep. The zero value uses the real clock and
// 8 concurrent requests.
type SweepOptions struct {
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// Concurrency bounds the Stat and Delete requests in flight.
	Concurrency int
}

// SweepResult counts what a Sweep did.
type SweepResult struct {
	// Scanned objects were listed and examined.
	Scanned int
	// Deleted expired objects were removed.
	Deleted int
	// Kept expired objects changed between examination and deletion (a
	// refresh or a rewrite) and were left alone, as were those deleted
	// by someone else meanwhile.
	Kept int
	// Failed objects could not be examined or deleted; the first error
	// is returned.
	Failed int
	// Purged tombstones (see TombstonePurger) left by deleters that
	// stopped half-way were removed.
	Purged int
}

// TombstonePurger is implemented by Buckets whose conditional deletes
// leave tombstones (s3store on R2): objects that read as absent but still
// occupy their key. PurgeTombstones removes those under prefix that no
// deleter will remove any more, and returns how many it removed.
type TombstonePurger interface {
	PurgeTombstones(ctx context.Context, prefix string) (int, error)
}

// Sweep deletes the expired documents under prefix. Each is deleted with
// a conditional delete on the ETag it was examined with, so that a
// document refreshed meanwhile survives. Sweep goes on after a failure
// and returns the first error with the counts. opts may be nil. When b
// (or a Bucket it wraps) is a TombstonePurger, Sweep then purges the
// tombstones under prefix that deleters left behind.
//
// Buckets on R2 or S3 can also expire objects by lifecycle rules
// (SetLifecycle) as a backstop; those rules act on age, not on
// the expiry recorded by TTL, so they should be longer than the TTL.
func Sweep(ctx context.Context, b Bucket, prefix string, opts *SweepOptions) (SweepResult, error) {
	o := SweepOptions{}
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	var (
		mu    sync.Mutex
		res   SweepResult
		first error
		wg    sync.WaitGroup
		sem   = make(chan struct{}, o.Concurrency)
	)
	record := func(f func(*SweepResult), err error) {
		mu.Lock()
		defer mu.Unlock()
		f(&res)
		if err != nil && first == nil {
			first = err
		}
	}
	for attrs, err := range Objects(ctx, b, &ListOptions{Prefix: prefix}) {
		if err != nil {
			record(func(*SweepResult) {}, err)
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			outcome, err := sweepOne(ctx, b, attrs.Key, o.Now)
			record(func(r *SweepResult) {
				r.Scanned++
				switch {
				case err != nil:
					r.Failed++
				case outcome == swept:
					r.Deleted++
				case outcome == kept:
					r.Kept++
				}
			}, err)
		})
	}
	wg.Wait()
	if p, ok := Find[TombstonePurger](b); ok && ctx.Err() == nil {
		n, err := p.PurgeTombstones(ctx, prefix)
		res.Purged = n
		if err != nil && first == nil {
			first = err
		}
	}
	return res, first
}

type sweepOutcome int

const (
	live sweepOutcome = iota
	swept
	kept
)

func sweepOne(ctx context.Context, b Bucket, key string, now func() time.Time) (sweepOutcome, error) {
	attrs, err := b.Stat(ctx, key)
	switch {
	case errors.Is(err, ErrNotFound):
		return live, nil // gone since the listing
	case err != nil:
		return live, err
	case !IsExpired(attrs.Metadata, now()):
		return live, nil
	}
	err = b.Delete(ctx, key, &DeleteOptions{IfMatch: attrs.ETag})
	switch {
	case err == nil:
		return swept, nil
	case errors.Is(err, ErrPreconditionFailed), errors.Is(err, ErrNotFound):
		return kept, nil
	}
	return live, err
}

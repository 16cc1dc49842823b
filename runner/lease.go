package runner

import (
	"context"
	"errors"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/storage"
)

// Leases.
//
// A worker executes a run only while it holds the run's lease: the
// store.Lease stored with the run (owner, expiry, a claim
// counter, and the ids of the current turn's step and message). A claim
// is a conditional write of the run (store.Runs.UpdateLeased) that finds the run
// claimable and writes a lease naming the worker:
//
//   - queued: the run moves to in_progress and a new turn starts, with
//     fresh step and message ids;
//   - in_progress or cancelling with a lapsed (or no) lease: its worker
//     died; the claim takes the turn over with the same ids;
//   - a live lease of another worker: not claimable (busy).
//
// Every later write of the run by the holder is an Update whose function
// first checks that the lease still names the worker with the same claim
// count (errLeaseLost otherwise), so the write is conditional on the
// lease: a worker whose lease was taken over cannot write the run. The
// holder renews the lease every LeaseDuration/3 and reads the run every
// CheckInterval; when it cannot renew, or finds the lease taken, it
// stops before writing results.
//
// Clocks: a lease lapses by the claimant's clock. Workers on machines
// whose clocks differ by more than a fraction of LeaseDuration may take
// over a run early; the fencing above still keeps the earlier holder
// from writing it.

// Errors of the lease protocol; none reaches the API.
var (
	errLeaseLost = errors.New("the run's lease is held by another worker")
	errBusy      = errors.New("the run is executed by another worker")
	errWaiting   = errors.New("the run waits for tool outputs")
	errEnded     = errors.New("the run has ended")
	errCancelled = errors.New("the run was cancelled")
	errExpired   = errors.New("the run expired")
)

// claimOutcome is what a claim found.
type claimOutcome int

const (
	claimed      claimOutcome = iota // the worker holds the lease: execute
	claimBusy                        // another worker holds a live lease
	claimWaiting                     // requires_action: nothing to execute
	claimEnded                       // terminal (perhaps made so by the claim: expired, cancelled)
	claimGone                        // the run (or its thread) no longer exists
)

// claim is the result of a claim attempt.
type claim struct {
	thread, id string
	outcome    claimOutcome
	// before is the run as the claim found it (nil if gone); run is the
	// run after the claim.
	before, run *assistants.Run
	// lease is the run's lease after the claim.
	lease store.Lease
	// takeover is set when the claim took over a turn another worker
	// had started.
	takeover bool
}

// expired reports whether r is past its expires_at.
func (w *Worker) expired(r *assistants.Run) bool {
	return r.ExpiresAt != nil && w.now().Unix() >= *r.ExpiresAt
}

// leaseLive reports whether l is held and not lapsed.
func (w *Worker) leaseLive(l store.Lease) bool {
	return l.Held() && w.now().UnixMilli() < l.Until
}

// claim tries to take the lease of run threadID/runID (see Leases).
func (w *Worker) claim(ctx context.Context, thread, id string) (*claim, error) {
	c := &claim{thread: thread, id: id}
	var found store.Lease
	d, lease, err := w.store.Runs.UpdateLeased(ctx, thread, id, func(r *assistants.Run, l *store.Lease) error {
		before := *r
		c.before, c.takeover, found = &before, false, *l
		return w.claimRun(r, l, c)
	})
	switch {
	case err == nil:
		c.outcome, c.run, c.lease = claimed, &d.Value, lease
		if d.Value.Status.IsTerminal() {
			c.outcome = claimEnded
		}
		return c, nil
	case errors.Is(err, errBusy):
		c.outcome = claimBusy
	case errors.Is(err, errWaiting):
		c.outcome = claimWaiting
	case errors.Is(err, errEnded):
		c.outcome = claimEnded
	case errors.Is(err, storage.ErrNotFound):
		c.outcome = claimGone
		return c, nil
	default:
		return nil, err
	}
	c.run, c.lease = c.before, found
	return c, nil
}

// claimRun is the claim's change of r: the lease taken, or the run ended
// (expired, or cancelled with nobody executing it), or an error saying
// why the run is not claimable.
func (w *Worker) claimRun(r *assistants.Run, l *store.Lease, c *claim) error {
	now := w.now()
	prev := *l
	switch {
	case r.Status.IsTerminal():
		return errEnded
	case r.Status == assistants.RunRequiresAction && !w.expired(r):
		return errWaiting
	case r.Status != assistants.RunQueued && w.leaseLive(prev):
		return errBusy
	}
	if w.expired(r) {
		return r.Transition(assistants.RunExpired, now.Unix())
	}
	lease := store.Lease{Owner: w.opts.ID, Until: now.Add(w.opts.LeaseDuration).UnixMilli()}
	lease.Claims, lease.Turn = prev.Claims, prev.Turn
	lease.StepID, lease.MessageID = prev.StepID, prev.MessageID
	lease.Claims++
	switch r.Status {
	case assistants.RunQueued:
		if err := r.Transition(assistants.RunInProgress, now.Unix()); err != nil {
			return err
		}
		lease.Turn++
		lease.StepID = assistants.NewID(assistants.PrefixStep)
		lease.MessageID = assistants.NewID(assistants.PrefixMessage)
	case assistants.RunCancelling:
		// Its worker died before finishing the cancellation.
		return r.Transition(assistants.RunCancelled, now.Unix())
	default:
		c.takeover = true
		if lease.StepID == "" {
			lease.Turn++
			lease.StepID = assistants.NewID(assistants.PrefixStep)
			lease.MessageID = assistants.NewID(assistants.PrefixMessage)
		}
	}
	*l = lease
	return nil
}

// update applies fn to the run if x still holds its lease: the write is
// conditional on the lease (errLeaseLost otherwise). It returns the run
// as written.
func (x *execution) update(ctx context.Context, fn func(r *assistants.Run) error) (*assistants.Run, error) {
	r, _, err := x.updateLeased(ctx, func(r *assistants.Run, _ *store.Lease) error { return fn(r) })
	return r, err
}

// updateLeased is update with the lease: fn may change it too.
func (x *execution) updateLeased(ctx context.Context, fn func(r *assistants.Run, l *store.Lease) error) (*assistants.Run, store.Lease, error) {
	d, l, err := x.w.store.Runs.UpdateLeased(ctx, x.thread, x.id, func(r *assistants.Run, l *store.Lease) error {
		if !x.holds(*l) {
			return errLeaseLost
		}
		return fn(r, l)
	})
	if err != nil {
		return nil, store.Lease{}, err
	}
	x.run = &d.Value
	return x.run, l, nil
}

// holds reports whether l is x's lease.
func (x *execution) holds(l store.Lease) bool {
	return l.Held() && l.Owner == x.lease.Owner && l.Claims == x.lease.Claims
}

// renew extends the lease and returns the run and lease as stored.
func (x *execution) renew(ctx context.Context) (*assistants.Run, store.Lease, error) {
	until := x.w.now().Add(x.w.opts.LeaseDuration).UnixMilli()
	r, l, err := x.updateLeased(ctx, func(_ *assistants.Run, l *store.Lease) error {
		l.Until = until
		return nil
	})
	if err == nil {
		x.lease.Until = until
	}
	return r, l, err
}

// checkpoint reports whether the run may go on: errCancelled if a
// cancellation was asked for, errExpired past its expires_at,
// errLeaseLost if the lease is gone. It renews the lease once a third of
// it has passed since it was taken or last renewed, and otherwise only
// reads the run: on a store that allows one write per second to a key
// (R2), a run answered within seconds of its claim is written twice,
// not three times.
func (x *execution) checkpoint(ctx context.Context) error {
	if x.w.now().UnixMilli() < x.lease.Until-(2*x.w.opts.LeaseDuration/3).Milliseconds() {
		return x.check(ctx)
	}
	r, l, err := x.renew(ctx)
	if err != nil {
		return err
	}
	return x.verdict(r, l)
}

// check reads the run and reports, as checkpoint does, whether it may
// go on, without writing it.
func (x *execution) check(ctx context.Context) error {
	d, l, err := x.w.store.Runs.GetLeased(ctx, x.thread, x.id)
	if err != nil {
		return err
	}
	return x.verdict(&d.Value, l)
}

// verdict says whether the run r with lease l (read or written by x)
// may go on.
func (x *execution) verdict(r *assistants.Run, l store.Lease) error {
	switch {
	case !x.holds(l):
		return errLeaseLost
	case r.Status == assistants.RunCancelling:
		return errCancelled
	case r.Status != assistants.RunInProgress:
		return errLeaseLost
	case x.w.expired(r):
		return errExpired
	}
	return nil
}

// watch runs while the model answers: every CheckInterval it reads the
// run (renewing the lease every LeaseDuration/3) and cancels ctx with
// errCancelled, errExpired or errLeaseLost as soon as it sees a reason
// to stop. It returns when ctx is done.
func (x *execution) watch(ctx context.Context, stop context.CancelCauseFunc) {
	o := x.w.opts
	tick := time.NewTicker(o.CheckInterval)
	defer tick.Stop()
	lastRenew := x.w.now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var (
			r   *assistants.Run
			l   store.Lease
			err error
		)
		if x.w.now().Sub(lastRenew) >= o.LeaseDuration/3 {
			if r, l, err = x.renew(ctx); err == nil {
				lastRenew = x.w.now()
			}
		} else {
			rd, gl, gerr := x.w.store.Runs.GetLeased(ctx, x.thread, x.id)
			if err = gerr; err == nil {
				r, l = &rd.Value, gl
			}
		}
		switch {
		case errors.Is(err, errLeaseLost):
			stop(errLeaseLost)
			return
		case err != nil:
			if x.w.now().UnixMilli() >= x.lease.Until {
				stop(errLeaseLost) // could not renew in time
				return
			}
			continue
		}
		if v := x.verdict(r, l); v != nil {
			stop(v)
			return
		}
	}
}

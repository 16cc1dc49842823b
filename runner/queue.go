package runner

import (
	"context"
	"errors"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/storage"
)

// The queue.
//
// Runs that need a worker are found without scanning threads: each has
// a marker in the store's run queue (store.Queue), naming its thread.
// Enqueue writes it; Stream writes it once it has claimed the run (so
// that a run whose streaming process dies is found again). The marker
// stays Queued while the run is queued, in_progress or cancelling, so a
// run whose worker died is found again by the next poll after its lease
// lapses; it is deleted when the run reaches a terminal status. A run
// waiting for tool outputs (requires_action) needs no worker until the
// outputs arrive: its marker moves to Waiting, which Run lists only
// every ScanInterval, to expire the run at its expires_at or finish its
// cancellation. SubmitToolOutputs moves it back.
//
// A marker is written before the state it announces and deleted after
// the state that retires it, so a crash in between leaves a marker too
// many (the next worker to look finds the run's real status and
// corrects it), never one too few. As a backstop for a process that
// stored a run and died before enqueueing it, Run reads the active runs
// (store.DB.ActiveRuns) every ScanInterval and enqueues those older
// than OrphanAge that have no marker.

// Enqueue writes the queue marker of run threadID/runID, so that a
// worker of any process sharing the bucket executes it, and wakes this
// process's Run loop. The run must be stored first. Enqueue is also the
// way to hand a worker a run whose status the API changed (a
// cancellation of a run waiting for tool outputs is finished at the
// next poll rather than at the next scan).
func (w *Worker) Enqueue(ctx context.Context, threadID, runID string) error {
	if err := w.store.Queue.Put(ctx, store.Queued, threadID, runID); err != nil {
		return err
	}
	w.mu.Lock()
	w.threads[runID] = threadID
	delete(w.later, runID)
	w.mu.Unlock()
	w.poke()
	return nil
}

// retire deletes both markers of a run that reached a terminal status.
func (w *Worker) retire(ctx context.Context, run string) {
	ctx = context.WithoutCancel(ctx)
	for _, q := range []store.QueueState{store.Queued, store.Waiting} {
		if err := w.store.Queue.Drop(ctx, q, run); err != nil {
			w.log.Warn("delete queue marker", "run", run, "err", err)
		}
	}
	w.mu.Lock()
	delete(w.later, run)
	delete(w.threads, run)
	w.mu.Unlock()
}

// park moves the marker of a run waiting for tool outputs to the
// waiting prefix.
func (w *Worker) park(ctx context.Context, thread, run string) {
	ctx = context.WithoutCancel(ctx)
	if err := w.store.Queue.Put(ctx, store.Waiting, thread, run); err != nil {
		w.log.Warn("write waiting marker", "run", run, "err", err)
		return
	}
	if err := w.store.Queue.Drop(ctx, store.Queued, run); err != nil {
		w.log.Warn("delete queue marker", "run", run, "err", err)
	}
}

// markerThread returns the thread named by run's marker in state,
// from memory when this worker has read it before.
func (w *Worker) markerThread(ctx context.Context, state store.QueueState, run string) (string, error) {
	w.mu.Lock()
	thread, ok := w.threads[run]
	w.mu.Unlock()
	if ok {
		return thread, nil
	}
	thread, err := w.store.Queue.Thread(ctx, state, run)
	if err != nil {
		return "", err
	}
	w.mu.Lock()
	w.threads[run] = thread
	w.mu.Unlock()
	return thread, nil
}

// poll lists the queue and starts the runs it can claim, up to MaxRuns
// at once.
func (w *Worker) poll(ctx context.Context) {
	runs, err := w.store.Queue.List(ctx, store.Queued)
	if err != nil && ctx.Err() == nil {
		w.log.Warn("list queue", "err", err)
	}
	now := w.now()
	listed := make(map[string]bool, len(runs))
	for _, run := range runs {
		listed[run] = true
		if !w.due(run, now) {
			continue
		}
		thread, err := w.markerThread(ctx, store.Queued, run)
		if err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				continue // retired meanwhile
			}
			w.log.Warn("read queue marker", "run", run, "err", err)
			continue
		}
		select {
		case w.sem <- struct{}{}:
		default:
			return // busy: the next poll takes the rest
		}
		if !w.begin(run) {
			<-w.sem
			continue
		}
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			defer func() { <-w.sem }()
			defer w.end(run)
			w.process(ctx, thread, run)
		}()
	}
	w.forget(listed)
}

// forget drops what poll remembers of runs no longer queued.
func (w *Worker) forget(listed map[string]bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for run := range w.later {
		if !listed[run] {
			delete(w.later, run)
		}
	}
	for run := range w.threads {
		if !listed[run] && !w.active[run] {
			delete(w.threads, run)
		}
	}
}

// process claims a queued run and executes it.
func (w *Worker) process(ctx context.Context, thread, run string) {
	c, err := w.claim(ctx, thread, run)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("claim run", "thread", thread, "run", run, "err", err)
		}
		return
	}
	w.settle(ctx, c)
	if c.outcome != claimed {
		return
	}
	x := w.newExecution(c, nil)
	x.execute(ctx)
}

// settle does what a claim's outcome asks of the queue.
func (w *Worker) settle(ctx context.Context, c *claim) {
	switch c.outcome {
	case claimBusy:
		until := w.now().Add(w.opts.LeaseDuration)
		if c.lease.Held() {
			until = time.UnixMilli(c.lease.Until)
		}
		w.deferUntil(c.run.ID, until.Add(jitter(w.opts.PollInterval)))
	case claimWaiting:
		w.park(ctx, c.run.ThreadID, c.run.ID)
	case claimEnded, claimGone:
		w.retire(ctx, c.id)
	}
}

// scan expires or finishes the runs waiting for tool outputs and
// re-enqueues active runs that have no marker.
func (w *Worker) scan(ctx context.Context) {
	waiting, err := w.store.Queue.List(ctx, store.Waiting)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("list waiting runs", "err", err)
		}
		return
	}
	for _, run := range waiting {
		thread, err := w.markerThread(ctx, store.Waiting, run)
		if err != nil {
			continue
		}
		w.checkWaiting(ctx, thread, run)
	}
	queued, err := w.store.Queue.List(ctx, store.Queued)
	if err != nil {
		return
	}
	known := map[string]bool{}
	for _, r := range append(queued, waiting...) {
		known[r] = true
	}
	w.adoptOrphans(ctx, known)
}

// checkWaiting looks at a run whose marker is under WaitingPrefix.
func (w *Worker) checkWaiting(ctx context.Context, thread, run string) {
	d, err := w.store.Runs.Get(ctx, thread, run)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		w.retire(ctx, run)
		return
	case err != nil:
		return
	}
	r := &d.Value
	switch {
	case r.Status.IsTerminal():
		w.retire(ctx, run)
	case r.Status == assistants.RunRequiresAction && !w.expired(r):
		// Still waiting for its tool outputs.
	default:
		// Expired, cancelling, or resumed without its marker moved:
		// the claim settles it.
		if err := w.store.Queue.Put(ctx, store.Queued, thread, run); err == nil {
			_ = w.store.Queue.Drop(ctx, store.Waiting, run)
			w.poke()
		}
	}
}

// adoptOrphans enqueues the active runs, older than OrphanAge, that
// have no marker.
func (w *Worker) adoptOrphans(ctx context.Context, known map[string]bool) {
	for a, err := range w.store.ActiveRuns(ctx, w.now().Add(-w.opts.OrphanAge)) {
		if err != nil {
			return
		}
		if known[a.RunID] || !w.due(a.RunID, w.now()) {
			continue
		}
		d, err := w.store.Runs.Get(ctx, a.ThreadID, a.RunID)
		if err != nil || !d.Value.Status.IsActive() {
			continue
		}
		state := store.Queued
		if d.Value.Status == assistants.RunRequiresAction {
			state = store.Waiting
		}
		w.log.Info("enqueue run found without a queue marker", "thread", d.Value.ThreadID, "run", d.Value.ID)
		_ = w.store.Queue.Put(ctx, state, d.Value.ThreadID, d.Value.ID)
		w.poke()
	}
}

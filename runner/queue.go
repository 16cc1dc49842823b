package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
)

// The queue.
//
// Runs that need a worker are found without scanning threads: each has
// a small marker object, QueuePrefix + run id, whose body names its
// thread ({"thread_id": ...}). Enqueue writes it; Stream writes it once
// it has claimed the run (so that a run whose streaming process dies is
// found again). The marker stays while the run is queued, in_progress or
// cancelling, so a run whose worker died is found again by the next
// poll after its lease lapses; it is deleted when the run reaches a
// terminal status. A run waiting for tool outputs (requires_action)
// needs no worker until the outputs arrive: its marker moves to
// WaitingPrefix + run id, which Run lists only every ScanInterval, to
// expire the run at its expires_at or finish its cancellation.
// SubmitToolOutputs moves it back.
//
// A marker is written before the state it announces and deleted after
// the state that retires it, so a crash in between leaves a marker too
// many (the next worker to look finds the run's real status and
// corrects it), never one too few. As a backstop for a process that
// stored a run and died before enqueueing it, Run lists the active-run
// locks every ScanInterval and enqueues the active runs older than
// OrphanAge that have no marker.
const (
	QueuePrefix   = "queue/runs/"
	WaitingPrefix = "queue/waiting/"
)

// marker is the body of a queue marker.
type marker struct {
	ThreadID string `json:"thread_id"`
}

// Enqueue writes the queue marker of run threadID/runID, so that a
// worker of any process sharing the bucket executes it, and wakes this
// process's Run loop. The run must be stored first. Enqueue is also the
// way to hand a worker a run whose status the API changed (a
// cancellation of a run waiting for tool outputs is finished at the
// next poll rather than at the next scan).
func (w *Worker) Enqueue(ctx context.Context, threadID, runID string) error {
	if err := assistants.ParseID(assistants.PrefixThread, threadID); err != nil {
		return &storage.Error{Op: "enqueue run", Err: err}
	}
	if err := assistants.ParseID(assistants.PrefixRun, runID); err != nil {
		return &storage.Error{Op: "enqueue run", Err: err}
	}
	if err := w.putMarker(ctx, QueuePrefix, threadID, runID); err != nil {
		return err
	}
	w.mu.Lock()
	w.threads[runID] = threadID
	delete(w.later, runID)
	w.mu.Unlock()
	w.poke()
	return nil
}

// putMarker writes run's marker under prefix. S3-compatible servers
// that store objects as files (versitygw's posix backend) refuse, as an
// invalid key, a put that races the removal of the last object of its
// directory (the server removes the emptied directory); markers come and
// go in one directory, so such a refusal of a marker (whose key is valid
// by construction) is retried a few times.
func (w *Worker) putMarker(ctx context.Context, prefix, thread, run string) error {
	body, _ := json.Marshal(marker{ThreadID: thread})
	var err error
	for attempt := range 4 {
		if attempt > 0 {
			if w.sleep(ctx, time.Duration(attempt)*5*time.Millisecond) != nil {
				break
			}
		}
		_, err = w.store.Bucket().Put(ctx, prefix+run, bytes.NewReader(body),
			&storage.PutOptions{ContentType: doc.ContentType})
		if !errors.Is(err, storage.ErrInvalidKey) {
			return err
		}
	}
	return err
}

// dropMarker deletes run's marker under prefix; a missing one is fine.
func (w *Worker) dropMarker(ctx context.Context, prefix, run string) error {
	err := w.store.Bucket().Delete(ctx, prefix+run, nil)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return err
}

// retire deletes both markers of a run that reached a terminal status.
func (w *Worker) retire(ctx context.Context, run string) {
	ctx = context.WithoutCancel(ctx)
	for _, p := range []string{QueuePrefix, WaitingPrefix} {
		if err := w.dropMarker(ctx, p, run); err != nil {
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
	if err := w.putMarker(ctx, WaitingPrefix, thread, run); err != nil {
		w.log.Warn("write waiting marker", "run", run, "err", err)
		return
	}
	if err := w.dropMarker(ctx, QueuePrefix, run); err != nil {
		w.log.Warn("delete queue marker", "run", run, "err", err)
	}
}

// markerThread returns the thread named by run's marker under prefix,
// from memory when this worker has read it before.
func (w *Worker) markerThread(ctx context.Context, prefix, run string) (string, error) {
	w.mu.Lock()
	thread, ok := w.threads[run]
	w.mu.Unlock()
	if ok {
		return thread, nil
	}
	obj, err := w.store.Bucket().Get(ctx, prefix+run, nil)
	if err != nil {
		return "", err
	}
	defer obj.Body.Close()
	var m marker
	raw, err := io.ReadAll(io.LimitReader(obj.Body, 4096))
	if err == nil {
		err = json.Unmarshal(raw, &m)
	}
	if err == nil {
		err = assistants.ParseID(assistants.PrefixThread, m.ThreadID)
	}
	if err != nil {
		return "", storage.Wrap("read queue marker", prefix+run, nil, err)
	}
	w.mu.Lock()
	w.threads[run] = m.ThreadID
	w.mu.Unlock()
	return m.ThreadID, nil
}

// markers lists the run ids of the markers under prefix.
func (w *Worker) markers(ctx context.Context, prefix string) ([]string, error) {
	var runs []string
	for a, err := range storage.Objects(ctx, w.store.Bucket(), &storage.ListOptions{Prefix: prefix}) {
		if err != nil {
			return runs, err
		}
		run := strings.TrimPrefix(a.Key, prefix)
		if assistants.ParseID(assistants.PrefixRun, run) == nil {
			runs = append(runs, run)
		}
	}
	return runs, nil
}

// poll lists the queue and starts the runs it can claim, up to MaxRuns
// at once.
func (w *Worker) poll(ctx context.Context) {
	runs, err := w.markers(ctx, QueuePrefix)
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
		thread, err := w.markerThread(ctx, QueuePrefix, run)
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
		if l := c.run.Lease; l != nil {
			until = time.UnixMilli(l.Until)
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
	waiting, err := w.markers(ctx, WaitingPrefix)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("list waiting runs", "err", err)
		}
		return
	}
	for _, run := range waiting {
		thread, err := w.markerThread(ctx, WaitingPrefix, run)
		if err != nil {
			continue
		}
		w.checkWaiting(ctx, thread, run)
	}
	queued, err := w.markers(ctx, QueuePrefix)
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
		if err := w.putMarker(ctx, QueuePrefix, thread, run); err == nil {
			_ = w.dropMarker(ctx, WaitingPrefix, run)
			w.poke()
		}
	}
}

// adoptOrphans enqueues the active runs, older than OrphanAge, that
// have no marker.
func (w *Worker) adoptOrphans(ctx context.Context, known map[string]bool) {
	prefix := assistants.ActiveRunLocksPrefix
	cutoff := w.now().Add(-w.opts.OrphanAge)
	for a, err := range storage.Objects(ctx, w.store.Bucket(), &storage.ListOptions{Prefix: prefix}) {
		if err != nil {
			return
		}
		if a.ModTime.After(cutoff) {
			continue
		}
		lock, err := doc.Get[assistants.ActiveRunLock](ctx, w.store.Docs(), a.Key)
		if err != nil || known[lock.Value.RunID] || !w.due(lock.Value.RunID, w.now()) {
			continue
		}
		d, err := w.store.Runs.Get(ctx, lock.Value.ThreadID, lock.Value.RunID)
		if err != nil || !d.Value.Status.IsActive() {
			continue
		}
		prefix := QueuePrefix
		if d.Value.Status == assistants.RunRequiresAction {
			prefix = WaitingPrefix
		}
		w.log.Info("enqueue run found without a queue marker", "thread", d.Value.ThreadID, "run", d.Value.ID)
		_ = w.putMarker(ctx, prefix, d.Value.ThreadID, d.Value.ID)
		w.poke()
	}
}

package vectorstore

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/r2kit/r2kit/storage"
)

// WorkerOptions configure a Worker. The zero value gives the defaults.
type WorkerOptions struct {
	// ID names the worker in the leases it takes. Empty means a new
	// "vsw_" id.
	ID string
	// Concurrency bounds the files indexed at once. Zero means 4.
	Concurrency int
	// PollInterval is how often the queue is listed when nothing wakes
	// the worker, jittered by ±20%. Zero means 2 seconds.
	PollInterval time.Duration
	// MarkerGrace is how long a queue marker whose generation the
	// manifest does not hold is left alone (its addition may still be
	// committing) before it is dropped. Zero means one minute.
	MarkerGrace time.Duration
	// Logger receives warnings. Nil means slog.Default().
	Logger *slog.Logger
}

// Worker indexes the files of the ingestion queue (see QueuePrefix):
// every process sharing the bucket may run one, and each file is
// claimed by lease, as runs are. A file whose worker died is taken
// over once its lease (Options.LeaseDuration of the Service) lapses;
// segment writes are create-only and outcomes are fenced by the lease
// and settled in the manifest by generation, so nothing is indexed
// twice and nothing is lost. The Service's AddFiles, AddFile,
// CreateBatch and Create wake the Workers of the same Service at once;
// other processes' Workers find the files at their next poll.
type Worker struct {
	svc  *Service
	opts WorkerOptions
	log  *slog.Logger
	wake chan struct{}
	sem  chan struct{}
	wg   sync.WaitGroup

	// listing is the last listing of the queue, reused by a poll that
	// a finishing file asks for within PollInterval of it, so that a
	// busy worker does not list the queue once per file.
	listing  []*storage.Attrs
	listedAt time.Time

	mu     sync.Mutex
	active map[string]bool      // marker keys being worked on
	later  map[string]time.Time // marker keys not to look at before
}

// NewWorker returns a Worker over svc's bucket and Source. opts may be
// nil.
func NewWorker(svc *Service, opts *WorkerOptions) *Worker {
	var o WorkerOptions
	if opts != nil {
		o = *opts
	}
	if o.ID == "" {
		o.ID = NewID("vsw_")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.MarkerGrace <= 0 {
		o.MarkerGrace = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	w := &Worker{svc: svc, opts: o, log: o.Logger, wake: make(chan struct{}, 1),
		sem: make(chan struct{}, o.Concurrency), active: map[string]bool{}, later: map[string]time.Time{}}
	svc.wmu.Lock()
	svc.workers = append(svc.workers, w)
	svc.wmu.Unlock()
	return w
}

// Run polls the queue and indexes what it finds until ctx is done,
// then waits for the files it is indexing to stop and returns nil. A
// file it was indexing keeps its lease, which lapses, and another
// worker takes it over: cancelling ctx is as abrupt as a crash.
func (w *Worker) Run(ctx context.Context) error {
	defer w.wg.Wait()
	for {
		w.poll(ctx)
		t := time.NewTimer(jitter(w.opts.PollInterval))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-w.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// Enqueue (re)writes the queue marker of a file that is in_progress in
// a store and wakes the worker. AddFiles and CreateBatch write markers
// themselves; Enqueue is for handing the worker a file again, for
// example one whose marker an operator removed. A file that is not
// in_progress needs no marker and is left alone.
func (w *Worker) Enqueue(ctx context.Context, vsID, fileID string) error {
	if err := ValidateID("file_id", "", fileID); err != nil {
		return err
	}
	d, err := w.svc.load(ctx, vsID)
	if err != nil {
		return err
	}
	e := d.Value.Files[fileID]
	if e == nil {
		return notFound("file", fileID)
	}
	if e.Status == StatusInProgress {
		j := d.Value.job(fileID)
		if _, err := w.svc.putMarker(ctx, vsID, fileID, marker{Gen: j.gen, Chunking: j.chunking, At: w.svc.opts.Now().UnixMilli()}, ""); err != nil {
			return err
		}
		w.mu.Lock()
		delete(w.later, markerKey(vsID, fileID))
		w.mu.Unlock()
	}
	w.poke()
	return nil
}

func (w *Worker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func jitter(d time.Duration) time.Duration {
	return d - d/5 + rand.N(2*d/5+1)
}

// poll lists the markers and starts work on those it may take, in a
// random order (so that workers of different processes do not all
// reach for the same files), up to Concurrency at once.
func (w *Worker) poll(ctx context.Context) {
	now := w.svc.opts.Now()
	fresh := w.listing == nil || now.Sub(w.listedAt) >= w.opts.PollInterval
	if fresh {
		w.listing, w.listedAt = w.listing[:0], now
		for a, err := range storage.Objects(ctx, w.svc.b, &storage.ListOptions{Prefix: QueuePrefix}) {
			if err != nil {
				if ctx.Err() == nil {
					w.log.Warn("vectorstore: listing the ingestion queue", "err", err)
				}
				break
			}
			w.listing = append(w.listing, a)
		}
	}
	found := append([]*storage.Attrs(nil), w.listing...)
	rand.Shuffle(len(found), func(i, j int) { found[i], found[j] = found[j], found[i] })
	listed := make(map[string]bool, len(found))
	for _, a := range found {
		listed[a.Key] = true
		vsID, fileID, ok := parseMarkerKey(a.Key)
		if !ok || !w.take(a.Key, now) {
			continue
		}
		select {
		case w.sem <- struct{}{}:
		default:
			w.release(a.Key, time.Time{})
			return // busy: a finishing file wakes the next poll
		}
		w.wg.Go(func() {
			var once sync.Once
			free := func() {
				once.Do(func() {
					<-w.sem
					w.poke()
				})
			}
			defer free()
			next := w.process(ctx, vsID, fileID, free)
			w.release(a.Key, next)
			w.poke()
		})
	}
	if fresh {
		w.forget(listed)
	}
}

// take marks key active unless it is, or is deferred past now.
func (w *Worker) take(key string, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.active[key] || now.Before(w.later[key]) {
		return false
	}
	w.active[key] = true
	return true
}

// release ends work on key; a non-zero next defers it until then.
func (w *Worker) release(key string, next time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.active, key)
	if next.IsZero() {
		delete(w.later, key)
	} else {
		w.later[key] = next
	}
}

// forget drops the deferrals of markers no longer listed.
func (w *Worker) forget(listed map[string]bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for k := range w.later {
		if !listed[k] {
			delete(w.later, k)
		}
	}
}

// process works on one marker and returns when to look at it again
// (zero: at the next poll, if it is still there).
// free is called when the indexing is over and the slot can serve
// another file.
func (w *Worker) process(ctx context.Context, vsID, fileID string, free func()) time.Time {
	svc := w.svc
	m, etag, err := svc.readMarker(ctx, vsID, fileID)
	if errors.Is(err, storage.ErrNotFound) {
		return time.Time{}
	}
	retry := svc.opts.Now().Add(jitter(w.opts.PollInterval))
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("vectorstore: reading a queue marker", "vector_store", vsID, "file", fileID, "err", err)
		}
		return retry
	}
	j := job{vsID: vsID, fileID: fileID, gen: m.Gen, chunking: m.Chunking}
	r, err := svc.runJob(ctx, j, w.opts.ID, free)
	var le *leasedError
	switch {
	case errors.As(err, &le):
		return time.UnixMilli(le.until).Add(jitter(w.opts.PollInterval / 4))
	case err != nil:
		if ctx.Err() == nil {
			w.log.Warn("vectorstore: indexing", "vector_store", vsID, "file", fileID, "err", err)
		}
		return retry
	}
	dctx := context.WithoutCancel(ctx)
	switch r.sync {
	case syncApplied, syncSettled:
		if err := svc.dropMarker(dctx, vsID, fileID, etag); err != nil {
			w.log.Warn("vectorstore: deleting a queue marker", "vector_store", vsID, "file", fileID, "err", err)
			return retry
		}
		return time.Time{}
	}
	// The manifest does not hold this generation: its addition is
	// still being committed, or it failed, or the file was removed or
	// added again.
	graceEnd := time.UnixMilli(m.At).Add(w.opts.MarkerGrace)
	if svc.opts.Now().Before(graceEnd) {
		return graceEnd
	}
	svc.cleanupGen(dctx, j)
	if r.sync == syncOther && r.other.Status == StatusInProgress {
		// The manifest waits for another generation: point the
		// marker at it.
		d, err := svc.load(dctx, vsID)
		if err == nil && d.Value.Files[fileID] != nil {
			nj := d.Value.job(fileID)
			_, err = svc.putMarker(dctx, vsID, fileID, marker{Gen: nj.gen, Chunking: nj.chunking, At: svc.opts.Now().UnixMilli()}, etag)
		}
		if err != nil && !errors.Is(err, storage.ErrPreconditionFailed) {
			w.log.Warn("vectorstore: repointing a queue marker", "vector_store", vsID, "file", fileID, "err", err)
		}
		return time.Time{}
	}
	if err := svc.dropMarker(dctx, vsID, fileID, etag); err != nil {
		w.log.Warn("vectorstore: deleting a queue marker", "vector_store", vsID, "file", fileID, "err", err)
		return retry
	}
	return time.Time{}
}

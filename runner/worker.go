package runner

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/r2kit/r2kit/assistants/store"
)

// Options configures a Worker. The zero value (or nil) gives the
// defaults documented on each field.
type Options struct {
	// ID names the worker in the leases it writes; it must be unique
	// among the live workers sharing a bucket. Empty means
	// "host-pid-random".
	ID string
	// LeaseDuration is how long a claim on a run lasts unless renewed;
	// the worker renews it every third of it while it executes the run.
	// A worker that dies loses its runs to other workers this long after
	// its last renewal. Zero means 30 seconds.
	LeaseDuration time.Duration
	// PollInterval is how often Run lists the queue (jittered by ±20%).
	// Zero means 500 ms.
	PollInterval time.Duration
	// CheckInterval is how often a run being executed is read back to
	// notice a cancellation, its expiry or a lost lease. Zero means 500
	// ms, capped at a third of LeaseDuration.
	CheckInterval time.Duration
	// ScanInterval is how often Run looks at the runs waiting for tool
	// outputs (to expire them or finish their cancellation) and for
	// active runs that have no queue marker. Zero means 5 seconds.
	ScanInterval time.Duration
	// OrphanAge is how old an active-run lock must be before Run
	// re-enqueues a run found without a queue marker. Zero means one
	// minute.
	OrphanAge time.Duration
	// MaxRuns bounds the runs Run executes at once. Zero means 16.
	MaxRuns int
	// Logger receives the worker's logs. Nil means slog.Default().
	Logger *slog.Logger
	// Now returns the current time (leases, expiry). Nil means time.Now.
	Now func() time.Time
	// ContextTokens, if positive, is the context window of every model,
	// in tokens, for truncation_strategy auto; zero means the built-in
	// table (ContextWindow), and no truncation for a model it does not
	// know.
	ContextTokens int
	// ImageURLs sends image files to the model as presigned URLs of
	// their bytes when the bucket can presign them (R2, S3), instead of
	// data URLs. The model endpoint must be able to reach the bucket.
	ImageURLs bool
	// ImageURLExpiry is how long those URLs are valid. Zero means one
	// hour.
	ImageURLExpiry time.Duration
	// VectorStores is what file_search searches (see filesearch.go).
	// Nil: a run with the file_search tool fails, saying so.
	VectorStores VectorStores
	// SearchWait bounds how long a search waits for the files of its
	// vector stores still being ingested. Zero means two minutes.
	SearchWait time.Duration
}

// Worker executes runs: in the background (Run, fed by Enqueue and by
// the queue in the bucket), or in the caller's goroutine with stream
// events (Stream). Any number of Workers, in any number of processes,
// may share one bucket: a run is executed by one worker at a time
// (the holder of its lease) and is never lost (see the package
// documentation). A Worker is safe for concurrent use.
type Worker struct {
	store  *store.DB
	client *Client
	opts   Options
	log    *slog.Logger

	running atomic.Bool
	base    context.Context // ends when Run ends: streamed runs stop too
	stop    context.CancelFunc
	wake    chan struct{}
	sem     chan struct{}
	wg      sync.WaitGroup

	mu      sync.Mutex
	active  map[string]bool      // runs executing in this process
	later   map[string]time.Time // runs held by others: not looked at before
	threads map[string]string    // run id -> thread id, from the markers
}

// New returns a Worker executing the runs of db with client. opts
// may be nil.
func New(db *store.DB, client *Client, opts *Options) *Worker {
	w := &Worker{store: db, client: client, wake: make(chan struct{}, 1),
		active: map[string]bool{}, later: map[string]time.Time{}, threads: map[string]string{}}
	if opts != nil {
		w.opts = *opts
	}
	o := &w.opts
	if o.ID == "" {
		o.ID = defaultID()
	}
	if o.LeaseDuration <= 0 {
		o.LeaseDuration = 30 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 500 * time.Millisecond
	}
	if o.CheckInterval <= 0 {
		o.CheckInterval = 500 * time.Millisecond
	}
	o.CheckInterval = min(o.CheckInterval, o.LeaseDuration/3)
	if o.ScanInterval <= 0 {
		o.ScanInterval = 5 * time.Second
	}
	if o.OrphanAge <= 0 {
		o.OrphanAge = time.Minute
	}
	if o.MaxRuns <= 0 {
		o.MaxRuns = 16
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ImageURLExpiry <= 0 {
		o.ImageURLExpiry = defaultImageURLExpiry
	}
	if o.SearchWait <= 0 {
		o.SearchWait = 2 * time.Minute
	}
	w.log = o.Logger
	if w.log == nil {
		w.log = slog.Default()
	}
	w.log = w.log.With("worker", o.ID)
	w.sem = make(chan struct{}, o.MaxRuns)
	w.base, w.stop = context.WithCancel(context.Background())
	return w
}

// ID returns the worker's id, as written in the leases it holds.
func (w *Worker) ID() string { return w.opts.ID }

func defaultID() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "host"
	}
	var b [4]byte
	_, _ = crand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

func (w *Worker) now() time.Time { return w.opts.Now() }

// Run executes runs until ctx is done: it lists the queue every
// PollInterval (at once after an Enqueue in this process), claims the
// runs that are queued or whose lease has lapsed, and executes up to
// MaxRuns of them at once; every ScanInterval it also expires runs
// waiting for tool outputs past their expires_at and re-enqueues active
// runs that lost their marker. When ctx is done, Run stops claiming,
// interrupts the runs this worker executes, streamed ones included
// (their leases lapse and other workers take them over), and returns
// once they have stopped. A Worker's Run is called at most once.
func (w *Worker) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return fmt.Errorf("runner: worker %s is already running", w.opts.ID)
	}
	defer w.running.Store(false)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var lastScan time.Time
	for {
		select {
		case <-ctx.Done():
			w.stop()
			w.wg.Wait()
			return nil
		case <-timer.C:
		case <-w.wake:
		}
		w.poll(ctx)
		if now := w.now(); now.Sub(lastScan) >= w.opts.ScanInterval {
			w.scan(ctx)
			lastScan = now
		}
		timer.Reset(jitter(w.opts.PollInterval))
	}
}

// jitter returns d ±20%.
func jitter(d time.Duration) time.Duration {
	return d - d/5 + rand.N(2*d/5+1)
}

// poke asks Run to list the queue now.
func (w *Worker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// begin marks run as executing in this process; false if it already is.
func (w *Worker) begin(run string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.active[run] {
		return false
	}
	w.active[run] = true
	return true
}

func (w *Worker) end(run string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.active, run)
}

// deferUntil makes poll skip run until t (its lease is held elsewhere).
func (w *Worker) deferUntil(run string, t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.later[run] = t
}

// due reports whether poll should look at run now.
func (w *Worker) due(run string, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.active[run] {
		return false
	}
	t, ok := w.later[run]
	return !ok || !now.Before(t)
}

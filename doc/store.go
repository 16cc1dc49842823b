// Package doc stores typed JSON documents in a storage.Bucket with
// compare-and-swap updates that are never lost and never applied twice.
//
// It is the Go form of the seed's getJson, putJson, putJsonWithCas,
// executeWithCasRetry and updateWithCas:
//
//   - Get, Put and PutIf read and write one document; PutIf is
//     conditional on an ETag ("" means create-only).
//   - Update reads a document, applies a function and writes the result
//     with If-Match, retrying after conflicts according to a Policy.
//   - Collection binds a type to a key scheme, a default TTL and a
//     validator.
//
// Three properties make Update safe under concurrency and faults:
//
//   - Ambiguous writes are resolved, not guessed. Every write carries a
//     unique write id in its metadata; when a conditional write's outcome
//     is unknown (a lost response), the Store reads the object back and
//     decides committed or not committed from the id. Once a write has
//     been sent, the caller's context no longer interrupts it: the Store
//     finishes the write and its resolution (within Options.CommitTimeout)
//     so that an Update that returns an error was not applied, and one
//     that returns success was applied exactly once.
//   - Group commit. Concurrent Updates of one key through one Store are
//     combined: the functions are applied in arrival order to one read
//     and committed with one conditional write. Each caller receives the
//     state after its own function, or its own error.
//   - An Update whose result is byte-identical to the stored document
//     writes nothing.
//
// A Store keeps a bounded cache of recently read or written documents
// (ETag and bytes), so that an uncontended Update costs one request (a
// conditional write against the cached ETag) instead of two, and Get
// revalidates with If-None-Match.
//
// Update functions may be called more than once (after a conflict) and
// must not have side effects.
package doc

import (
	"context"
	"sync"
	"time"

	"github.com/r2kit/r2kit/storage"
)

// Store reads and writes documents in a Bucket. It is safe for concurrent
// use. All Updates of one key that should be group-committed must go
// through the same Store.
type Store struct {
	b     storage.Bucket
	opts  Options
	cache *cache

	mu     sync.Mutex
	groups map[string]*group

	inflightMu sync.Mutex
	inflight   map[string]map[string]bool // key -> write id -> seen
}

// Options configures a Store. The zero value gives the defaults.
type Options struct {
	// Policy is the retry policy of Update when the call gives none.
	// Zero means Standard.
	Policy Policy
	// DisableGroupCommit makes every Update read and write on its own.
	DisableGroupCommit bool
	// CacheEntries bounds the document cache. Zero means 1024; negative
	// disables the cache.
	CacheEntries int
	// MaxDocumentSize bounds the bytes read for one document. Zero
	// means 32 MiB.
	MaxDocumentSize int64
	// CommitTimeout bounds a write and the resolution of its outcome
	// once it has been sent, independently of the caller's context.
	// Zero means one minute.
	CommitTimeout time.Duration
	// Now returns the current time, for TTLs. Nil means time.Now.
	Now func() time.Time
	// Sleep waits between retries. Nil means Sleep (real time).
	Sleep Sleeper
	// Hooks observe what the Store does, for metrics.
	Hooks Hooks
}

// Hooks are optional callbacks, called synchronously; they must be fast
// and safe for concurrent use.
type Hooks struct {
	// Conflict is called when a conditional write loses.
	Conflict func(key string)
	// Retry is called before an operation is retried.
	Retry func(key string, attempt int, cause error)
	// Batch is called with the number of Updates a write commits.
	Batch func(key string, size int)
	// Ambiguous is called when a write's outcome had to be resolved,
	// with the outcome: "committed", "not committed" or "conflict".
	Ambiguous func(key string, outcome string)
}

// New returns a Store over b. opts may be nil.
func New(b storage.Bucket, opts *Options) *Store {
	s := &Store{b: b, groups: map[string]*group{}}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Policy == (Policy{}) {
		s.opts.Policy = Standard
	}
	if s.opts.CacheEntries == 0 {
		s.opts.CacheEntries = 1024
	}
	if s.opts.MaxDocumentSize <= 0 {
		s.opts.MaxDocumentSize = 32 << 20
	}
	if s.opts.CommitTimeout <= 0 {
		s.opts.CommitTimeout = time.Minute
	}
	if s.opts.Now == nil {
		s.opts.Now = time.Now
	}
	if s.opts.Sleep == nil {
		s.opts.Sleep = Sleep
	}
	s.cache = newCache(s.opts.CacheEntries)
	return s
}

// Bucket returns the Bucket the Store writes to.
func (s *Store) Bucket() storage.Bucket { return s.b }

// now returns the Store's current time.
func (s *Store) now() time.Time { return s.opts.Now() }

// sleep waits before retry attempt n of policy p.
func (s *Store) sleep(ctx context.Context, p Policy, n int) error {
	return s.opts.Sleep(ctx, p.Backoff(n))
}

func (s *Store) onConflict(key string) {
	if f := s.opts.Hooks.Conflict; f != nil {
		f(key)
	}
}

func (s *Store) onRetry(key string, n int, cause error) {
	if f := s.opts.Hooks.Retry; f != nil {
		f(key, n, cause)
	}
}

func (s *Store) onBatch(key string, size int) {
	if f := s.opts.Hooks.Batch; f != nil {
		f(key, size)
	}
}

func (s *Store) onAmbiguous(key, outcome string) {
	if f := s.opts.Hooks.Ambiguous; f != nil {
		f(key, outcome)
	}
}

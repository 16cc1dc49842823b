package store

import (
	"time"

	"github.com/r2kit/r2kit/assistants"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
)

// DB keeps Assistants API state in a storage.Bucket: the Go form of
// the seed's createR2Storage. Its fields are the entity stores; each
// validates every id before it becomes a key and every value before it
// is written, and keeps the desc listing index (see the package
// documentation) in step with the entities.
//
// A DB is safe for concurrent use, and any number of Stores, in any
// number of processes, may share one bucket: every read-modify-write is
// a conditional write.
type DB struct {
	Assistants *Assistants
	Threads    *Threads
	Messages   *Messages
	Runs       *Runs
	Steps      *Steps
	Files      *Files
	Tools      *Tools
	// Queue keeps the run queue's markers (see the runner package).
	Queue *Queue

	b    storage.Bucket
	docs *doc.Store
	opts Options
	ttl  resolvedTTLs
}

// Options configures a DB. The zero value (or nil) gives the
// defaults documented on each field.
type Options struct {
	// TTL is the retention of each entity type. The zero value keeps the
	// seed's recommended TTLs (storage.RecommendedTTL: assistants, files
	// and tools 30 days, threads and messages 7 days, runs and run steps
	// 24 hours). A self-hosted server that keeps objects until they are
	// deleted, as OpenAI did, uses KeepUntilDeleted.
	TTL TTLs
	// Doc configures the document store (retry policy, cache, commit
	// timeout). Nil means doc's defaults; its Now defaults to Now below.
	Doc *doc.Options
	// Concurrency bounds the requests one call has in flight: the Gets
	// of a listing page, the deletes of a cascade. Zero means 16.
	Concurrency int
	// TombstoneTTL is how long the tombstone of a deleted thread is kept
	// after its delete completed; while it is, the thread's id cannot be
	// written again (see Threads.Delete). Zero means 24 hours.
	TombstoneTTL time.Duration
	// LockGrace is how long an active-run lock naming a run that does not
	// exist (yet) is respected before another run may take it over: the
	// time a run creation may take between taking the lock and writing
	// the run. Zero means 2 minutes.
	LockGrace time.Duration
	// MaxFileBytes is the largest file Files accepts (PutBlob,
	// Create). Zero means MaxFileBytes, OpenAI's limit; a server with a
	// higher upload limit raises it.
	MaxFileBytes int64
	// Now returns the current time: created_at of the objects the stores
	// make, TTLs, lock and repair ages. Nil means time.Now.
	Now func() time.Time
}

// TTLs are the retention of each entity type, applied to every write of
// that type (an update refreshes the expiry). A zero field means the
// recommended TTL for the type (storage.RecommendedTTL); NoTTL (any
// negative value) means the objects never expire.
//
// An expired object reads as not found, and listings skip it; the
// expired objects stay in the bucket until (*DB).Repair with
// RepairOptions.Expired (or storage.Sweep, or a bucket lifecycle rule)
// removes them. A file's blob gets the file's TTL.
type TTLs struct {
	Assistant, Thread, Message, Run, Step, File, Tool time.Duration
}

// NoTTL disables expiry for an entity type (see TTLs).
const NoTTL time.Duration = -1

// KeepUntilDeleted keeps every entity until it is deleted, as the hosted
// Assistants API did: the setting for a self-hosted server.
var KeepUntilDeleted = TTLs{
	Assistant: NoTTL, Thread: NoTTL, Message: NoTTL, Run: NoTTL, Step: NoTTL, File: NoTTL, Tool: NoTTL,
}

// resolvedTTLs are the TTLs in force: positive, or zero for none.
type resolvedTTLs struct {
	assistant, thread, message, run, step, file, tool time.Duration
}

func resolveTTL(d time.Duration, entity string) time.Duration {
	switch {
	case d < 0:
		return 0
	case d == 0:
		return storage.RecommendedTTL(entity)
	}
	return d
}

// Entity type names, as recorded in each object's metadata
// (storage.MetaType) and as storage.RecommendedTTL knows them.
const (
	typeAssistant = "assistant"
	typeThread    = "thread"
	typeMessage   = "message"
	typeRun       = "run"
	typeStep      = "run_step"
	typeFile      = "file"
	typeTool      = "tool"
	typeLock      = "active_run_lock"
	typeTombstone = "thread_tombstone"
)

// Open returns a DB over b. opts may be nil. The DB does not own
// b: closing b is the caller's job, after the DB's last use.
func Open(b storage.Bucket, opts *Options) *DB {
	s := &DB{b: b}
	if opts != nil {
		s.opts = *opts
	}
	o := &s.opts
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.TombstoneTTL <= 0 {
		o.TombstoneTTL = 24 * time.Hour
	}
	if o.LockGrace <= 0 {
		o.LockGrace = 2 * time.Minute
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = assistants.MaxFileBytes
	}
	docOpts := doc.Options{}
	if o.Doc != nil {
		docOpts = *o.Doc
	}
	if docOpts.Now == nil {
		docOpts.Now = o.Now
	}
	s.docs = doc.New(b, &docOpts)
	t := o.TTL
	s.ttl = resolvedTTLs{
		assistant: resolveTTL(t.Assistant, typeAssistant),
		thread:    resolveTTL(t.Thread, typeThread),
		message:   resolveTTL(t.Message, typeMessage),
		run:       resolveTTL(t.Run, typeRun),
		step:      resolveTTL(t.Step, typeStep),
		file:      resolveTTL(t.File, typeFile),
		tool:      resolveTTL(t.Tool, typeTool),
	}
	s.Assistants = &Assistants{s: s, k: kind{s: s, name: typeAssistant, ttl: s.ttl.assistant}}
	s.Threads = &Threads{s: s, k: kind{s: s, name: typeThread, ttl: s.ttl.thread}}
	s.Messages = &Messages{s: s, k: kind{s: s, name: typeMessage, ttl: s.ttl.message}}
	s.Runs = &Runs{s: s, k: kind{s: s, name: typeRun, ttl: s.ttl.run}}
	s.Steps = &Steps{s: s, k: kind{s: s, name: typeStep, ttl: s.ttl.step}}
	s.Files = &Files{s: s, k: kind{s: s, name: typeFile, ttl: s.ttl.file}}
	s.Queue = &Queue{s: s}
	s.Tools = &Tools{s: s, k: kind{s: s, name: typeTool, ttl: s.ttl.tool}}
	return s
}

// Bucket returns the bucket the DB keeps its objects in.
func (s *DB) Bucket() storage.Bucket { return s.b }

// now returns the current time.
func (s *DB) now() time.Time { return s.opts.Now() }

// unixNow returns the current time in Unix seconds, the unit of the
// objects' timestamps.
func (s *DB) unixNow() int64 { return s.now().Unix() }

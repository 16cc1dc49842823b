package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"strings"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
)

// The run queue.
//
// Runs that need a worker are found without scanning threads: each has
// a small marker object, QueueRunsPrefix + run id (QueueKey), whose body
// names its thread ({"thread_id": ...}). A run waiting for tool outputs
// needs no worker until they arrive: its marker moves to
// QueueWaitingPrefix. The runner package decides when markers are
// written and removed (see its documentation); the Queue only keeps
// them.

// QueueState names one of the two queues a run's marker can be in.
type QueueState int

const (
	// Queued runs need a worker: queued, in_progress (a worker may have
	// died) or cancelling.
	Queued QueueState = iota
	// Waiting runs wait for tool outputs (requires_action).
	Waiting
)

// prefix returns the key prefix of the state's markers.
func (q QueueState) prefix() string {
	if q == Waiting {
		return QueueWaitingPrefix
	}
	return QueueRunsPrefix
}

// String returns "queued" or "waiting".
func (q QueueState) String() string {
	if q == Waiting {
		return "waiting"
	}
	return "queued"
}

// Queue keeps the run queue's markers (see QueueKey). It is safe for
// concurrent use by any number of processes sharing the bucket.
type Queue struct{ s *DB }

// marker is the body of a queue marker.
type marker struct {
	ThreadID string `json:"thread_id"`
}

// maxMarkerBytes bounds the read of a marker's body.
const maxMarkerBytes = 4096

// Put writes the marker of run thread/run in state (idempotent: a marker
// written twice is one marker).
//
// S3-compatible servers that store objects as files (versitygw's posix
// backend) refuse, as an invalid key, a put that races the removal of
// the last object of its directory (the server removes the emptied
// directory); markers come and go in one directory, so such a refusal
// of a marker (whose key is valid by construction) is retried a few
// times.
func (q *Queue) Put(ctx context.Context, state QueueState, thread, run string) error {
	key, err := QueueKey(state, run)
	if err != nil {
		return invalidID("enqueue run", err)
	}
	if err := assistants.ParseID(assistants.PrefixThread, thread); err != nil {
		return invalidID("enqueue run", err)
	}
	body, _ := json.Marshal(marker{ThreadID: thread})
	for attempt := range 4 {
		if attempt > 0 {
			if resilience.Sleep(ctx, time.Duration(attempt)*5*time.Millisecond) != nil {
				break
			}
		}
		_, err = q.s.b.Put(ctx, key, bytes.NewReader(body), &storage.PutOptions{ContentType: doc.ContentType})
		if !errors.Is(err, storage.ErrInvalidKey) {
			return err
		}
	}
	return err
}

// Drop deletes run's marker in state; a missing marker is not an error.
func (q *Queue) Drop(ctx context.Context, state QueueState, run string) error {
	key, err := QueueKey(state, run)
	if err != nil {
		return invalidID("dequeue run", err)
	}
	return deleteQuietly(ctx, q.s.b, key)
}

// Thread returns the thread named by run's marker in state. A missing
// marker is an error matching storage.ErrNotFound.
func (q *Queue) Thread(ctx context.Context, state QueueState, run string) (string, error) {
	key, err := QueueKey(state, run)
	if err != nil {
		return "", invalidID("read queue marker", err)
	}
	_, raw, err := storage.ReadAll(ctx, q.s.b, key, nil, maxMarkerBytes)
	if err != nil {
		return "", err
	}
	var m marker
	err = json.Unmarshal(raw, &m)
	if err == nil {
		err = assistants.ParseID(assistants.PrefixThread, m.ThreadID)
	}
	if err != nil {
		return "", storage.Wrap("read queue marker", key, nil, err)
	}
	return m.ThreadID, nil
}

// List returns the ids of the runs with a marker in state, in id order
// (creation order). Keys under the prefix that are no run id are
// skipped. On an error it returns the ids listed so far with it.
func (q *Queue) List(ctx context.Context, state QueueState) ([]string, error) {
	prefix := state.prefix()
	var runs []string
	for a, err := range storage.Objects(ctx, q.s.b, &storage.ListOptions{Prefix: prefix}) {
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

// ActiveRun names the run that holds a thread's active-run lock.
type ActiveRun struct {
	ThreadID, RunID string
}

// ActiveRuns yields the runs named by active-run locks last written
// before olderThan (the zero time: every lock), in thread id order. A
// lock names the run that holds (or last held, if its release failed)
// the thread's one active-run slot: the caller reads the run to know
// its status. Iteration stops at the first listing error, which it
// yields; a lock that cannot be read is skipped.
func (s *DB) ActiveRuns(ctx context.Context, olderThan time.Time) iter.Seq2[ActiveRun, error] {
	return func(yield func(ActiveRun, error) bool) {
		for a, err := range storage.Objects(ctx, s.b, &storage.ListOptions{Prefix: ActiveRunLocksPrefix}) {
			if err != nil {
				yield(ActiveRun{}, err)
				return
			}
			if !olderThan.IsZero() && !a.ModTime.Before(olderThan) {
				continue
			}
			lock, err := doc.Get[activeRunLock](ctx, s.docs, a.Key)
			if err != nil {
				continue
			}
			if !yield(ActiveRun{ThreadID: lock.Value.ThreadID, RunID: lock.Value.RunID}, nil) {
				return
			}
		}
	}
}

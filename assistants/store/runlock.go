package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/r2kit/r2kit/assistants"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
)

// ErrActiveRun is matched by an *ActiveRunError: the thread already has
// an active run.
var ErrActiveRun = errors.New("thread already has an active run")

// ActiveRunError reports that a run could not be created because the
// thread already has an active run (queued, in_progress,
// requires_action or cancelling). It matches ErrActiveRun.
type ActiveRunError struct {
	ThreadID string
	// RunID is the active run.
	RunID string
	// Adding is what could not be added: assistants.ObjectRun (or "")
	// for a run, assistants.ObjectMessage for a message.
	Adding string
}

// Error returns "thread thread_X already has an active run run_Y", or
// for a message "can't add messages to thread_X while a run run_Y is
// active".
func (e *ActiveRunError) Error() string {
	if e.Adding == assistants.ObjectMessage {
		return fmt.Sprintf("can't add messages to %s while a run %s is active", e.ThreadID, e.RunID)
	}
	return fmt.Sprintf("thread %s already has an active run %s", e.ThreadID, e.RunID)
}

// Is reports whether target is ErrActiveRun.
func (e *ActiveRunError) Is(target error) bool { return target == ErrActiveRun }

// The active-run lock.
//
// A thread has at most one active run. The lock is the document at
// ActiveRunLockKey naming the run that holds the slot. Creating an
// active run first creates the lock with a conditional create (If-None-
// Match "*"): of racing creates exactly one wins. The winner then writes
// the run; the losers read the lock and fail with an *ActiveRunError
// naming the holder. The lock is released (a conditional delete on the
// ETag read) when the run reaches a terminal status.
//
// A lock is stale when its run is terminal (the release failed), or
// missing or expired and the lock older than Options.LockGrace (a
// crashed creator: a younger lock may belong to a run still being
// written). A create that finds a stale lock takes it over with a write
// conditional on the stale lock's ETag, so two racers cannot both take
// it; the loser looks again and finds the winner's lock.
//
// A creator that stalls beyond LockGrace between taking the lock and
// writing its run could find its lock taken over: after writing the run
// it reads the lock back, and if the lock names another run it deletes
// its run and fails with an *ActiveRunError.

// maxLockAttempts bounds the rounds of acquire against a lock that keeps
// changing hands.
const maxLockAttempts = 8

// lockKey returns the key of thread's lock (thread is a validated id).
func lockKey(thread string) string { return childKey(ActiveRunLocksPrefix, thread) }

// acquire takes thread's active-run lock for run. fresh is false when
// the lock already named run (a retried create), which the caller must
// then not release on failure.
func (s *DB) acquire(ctx context.Context, op, subject, thread, run string) (etag string, fresh bool, err error) {
	lk := lockKey(thread)
	lock := activeRunLock{ThreadID: thread, RunID: run, CreatedAt: s.unixNow()}
	opts := &doc.WriteOptions{Type: typeLock}
	for range maxLockAttempts {
		d, err := doc.PutIf(ctx, s.docs, lk, lock, "", opts)
		if err == nil {
			return d.ETag, true, nil
		}
		if !errors.Is(err, doc.ErrConflict) {
			return "", false, storage.Wrap(op, subject, nil, err)
		}
		cur, err := doc.Get[activeRunLock](ctx, s.docs, lk)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			continue // released meanwhile
		case err != nil:
			return "", false, storage.Wrap(op, subject, nil, err)
		case cur.Value.RunID == run:
			return cur.ETag, false, nil
		}
		stale, err := s.staleLock(ctx, thread, &cur.Value)
		if err != nil {
			return "", false, storage.Wrap(op, subject, nil, err)
		}
		if !stale {
			return "", false, storage.Wrap(op, subject, nil, &ActiveRunError{ThreadID: thread, RunID: cur.Value.RunID})
		}
		d, err = doc.PutIf(ctx, s.docs, lk, lock, cur.ETag, opts)
		if err == nil {
			return d.ETag, true, nil
		}
		if !errors.Is(err, doc.ErrConflict) {
			return "", false, storage.Wrap(op, subject, nil, err)
		}
		// Taken over or released by someone else: look again.
	}
	return "", false, storage.Errorf(op, subject, doc.ErrConflict,
		"the active-run lock of thread %s changed hands %d times", thread, maxLockAttempts)
}

// staleLock reports whether lock no longer protects an active run.
func (s *DB) staleLock(ctx context.Context, thread string, lock *activeRunLock) (bool, error) {
	key, err := RunKey(thread, lock.RunID)
	if err != nil {
		return true, nil // a lock naming no valid run protects nothing
	}
	run, err := doc.Get[assistants.Run](ctx, s.docs, key)
	switch {
	case err == nil:
		return !run.Value.Status.IsActive(), nil
	case errors.Is(err, storage.ErrNotFound):
		age := s.now().Sub(time.Unix(lock.CreatedAt, 0))
		return age >= s.opts.LockGrace, nil
	}
	return false, err
}

// release frees thread's lock if it names run: a delete conditional on
// the lock's ETag, so a lock taken over meanwhile stays. A failure
// leaves a stale lock, which the next create takes over.
func (s *DB) release(ctx context.Context, thread, run string) error {
	lk := lockKey(thread)
	cur, err := doc.Get[activeRunLock](ctx, s.docs, lk)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil
	case err != nil:
		return err
	case cur.Value.RunID != run:
		return nil
	}
	err = doc.Delete(ctx, s.docs, lk, cur.ETag)
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrPreconditionFailed) {
		return nil
	}
	return err
}

// holder returns the run named by thread's lock, and whether it is
// active (the lock is not stale).
func (s *DB) holder(ctx context.Context, thread string) (string, bool, error) {
	cur, err := doc.Get[activeRunLock](ctx, s.docs, lockKey(thread))
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	stale, err := s.staleLock(ctx, thread, &cur.Value)
	if err != nil {
		return "", false, err
	}
	return cur.Value.RunID, !stale, nil
}

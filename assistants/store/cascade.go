package store

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/r2kit/r2kit/assistants"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
)

// Thread deletion.
//
// Deleting a thread deletes its messages, runs and run steps, their
// index markers and its active-run lock. The delete must survive being
// interrupted and must not race with creates in the thread, so it goes:
//
//  1. write the thread's tombstone (tombstones/threads/{id}.json,
//     pending): the record that a delete is under way;
//  2. delete the thread document: from here on the thread is not found,
//     and creates in it fail;
//  3. delete the children: every object under messages/{id}/,
//     steps/{id}/ and runs/{id}/, then their markers under
//     idx/desc/.../{id}/, then the lock;
//  4. mark the tombstone done, with Options.TombstoneTTL.
//
// A create in the thread checks that the thread exists before it writes
// and again after (see create): a create whose write landed before step
// 2 passes its second check and its object is listed and deleted by
// step 3, which lists after step 2; one whose write landed after step 2
// fails its second check and deletes what it wrote. A creator that dies
// between its write and its check leaves an orphan that Repair removes
// (children of a missing thread). An interrupted delete leaves a pending
// tombstone: calling Delete again, or Repair, finishes it. Nothing
// recreates the thread: updates never create, and a Put or create of
// the thread's id while its tombstone lives fails with ErrDeleted.

// ErrDeleted is matched by the error of a write of a thread whose id
// belongs to a thread deleted less than Options.TombstoneTTL ago.
var ErrDeleted = errors.New("deleted")

// tombstoneKey returns the key of thread's tombstone (thread is a
// validated id).

// tombstone records a thread delete.
type tombstone struct {
	ThreadID  string `json:"thread_id"`
	DeletedAt int64  `json:"deleted_at"`
	// Done is set once the thread and all its children are gone.
	Done bool `json:"done"`
}

// Validate checks the thread id.
func (t *tombstone) Validate() error {
	return assistants.CheckID("thread_id", assistants.PrefixThread, t.ThreadID)
}

// deleteThread runs the thread delete protocol above for the thread
// with id at key; with etag set, only if the thread's ETag is etag.
func (s *DB) deleteThread(ctx context.Context, id, key, etag string) error {
	const op = "delete thread"
	tk := tombstoneKey(id)
	present := true
	attrs, err := s.b.Stat(ctx, key)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		present = false
	case err != nil:
		return err
	case etag != "" && !storage.ETagsEqual(attrs.ETag, etag):
		return storage.Errorf(op, key, doc.ErrConflict, "etag %s is not the current version", etag)
	}
	pending := false
	ts, err := doc.Get[tombstone](ctx, s.docs, tk)
	switch {
	case err == nil:
		pending = !ts.Value.Done
	case !errors.Is(err, storage.ErrNotFound):
		return err
	}
	switch {
	case !present && !pending:
		return &NotFoundError{Object: assistants.ObjectThread, ID: id, Err: storage.Errorf(op, key, storage.ErrNotFound, "no thread %s", id)}
	case !present && etag != "":
		return storage.Errorf(op, key, doc.ErrConflict, "thread %s is being deleted", id)
	}
	wrote := false
	if !pending {
		if _, err := doc.Put(ctx, s.docs, tk, tombstone{ThreadID: id, DeletedAt: s.unixNow()},
			&doc.WriteOptions{Type: typeTombstone}); err != nil {
			return storage.Wrap(op, key, nil, err)
		}
		wrote = true
	}
	err = doc.Delete(ctx, s.docs, key, etag)
	switch {
	case errors.Is(err, storage.ErrPreconditionFailed) && wrote:
		// The thread changed: this delete does not happen.
		_ = doc.Delete(context.WithoutCancel(ctx), s.docs, tk, "")
		return err
	case err != nil && !errors.Is(err, storage.ErrNotFound):
		return err
	}
	return s.finishThreadDelete(ctx, id)
}

// finishThreadDelete runs steps 3 and 4 of the thread delete protocol.
func (s *DB) finishThreadDelete(ctx context.Context, id string) error {
	if err := s.deleteChildren(ctx, id); err != nil {
		return storage.Wrap("delete thread", threadKey(id), nil, err)
	}
	if err := deleteQuietly(ctx, s.b, threadScope().marker(id)); err != nil {
		return storage.Wrap("delete thread", threadKey(id), nil, err)
	}
	_, err := doc.Put(ctx, s.docs, tombstoneKey(id), tombstone{ThreadID: id, DeletedAt: s.unixNow(), Done: true},
		&doc.WriteOptions{Type: typeTombstone, TTL: s.opts.TombstoneTTL})
	return err
}

// childRoots are the prefixes under which threads have children, each
// followed by a thread id and "/".
var childRoots = []string{
	MessagesPrefix, StepsPrefix, RunsPrefix,
	indexDir(MessagesPrefix), indexDir(StepsPrefix), indexDir(RunsPrefix),
}

// childPrefixes returns the prefixes of a thread's children (thread is
// a validated id): documents first, then their markers.
func childPrefixes(thread string) []string {
	out := make([]string, len(childRoots))
	for i, root := range childRoots {
		out[i] = childDir(root, thread)
	}
	return out
}

// deleteChildren deletes every child object of the thread, documents
// before markers, and its active-run lock.
func (s *DB) deleteChildren(ctx context.Context, thread string) error {
	for _, p := range childPrefixes(thread) {
		if _, err := s.deletePrefix(ctx, p); err != nil {
			return err
		}
	}
	return deleteQuietly(ctx, s.b, lockKey(thread))
}

// deletePrefix deletes every object under prefix, a page at a time, the
// deletes of a page in one bounded wave, and returns how many it
// deleted. Objects that vanish meanwhile are not errors.
func (s *DB) deletePrefix(ctx context.Context, prefix string) (int, error) {
	var n atomic.Int64
	for page, err := range storage.Pages(ctx, s.b, &storage.ListOptions{Prefix: prefix}) {
		if err != nil {
			return int(n.Load()), err
		}
		err := wave(ctx, len(page.Objects), s.opts.Concurrency, func(ctx context.Context, i int) error {
			err := s.b.Delete(ctx, page.Objects[i].Key, nil)
			switch {
			case err == nil:
				n.Add(1)
			case !errors.Is(err, storage.ErrNotFound):
				return err
			}
			return nil
		})
		if err != nil {
			return int(n.Load()), err
		}
	}
	return int(n.Load()), nil
}

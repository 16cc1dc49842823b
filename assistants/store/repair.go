package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/r2kit/r2kit/assistants"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
)

// RepairOptions configures Repair. The zero value gives the defaults.
type RepairOptions struct {
	// Grace protects objects younger than it: a marker without its
	// entity or a blob without its file object may belong to a create in
	// progress. Zero means 10 minutes.
	Grace time.Duration
	// Expired also deletes expired documents and blobs of every entity
	// type (storage.Sweep: one Stat per object) before the repairs.
	Expired bool
}

// RepairResult counts what Repair did.
type RepairResult struct {
	// Expired objects deleted (with RepairOptions.Expired).
	Expired int
	// ThreadDeletes are interrupted thread deletes finished.
	ThreadDeletes int
	// Orphans are objects of threads (or runs) that no longer exist
	// deleted (creates that raced a thread delete, children of expired
	// threads, steps of deleted runs), locks included.
	Orphans int
	// OrphanMarkers are index markers without their entity deleted.
	OrphanMarkers int
	// MissingMarkers are index markers written for entities that had
	// none (an interrupted write, or data written by the TypeScript
	// seed, which has no index).
	MissingMarkers int
	// OrphanBlobs are file bytes without a file object deleted.
	OrphanBlobs int
	// StaleLocks are active-run locks of terminal or vanished runs
	// released.
	StaleLocks int
}

// Repair brings the bucket back to the invariants the stores keep,
// after crashes and interrupted operations; it is safe to run at any
// time, concurrently with the stores and with other Repairs. In order:
//
//  1. with opts.Expired, delete expired documents and blobs; expired
//     tombstones of deleted threads are always deleted;
//  2. finish interrupted thread deletes (pending tombstones);
//  3. delete the children, markers and lock of threads that do not
//     exist (a message created concurrently with its thread's delete
//     whose creator died before undoing it), and the steps of runs that
//     do not exist (an interrupted run delete);
//  4. reconcile the desc index with the entities of every listed
//     collection: delete markers older than opts.Grace whose entity is
//     missing, write the markers that entities lack;
//  5. delete blobs older than opts.Grace that have no file object (an
//     interrupted file delete or upload);
//  6. release active-run locks that are stale (their run is terminal,
//     or missing for longer than Options.LockGrace).
//
// Cost: about one List call per 1,000 objects of the bucket, one Stat
// per thread that has children and per run that has steps, one Get per
// lock and per tombstone, and a write per repair; with opts.Expired one
// Stat per object more.
// Repair goes on after a failure and returns the first error with the
// counts. opts may be nil.
func (s *DB) Repair(ctx context.Context, opts *RepairOptions) (RepairResult, error) {
	o := RepairOptions{}
	if opts != nil {
		o = *opts
	}
	if o.Grace <= 0 {
		o.Grace = 10 * time.Minute
	}
	rp := &repair{s: s, grace: o.Grace}
	steps := []func(context.Context) error{
		func(ctx context.Context) error { return rp.sweep(ctx, o.Expired) },
		rp.tombstones,
		rp.orphanThreads,
		rp.indexes,
		rp.blobs,
		rp.locks,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			rp.fail(err)
			if ctx.Err() != nil {
				break
			}
		}
	}
	return rp.result(), rp.first
}

// repair is the state of one Repair.
type repair struct {
	s     *DB
	grace time.Duration

	expired, threadDeletes, orphans, orphanMarkers, missingMarkers, orphanBlobs, staleLocks atomic.Int64

	mu    sync.Mutex
	first error
	live  []string // threads with children that exist, for indexes
}

func (rp *repair) fail(err error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.first == nil {
		rp.first = err
	}
}

func (rp *repair) result() RepairResult {
	return RepairResult{
		Expired: int(rp.expired.Load()), ThreadDeletes: int(rp.threadDeletes.Load()),
		Orphans: int(rp.orphans.Load()), OrphanMarkers: int(rp.orphanMarkers.Load()),
		MissingMarkers: int(rp.missingMarkers.Load()), OrphanBlobs: int(rp.orphanBlobs.Load()),
		StaleLocks: int(rp.staleLocks.Load()),
	}
}

// old reports whether an object last written at t is past the grace.
func (rp *repair) old(t time.Time) bool { return rp.s.now().Sub(t) >= rp.grace }

// sweep deletes expired objects: tombstones always, entities if all.
func (rp *repair) sweep(ctx context.Context, all bool) error {
	prefixes := []string{TombstonesPrefix}
	if all {
		prefixes = append(prefixes, AssistantsPrefix, ThreadsPrefix, MessagesPrefix, RunsPrefix,
			StepsPrefix, FilesPrefix, BlobsPrefix, ToolsPrefix)
	}
	for _, p := range prefixes {
		res, err := storage.Sweep(ctx, rp.s.b, p, &storage.SweepOptions{Now: rp.s.opts.Now, Concurrency: rp.s.opts.Concurrency})
		rp.expired.Add(int64(res.Deleted))
		if err != nil {
			return err
		}
	}
	return nil
}

// tombstones finishes the thread deletes whose tombstone is pending.
func (rp *repair) tombstones(ctx context.Context) error {
	keys, err := listKeys(ctx, rp.s.b, TombstonesPrefix)
	if err != nil {
		return err
	}
	return wave(ctx, len(keys), rp.s.opts.Concurrency, func(ctx context.Context, i int) error {
		id, ok := IDFromKey(TombstonesPrefix, keys[i].Key)
		if !ok || assistants.ParseID(assistants.PrefixThread, id) != nil {
			return nil
		}
		ts, err := doc.Get[tombstone](ctx, rp.s.docs, keys[i].Key)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			return nil
		case err != nil:
			return err
		case ts.Value.Done:
			return nil
		}
		if err := deleteQuietly(ctx, rp.s.b, threadKey(id)); err != nil {
			return err
		}
		if err := rp.s.finishThreadDelete(ctx, id); err != nil {
			return err
		}
		rp.threadDeletes.Add(1)
		return nil
	})
}

// orphanThreads deletes the children of threads that do not exist, and
// records the threads that do for indexes.
func (rp *repair) orphanThreads(ctx context.Context) error {
	threads := map[string]bool{}
	for _, p := range childRoots {
		ids, err := listDirs(ctx, rp.s.b, p, assistants.PrefixThread)
		if err != nil {
			return err
		}
		for _, id := range ids {
			threads[id] = true
		}
	}
	locks, err := listKeys(ctx, rp.s.b, ActiveRunLocksPrefix)
	if err != nil {
		return err
	}
	for _, a := range locks {
		if id, ok := IDFromKey(ActiveRunLocksPrefix, a.Key); ok && assistants.ParseID(assistants.PrefixThread, id) == nil {
			threads[id] = true
		}
	}
	ids := make([]string, 0, len(threads))
	for id := range threads {
		ids = append(ids, id)
	}
	return wave(ctx, len(ids), rp.s.opts.Concurrency, func(ctx context.Context, i int) error {
		id := ids[i]
		ok, err := doc.Exists(ctx, rp.s.docs, threadKey(id))
		if err != nil {
			return err
		}
		if ok {
			rp.mu.Lock()
			rp.live = append(rp.live, id)
			rp.mu.Unlock()
			return nil
		}
		n := 0
		for _, p := range childPrefixes(id) {
			m, err := rp.s.deletePrefix(ctx, p)
			n += m
			if err != nil {
				rp.orphans.Add(int64(n))
				return err
			}
		}
		if err := rp.s.b.Delete(ctx, lockKey(id), nil); err == nil {
			n++
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		rp.orphans.Add(int64(n))
		return nil
	})
}

// indexes reconciles the desc index of every listed collection, and
// deletes the steps of runs that no longer exist (an interrupted run
// delete).
func (rp *repair) indexes(ctx context.Context) error {
	var (
		mu     sync.Mutex
		scopes = []scope{assistantScope(), fileScope(), threadScope()}
	)
	err := wave(ctx, len(rp.live), rp.s.opts.Concurrency, func(ctx context.Context, i int) error {
		t := rp.live[i]
		found := []scope{messageScope(t), runScope(t)}
		runs := map[string]bool{}
		for _, p := range []string{childDir(StepsPrefix, t), indexDir(childDir(StepsPrefix, t))} {
			ids, err := listDirs(ctx, rp.s.b, p, assistants.PrefixRun)
			if err != nil {
				return err
			}
			for _, r := range ids {
				runs[r] = true
			}
		}
		for r := range runs {
			sc := stepScope(t, r)
			ok, err := doc.Exists(ctx, rp.s.docs, childKey(childDir(RunsPrefix, t), r))
			if err != nil {
				return err
			}
			if ok {
				found = append(found, sc)
				continue
			}
			for _, p := range []string{sc.dir, sc.indexDir()} {
				n, err := rp.s.deletePrefix(ctx, p)
				rp.orphans.Add(int64(n))
				if err != nil {
					return err
				}
			}
		}
		mu.Lock()
		scopes = append(scopes, found...)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	return wave(ctx, len(scopes), rp.s.opts.Concurrency, func(ctx context.Context, i int) error {
		return rp.reconcile(ctx, scopes[i])
	})
}

// reconcile makes the markers of sc match its entities.
func (rp *repair) reconcile(ctx context.Context, sc scope) error {
	markers, err := listKeys(ctx, rp.s.b, sc.indexDir())
	if err != nil {
		return err
	}
	entities, err := listKeys(ctx, rp.s.b, sc.dir)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, a := range entities {
		if id, ok := sc.idAt(assistants.OrderAsc, a.Key); ok {
			have[id] = true
		}
	}
	var fixes []func(context.Context) error
	for _, a := range markers {
		id, ok := sc.idAt(assistants.OrderDesc, a.Key)
		if ok && have[id] {
			delete(have, id)
			continue
		}
		if !rp.old(a.ModTime) {
			continue
		}
		key, etag := a.Key, a.ETag
		fixes = append(fixes, func(ctx context.Context) error {
			err := rp.s.b.Delete(ctx, key, &storage.DeleteOptions{IfMatch: etag})
			if err == nil {
				rp.orphanMarkers.Add(1)
			}
			return ignoreGone(err)
		})
	}
	for id := range have {
		fixes = append(fixes, func(ctx context.Context) error {
			if err := rp.s.putMarker(ctx, "repair index", sc.entityKey(id), sc.marker(id)); err != nil {
				return err
			}
			rp.missingMarkers.Add(1)
			return nil
		})
	}
	return wave(ctx, len(fixes), rp.s.opts.Concurrency, func(ctx context.Context, i int) error {
		return fixes[i](ctx)
	})
}

// blobs deletes file bytes that have no file object.
func (rp *repair) blobs(ctx context.Context) error {
	blobs, err := listKeys(ctx, rp.s.b, BlobsPrefix)
	if err != nil {
		return err
	}
	files, err := listKeys(ctx, rp.s.b, FilesPrefix)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, a := range files {
		if id, ok := IDFromKey(FilesPrefix, a.Key); ok {
			have[id] = true
		}
	}
	var orphans []*storage.Attrs
	for _, a := range blobs {
		id, ok := IDFromKey(BlobsPrefix, a.Key)
		if ok && !have[id] && assistants.ParseID(assistants.PrefixFile, id) == nil && rp.old(a.ModTime) {
			orphans = append(orphans, a)
		}
	}
	return wave(ctx, len(orphans), rp.s.opts.Concurrency, func(ctx context.Context, i int) error {
		err := rp.s.b.Delete(ctx, orphans[i].Key, &storage.DeleteOptions{IfMatch: orphans[i].ETag})
		if err == nil {
			rp.orphanBlobs.Add(1)
		}
		return ignoreGone(err)
	})
}

// locks releases stale active-run locks.
func (rp *repair) locks(ctx context.Context) error {
	keys, err := listKeys(ctx, rp.s.b, ActiveRunLocksPrefix)
	if err != nil {
		return err
	}
	return wave(ctx, len(keys), rp.s.opts.Concurrency, func(ctx context.Context, i int) error {
		id, ok := IDFromKey(ActiveRunLocksPrefix, keys[i].Key)
		if !ok || assistants.ParseID(assistants.PrefixThread, id) != nil {
			return nil
		}
		cur, err := doc.Get[activeRunLock](ctx, rp.s.docs, keys[i].Key)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			return nil
		case err != nil:
			return err
		}
		stale, err := rp.s.staleLock(ctx, id, &cur.Value)
		if err != nil || !stale {
			return err
		}
		err = doc.Delete(ctx, rp.s.docs, keys[i].Key, cur.ETag)
		if err == nil {
			rp.staleLocks.Add(1)
		}
		return ignoreGone(err)
	})
}

// ignoreGone drops the errors of a conditional delete that found the
// object gone or changed: someone else acted first.
func ignoreGone(err error) error {
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrPreconditionFailed) {
		return nil
	}
	return err
}

// listKeys lists every object under prefix.
func listKeys(ctx context.Context, b storage.Bucket, prefix string) ([]*storage.Attrs, error) {
	var out []*storage.Attrs
	for a, err := range storage.Objects(ctx, b, &storage.ListOptions{Prefix: prefix}) {
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// listDirs returns the valid ids (with idPrefix) that name a "directory"
// directly under prefix: the X of prefix+X+"/...".
func listDirs(ctx context.Context, b storage.Bucket, prefix, idPrefix string) ([]string, error) {
	var out []string
	for page, err := range storage.Pages(ctx, b, &storage.ListOptions{Prefix: prefix, Delimiter: "/"}) {
		if err != nil {
			return nil, err
		}
		for _, p := range page.Prefixes {
			id := strings.TrimSuffix(strings.TrimPrefix(p, prefix), "/")
			if assistants.ParseID(idPrefix, id) == nil {
				out = append(out, id)
			}
		}
	}
	return out, nil
}

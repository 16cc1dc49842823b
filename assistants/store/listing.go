package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/r2kit/r2kit/assistants"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
)

// Listing.
//
// A page is read in rounds. A round is one List call, in the travel
// order, starting after the cursor, for as many keys as the page still
// needs, then one wave of Gets of those keys in parallel (at most
// Options.Concurrency in flight). A page of limit n needs n+1
// entities (the last one only tells has_more), so an unfiltered page is
// one round: one List call and n+1 Gets, whatever the collection's
// length, in both orders, plus one Stat of the parent (thread or run)
// made in parallel. Another round is needed only when listed keys turn
// out to have no live entity (a marker whose entity is being created or
// was deleted by an interrupted delete, an expired entity): the page
// then lists on from the last key, for twice the entities still needed.
//
// Travel order: after (or no cursor) lists the requested order from the
// cursor on; before lists the reverse order from the cursor on and the
// page is reversed, so that it is "the page right before the cursor" in
// the requested order. has_more says whether more entities follow in
// the direction of travel: after the page's last item for after (or no
// cursor), before its first item for before. With both cursors, the
// page follows after and stops before before.
//
// Filtered listings (messages by run_id, files by purpose) filter after
// the Gets, so they read entities that do not match: rounds of at least
// filterBatch keys, doubling up to storage.MaxListLimit, until the page
// is full or the collection ends. A run_id filter is bounded in time:
// a run's messages are created after the run, so entities whose
// generated id is older than the run (less runClockSkew) are skipped
// without a Get (asc starts after them, desc stops at them). The cost is
// then about one Get per message created since the run began.

// filterBatch is the smallest round of a filtered listing.
const filterBatch = 100

// runClockSkew is how much older than its run a message of the run may
// look, when the machines' clocks differ.
const runClockSkew = 10 * time.Minute

// MessageListParams are the query parameters of a message listing.
type MessageListParams struct {
	assistants.ListParams
	// RunID, if set, keeps only the messages created by that run.
	RunID string
}

// query is one page request of the generic listing.
type query[T any] struct {
	sc scope
	p  assistants.ListParams // normalized
	// parent is the key that must exist for the listing to (thread or
	// run), "" for none; parentWhat names it in errors.
	parent     string
	parentWhat entity
	// keep, if set, filters the entities read.
	keep func(*T) bool
	// since, if set, skips generated ids older than it.
	since time.Time
	// idOf returns an entity's id.
	idOf func(*T) string
}

func reverseOrder(order string) string {
	if order == assistants.OrderAsc {
		return assistants.OrderDesc
	}
	return assistants.OrderAsc
}

// listPage reads one page of q (see the comment at the top of the file).
func listPage[T any](ctx context.Context, s *DB, op string, q query[T]) (assistants.List[T], error) {
	parent := make(chan error, 1)
	if q.parent == "" {
		parent <- nil
	} else {
		go func() { parent <- s.requireLive(ctx, op, q.sc.dir, q.parent, q.parentWhat) }()
	}
	out, hasMore, err := readPage(ctx, s, q)
	if perr := <-parent; perr != nil {
		return assistants.List[T]{}, perr
	}
	if err != nil {
		return assistants.List[T]{}, storage.Wrap(op, q.sc.dir, nil, err)
	}
	return assistants.NewList(out, hasMore, q.idOf), nil
}

func readPage[T any](ctx context.Context, s *DB, q query[T]) ([]T, bool, error) {
	p := q.p
	forward := p.Before == "" || p.After != ""
	travel := p.Order
	if !forward {
		travel = reverseOrder(p.Order)
	}
	lo := storage.ListOptions{Prefix: q.sc.listPrefix(travel)}
	switch {
	case p.After != "":
		lo.StartAfter = q.sc.position(travel, p.After)
	case p.Before != "":
		lo.StartAfter = q.sc.position(travel, p.Before)
	}
	end := ""
	if p.After != "" && p.Before != "" {
		end = q.sc.position(travel, p.Before)
	}
	if !q.since.IsZero() && travel == assistants.OrderAsc {
		lo.StartAfter = max(lo.StartAfter, q.sc.dir+q.sc.prefix+idSuffixAt(q.since))
	}
	want := p.Limit + 1
	batch := want
	if q.keep != nil {
		batch = max(want, filterBatch)
	}
	var out []T
	for {
		lo.Limit = min(batch, storage.MaxListLimit)
		ids, done, err := listIDs(ctx, s.b, q, travel, &lo, end)
		if err != nil {
			return nil, false, err
		}
		vals, err := getAll[T](ctx, s, q.sc, ids)
		if err != nil {
			return nil, false, err
		}
		for _, v := range vals {
			if v == nil || q.keep != nil && !q.keep(v) {
				continue
			}
			out = append(out, *v)
			if len(out) == want {
				break
			}
		}
		if len(out) >= want || done {
			break
		}
		if q.keep == nil {
			batch = 2 * (want - len(out)) // some keys had no entity
		} else {
			batch *= 2
		}
		batch = min(batch, storage.MaxListLimit)
	}
	hasMore := len(out) > p.Limit
	if hasMore {
		out = out[:p.Limit]
	}
	if !forward {
		slices.Reverse(out)
	}
	return out, hasMore, nil
}

// listIDs makes one List call and returns the ids of the listed keys,
// advancing lo.StartAfter past them. done reports that nothing can
// follow: the listing ended, or reached end or the since bound.
func listIDs[T any](ctx context.Context, b storage.Bucket, q query[T], travel string, lo *storage.ListOptions, end string) (ids []string, done bool, err error) {
	page, err := b.List(ctx, lo)
	if err != nil {
		return nil, false, err
	}
	done = page.NextToken == "" || len(page.Objects) == 0
	for _, a := range page.Objects {
		if end != "" && a.Key >= end {
			return ids, true, nil
		}
		lo.StartAfter = a.Key
		id, ok := q.sc.idAt(travel, a.Key)
		if !ok {
			continue
		}
		if !q.since.IsZero() {
			if t, ok := assistants.IDTime(q.sc.prefix, id); ok && t.Before(q.since) {
				if travel == assistants.OrderDesc {
					return ids, true, nil // all that follow are older
				}
				continue
			}
		}
		ids = append(ids, id)
	}
	return ids, done, nil
}

// getAll reads the entities with ids in one wave of parallel Gets. A
// missing or expired entity is a nil value.
func getAll[T any](ctx context.Context, s *DB, sc scope, ids []string) ([]*T, error) {
	vals := make([]*T, len(ids))
	err := wave(ctx, len(ids), s.opts.Concurrency, func(ctx context.Context, i int) error {
		d, err := doc.Get[T](ctx, s.docs, sc.entityKey(ids[i]))
		switch {
		case errors.Is(err, storage.ErrNotFound):
			return nil
		case err != nil:
			return err
		}
		vals[i] = &d.Value
		return nil
	})
	return vals, err
}

// idSuffixAt returns the smallest generated id suffix of the
// millisecond of t: every generated id made before t sorts below it.
func idSuffixAt(t time.Time) string { return assistants.FirstIDAt("", t) }

// runSince returns the time before which no message of run was
// created, or zero if run's id carries no time.
func runSince(run string) time.Time {
	t, ok := assistants.IDTime(assistants.PrefixRun, run)
	if !ok {
		return time.Time{}
	}
	return t.Add(-runClockSkew)
}

package store_test

import (
	"slices"
	"testing"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
)

func threadID(t *assistants.Thread) string { return t.ID }

// walkThreads lists every page of threads in order, with limit, forward
// (after cursors), and returns the ids and the number of pages.
func walkThreads(t *testing.T, s *store.DB, order string, limit int) (got []string, pages int) {
	t.Helper()
	p := assistants.ListParams{Order: order, Limit: limit}
	for {
		l, err := s.Threads.List(t.Context(), p)
		if err != nil {
			t.Fatalf("list threads %+v: %v", p, err)
		}
		pages++
		got = append(got, ids(l, threadID)...)
		if !l.HasMore {
			return got, pages
		}
		if l.LastID == nil {
			t.Fatalf("page %d has more but no last_id", pages)
		}
		p.After = *l.LastID
	}
}

// TestThreadList: threads are listed newest first by default, paged with
// after and before cursors, in both orders, on every backend.
func TestThreadList(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		s := store.Open(newBucket(t), nil)
		var created []string
		for range 23 {
			created = append(created, mustThread(t, s))
		}
		asc := slices.Sorted(slices.Values(created))
		if !slices.Equal(asc, created) {
			t.Fatalf("ids are not in creation order: %v", created)
		}
		got, pages := walkThreads(t, s, "", 10)
		if want := reversed(created); !slices.Equal(got, want) || pages != 3 {
			t.Fatalf("desc walk: %d pages %v, want 3 pages %v", pages, got, want)
		}
		got, pages = walkThreads(t, s, assistants.OrderAsc, 10)
		if !slices.Equal(got, created) || pages != 3 {
			t.Fatalf("asc walk: %d pages %v, want 3 pages %v", pages, got, created)
		}

		// before: the page right before a cursor, in the requested order.
		l, err := s.Threads.List(t.Context(), assistants.ListParams{Limit: 5, Before: created[10]})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(l, threadID), reversed(created[11:16])) {
			t.Fatalf("before %s: %v, want %v", created[10], ids(l, threadID), reversed(created[11:16]))
		}
		if !l.HasMore {
			t.Fatalf("before page: has_more false, newer threads exist")
		}

		// A deleted thread leaves the listing and its marker goes with it.
		for _, id := range created[:20] {
			if err := s.Threads.Delete(t.Context(), id, ""); err != nil {
				t.Fatalf("delete %s: %v", id, err)
			}
		}
		got, _ = walkThreads(t, s, "", 2)
		if want := reversed(created[20:]); !slices.Equal(got, want) {
			t.Fatalf("after deletes: %v, want %v", got, want)
		}
	})
}

// TestThreadListMarkers: each thread has one desc marker, its delete
// removes it, and Repair writes the markers of threads stored before
// r2kit wrote them.
func TestThreadListMarkers(t *testing.T) {
	b := memstore.New()
	s := store.Open(b, nil)
	a, c := mustThread(t, s), mustThread(t, s)
	idx := store.IndexPrefix + store.ThreadsPrefix
	if n := len(keysUnder(t, b, idx)); n != 2 {
		t.Fatalf("%d thread markers, want 2: %v", n, keysUnder(t, b, idx))
	}
	if err := s.Threads.Delete(t.Context(), a, ""); err != nil {
		t.Fatal(err)
	}
	markers := keysUnder(t, b, idx)
	if len(markers) != 1 {
		t.Fatalf("after delete: markers %v, want 1", markers)
	}
	// A thread from before the index: no marker, so not listed desc.
	if err := b.Delete(t.Context(), markers[0], nil); err != nil {
		t.Fatal(err)
	}
	if l, err := s.Threads.List(t.Context(), assistants.ListParams{}); err != nil || len(l.Data) != 0 {
		t.Fatalf("list without markers: %v %v, want empty", ids(l, threadID), err)
	}
	res, err := s.Repair(t.Context(), nil)
	if err != nil {
		t.Fatalf("repair: %v", err)
	}
	if res.MissingMarkers != 1 {
		t.Fatalf("repair wrote %d markers, want 1", res.MissingMarkers)
	}
	l, err := s.Threads.List(t.Context(), assistants.ListParams{})
	if err != nil || !slices.Equal(ids(l, threadID), []string{c}) {
		t.Fatalf("list after repair: %v %v, want [%s]", ids(l, threadID), err, c)
	}
}

// TestThreadListInvalid: bad cursors and limits are validation errors.
func TestThreadListInvalid(t *testing.T) {
	s := store.Open(memstore.New(), nil)
	for _, p := range []assistants.ListParams{
		{Limit: 101}, {Limit: -1}, {Order: "up"}, {After: "asst_1"}, {Before: "thread_a/b"},
	} {
		if _, err := s.Threads.List(t.Context(), p); err == nil {
			t.Errorf("list %+v: no error", p)
		}
	}
}

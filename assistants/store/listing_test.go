package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/faultstore"
	"github.com/r2kit/r2kit/storage/memstore"
)

// TestListConcurrentCreates creates 16 x 25 messages concurrently in
// one thread and walks every listing of them: pages of 1, 7 and 100, in
// both orders, forward with after and backward with before.
func TestListConcurrentCreates(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		t.Parallel() // the backends side by side: the walks are long
		ctx := t.Context()
		s := store.Open(newBucket(t), nil)
		thread := mustThread(t, s)
		const writers, each = 16, 25
		var (
			mu      sync.Mutex
			created []string
			wg      sync.WaitGroup
		)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					d, err := s.Messages.Create(ctx, thread, userText(fmt.Sprintf("writer %d message %d", w, i)))
					if err != nil {
						t.Errorf("create: %v", err)
						return
					}
					mu.Lock()
					created = append(created, d.Value.ID)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		// Ids are issued in creation order; sorted they are that order.
		asc := slices.Sorted(slices.Values(created))
		if len(slices.Compact(slices.Clone(asc))) != writers*each {
			t.Fatalf("%d distinct ids, want %d", len(slices.Compact(slices.Clone(asc))), writers*each)
		}
		for _, order := range []string{assistants.OrderAsc, assistants.OrderDesc} {
			want := asc
			if order == assistants.OrderDesc {
				want = reversed(asc)
			}
			for _, limit := range []int{1, 7, 100} {
				t.Run(fmt.Sprintf("%s/limit=%d", order, limit), func(t *testing.T) {
					t.Parallel()
					walkForward(t, s, thread, order, limit, want)
					walkBackward(t, s, thread, order, limit, want)
				})
			}
		}
		t.Run("default order is desc", func(t *testing.T) {
			l, err := s.Messages.List(ctx, thread, store.MessageListParams{})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(l, msgID); !slices.Equal(got, reversed(asc)[:20]) || !l.HasMore {
				t.Fatalf("default page = %q (has_more %v), want the 20 newest", got, l.HasMore)
			}
		})
	})
}

// walkForward pages through the thread with after cursors and checks
// every page against want (all ids in the order).
func walkForward(t *testing.T, s *store.DB, thread, order string, limit int, want []string) {
	t.Helper()
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > len(want)+1 {
			t.Fatalf("walk did not end after %d pages", pages)
		}
		l, err := s.Messages.List(t.Context(), thread, store.MessageListParams{
			ListParams: assistants.ListParams{Limit: limit, Order: order, After: after}})
		if err != nil {
			t.Fatalf("page after %q: %v", after, err)
		}
		page := ids(l, msgID)
		checkPage(t, l, page, limit)
		got = append(got, page...)
		if wantMore := len(got) < len(want); l.HasMore != wantMore {
			t.Fatalf("page after %q: has_more %v, want %v (%d of %d listed)", after, l.HasMore, wantMore, len(got), len(want))
		}
		if !l.HasMore {
			break
		}
		after = *l.LastID
	}
	if !slices.Equal(got, want) {
		t.Fatalf("forward walk (%s, limit %d) listed %d ids, not the %d created in order", order, limit, len(got), len(want))
	}
}

// walkBackward pages from the last id back to the first with before
// cursors: each page is the one right before the cursor, in order.
func walkBackward(t *testing.T, s *store.DB, thread, order string, limit int, want []string) {
	t.Helper()
	var got []string
	before := want[len(want)-1]
	for pages := 0; ; pages++ {
		if pages > len(want)+1 {
			t.Fatalf("walk did not end after %d pages", pages)
		}
		l, err := s.Messages.List(t.Context(), thread, store.MessageListParams{
			ListParams: assistants.ListParams{Limit: limit, Order: order, Before: before}})
		if err != nil {
			t.Fatalf("page before %q: %v", before, err)
		}
		page := ids(l, msgID)
		checkPage(t, l, page, limit)
		got = append(page, got...)
		if wantMore := len(got) < len(want)-1; l.HasMore != wantMore {
			t.Fatalf("page before %q: has_more %v, want %v", before, l.HasMore, wantMore)
		}
		if !l.HasMore {
			break
		}
		before = *l.FirstID
	}
	if !slices.Equal(got, want[:len(want)-1]) {
		t.Fatalf("backward walk (%s, limit %d) listed %d ids, not the %d before the last in order", order, limit, len(got), len(want)-1)
	}
}

// checkPage checks a page's size and first_id/last_id.
func checkPage[T any](t *testing.T, l assistants.List[T], page []string, limit int) {
	t.Helper()
	switch {
	case len(page) > limit:
		t.Fatalf("page of %d items, limit %d", len(page), limit)
	case len(page) == 0 && (l.FirstID != nil || l.LastID != nil):
		t.Fatalf("empty page with first_id %v last_id %v", l.FirstID, l.LastID)
	case len(page) > 0 && (l.FirstID == nil || *l.FirstID != page[0] || l.LastID == nil || *l.LastID != page[len(page)-1]):
		t.Fatalf("first_id/last_id do not match the page %q", page)
	}
}

// TestListCursors checks the page semantics at the edges: both cursors,
// a cursor at either end, an empty thread, a deleted cursor.
func TestListCursors(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		s := store.Open(newBucket(t), nil)
		thread := mustThread(t, s)
		list := func(p assistants.ListParams) ([]string, bool) {
			t.Helper()
			l, err := s.Messages.List(ctx, thread, store.MessageListParams{ListParams: p})
			if err != nil {
				t.Fatalf("List(%+v): %v", p, err)
			}
			page := ids(l, msgID)
			checkPage(t, l, page, max(p.Limit, 20))
			return page, l.HasMore
		}
		if page, more := list(assistants.ListParams{}); len(page) != 0 || more {
			t.Fatalf("empty thread: %q, %v", page, more)
		}
		var asc []string
		for i := range 30 {
			d, err := s.Messages.Create(ctx, thread, userText(fmt.Sprint(i)))
			if err != nil {
				t.Fatal(err)
			}
			asc = append(asc, d.Value.ID)
		}
		desc := reversed(asc)
		cases := []struct {
			name     string
			p        assistants.ListParams
			want     []string
			wantMore bool
		}{
			{"asc between", assistants.ListParams{Order: "asc", After: asc[10], Before: asc[20]}, asc[11:20], false},
			{"asc between, limited", assistants.ListParams{Order: "asc", After: asc[10], Before: asc[20], Limit: 5}, asc[11:16], true},
			{"desc between", assistants.ListParams{Order: "desc", After: asc[20], Before: asc[10]}, desc[10:19], false},
			{"asc before", assistants.ListParams{Order: "asc", Before: asc[20], Limit: 5}, asc[15:20], true},
			{"desc before", assistants.ListParams{Order: "desc", Before: asc[10], Limit: 5}, desc[14:19], true},
			{"asc after the last", assistants.ListParams{Order: "asc", After: asc[29]}, nil, false},
			{"desc after the oldest", assistants.ListParams{After: asc[0]}, nil, false},
			{"asc before the first", assistants.ListParams{Order: "asc", Before: asc[0]}, nil, false},
			{"asc before the third", assistants.ListParams{Order: "asc", Before: asc[2]}, asc[:2], false},
			{"desc first page", assistants.ListParams{Limit: 30}, desc, false},
			{"desc first page, one short", assistants.ListParams{Limit: 29}, desc[:29], true},
		}
		for _, c := range cases {
			page, more := list(c.p)
			if !slices.Equal(page, c.want) || more != c.wantMore {
				t.Errorf("%s: got %d ids (has_more %v), want %d (has_more %v)", c.name, len(page), more, len(c.want), c.wantMore)
			}
		}
		// A cursor whose message was deleted still places the page.
		if err := s.Messages.Delete(ctx, thread, asc[5], ""); err != nil {
			t.Fatal(err)
		}
		if page, _ := list(assistants.ListParams{Order: "asc", After: asc[5], Limit: 3}); !slices.Equal(page, asc[6:9]) {
			t.Errorf("after a deleted cursor: %q, want %q", page, asc[6:9])
		}
		if page, _ := list(assistants.ListParams{Order: "desc", After: asc[5], Limit: 3}); !slices.Equal(page, reversed(asc[2:5])) {
			t.Errorf("desc after a deleted cursor: %q", page)
		}
	})
}

// TestListRunFilter lists a run's messages among others.
func TestListRunFilter(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		s := store.Open(newBucket(t), nil)
		thread := mustThread(t, s)
		for range 5 {
			if _, err := s.Messages.Create(ctx, thread, userText("before the run")); err != nil {
				t.Fatal(err)
			}
		}
		// An ended run (imported): a thread with an active run takes no
		// message through Create.
		run := newRun(thread)
		run.Status, run.CompletedAt = assistants.RunCompleted, assistants.Ptr(run.CreatedAt)
		if _, err := s.Runs.Create(ctx, run); err != nil {
			t.Fatal(err)
		}
		var mine []string
		for i := range 40 {
			d, err := s.Messages.Create(ctx, thread, userText("x"))
			if err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 {
				d, err = s.Messages.Update(ctx, thread, d.Value.ID, func(m *assistants.Message) error {
					m.RunID = assistants.Ptr(run.ID)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				mine = append(mine, d.Value.ID)
			}
		}
		for _, order := range []string{"asc", "desc"} {
			want := mine
			if order == "desc" {
				want = reversed(mine)
			}
			var got []string
			after := ""
			for {
				l, err := s.Messages.List(ctx, thread, store.MessageListParams{RunID: run.ID,
					ListParams: assistants.ListParams{Order: order, Limit: 4, After: after}})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ids(l, msgID)...)
				if !l.HasMore {
					break
				}
				after = *l.LastID
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: run_id filter listed %q, want %q", order, got, want)
			}
		}
		other := assistants.NewID(assistants.PrefixRun)
		l, err := s.Messages.List(ctx, thread, store.MessageListParams{RunID: other})
		if err != nil || len(l.Data) != 0 || l.HasMore {
			t.Fatalf("filter by a run without messages = %+v, %v", l, err)
		}
	})
}

// TestListCost counts the requests of a first page: they do not grow
// with the thread's length, and a marker without its message (a create
// in progress) costs one more round, not a wrong page.
func TestListCost(t *testing.T) {
	ctx := t.Context()
	inner := memstore.New()
	defer inner.Close()
	b := faultstore.New(inner, 1)
	s := store.Open(b, nil)
	thread := mustThread(t, s)
	var newest string
	for n := 1; n <= 300; n++ {
		d, err := s.Messages.Create(ctx, thread, userText("m"))
		if err != nil {
			t.Fatal(err)
		}
		newest = d.Value.ID
		if n != 100 && n != 300 {
			continue
		}
		for _, order := range []string{"asc", "desc"} {
			before := b.Stats().Calls
			l, err := s.Messages.List(ctx, thread, store.MessageListParams{ListParams: assistants.ListParams{Order: order}})
			if err != nil || len(l.Data) != 20 || !l.HasMore {
				t.Fatalf("page = %d items, %v", len(l.Data), err)
			}
			after := b.Stats().Calls
			c := map[string]int{}
			for op, v := range after {
				c[op] = v - before[op]
			}
			t.Logf("%d messages, %s: %v", n, order, c)
			if c["list"] != 1 || c["get"] != 21 || c["stat"] != 1 {
				t.Errorf("%d messages, %s: %v; want 1 list, 21 gets, 1 stat", n, order, c)
			}
		}
	}
	// A marker newer than every message, whose message is not written
	// yet: skipped, and the page is still full.
	pending := assistants.NewID(assistants.PrefixMessage)
	marker := pendingMarker(t, inner, thread, pending)
	before := b.Stats().Calls
	l, err := s.Messages.List(ctx, thread, store.MessageListParams{})
	if err != nil || len(l.Data) != 20 || !l.HasMore || l.Data[0].ID != newest {
		t.Fatalf("page with a pending marker %s: %d items, first %v, %v", marker, len(l.Data), l.FirstID, err)
	}
	after := b.Stats().Calls
	if lists, gets := after["list"]-before["list"], after["get"]-before["get"]; lists != 2 || gets != 23 {
		t.Errorf("page with a pending marker: %d lists, %d gets; want 2 rounds: 21+2 gets", lists, gets)
	}
}

// pendingMarker writes the marker of message pending of thread, without
// the message, as a create in progress leaves it, and returns its key.
func pendingMarker(t *testing.T, b storage.Bucket, thread, pending string) string {
	t.Helper()
	markers := keysUnder(t, b, store.IndexPrefix+"messages/"+thread+"/")
	// Learn the marker's key from a create in a scratch store; it must
	// sort first (newest).
	scratch := memstore.New()
	defer scratch.Close()
	ss := store.Open(scratch, nil)
	th := assistants.Thread{ID: thread, CreatedAt: 1}
	if _, err := ss.Threads.Put(t.Context(), th); err != nil {
		t.Fatal(err)
	}
	m := assistants.Message{ID: pending, ThreadID: thread, Role: assistants.RoleUser, Status: assistants.MessageCompleted,
		Content: []assistants.ContentPart{assistants.TextPart("later")}}
	if _, err := ss.Messages.Put(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	key := keysUnder(t, scratch, store.IndexPrefix)[0]
	if !strings.HasPrefix(key, store.IndexPrefix) || key >= markers[0] {
		t.Fatalf("pending marker %q does not sort before %q", key, markers[0])
	}
	if _, err := b.Put(context.Background(), key, strings.NewReader(""), nil); err != nil {
		t.Fatal(err)
	}
	return key
}

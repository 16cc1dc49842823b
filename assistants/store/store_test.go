package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/faultstore"
	"github.com/r2kit/r2kit/storage/memstore"
)

func TestAssistantStore(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		b := newBucket(t)
		s := store.Open(b, nil)
		as := s.Assistants
		id := assistants.NewID(assistants.PrefixAssistant)

		d, err := as.PutIf(ctx, newAssistant(id), "")
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if d.Key != "assistants/"+id+".json" || d.ExpiresAt.IsZero() {
			t.Fatalf("create = key %q expires %v; want the seed key and the recommended TTL", d.Key, d.ExpiresAt)
		}
		if got := keysUnder(t, b, store.IndexPrefix); len(got) != 1 {
			t.Fatalf("markers after create = %q, want one", got)
		}
		if _, err := as.PutIf(ctx, newAssistant(id), ""); !errors.Is(err, doc.ErrConflict) {
			t.Fatalf("second create: err = %v, want ErrConflict", err)
		}
		g, err := as.Get(ctx, id)
		if err != nil || g.Value.ID != id || g.Value.Model != "gpt-4o" || g.ETag != d.ETag {
			t.Fatalf("Get = %+v, %v", g, err)
		}
		if ok, err := as.Exists(ctx, id); !ok || err != nil {
			t.Fatalf("Exists = %v, %v", ok, err)
		}

		// Conditional replace: the current etag wins, a stale one loses.
		a := g.Value
		a.Name = assistants.Ptr("helper")
		d2, err := as.PutIf(ctx, a, g.ETag)
		if err != nil {
			t.Fatalf("PutIf current etag: %v", err)
		}
		if _, err := as.PutIf(ctx, a, g.ETag); !errors.Is(err, doc.ErrConflict) {
			t.Fatalf("PutIf stale etag: err = %v, want ErrConflict", err)
		}

		// Update modifies, never creates, never renames.
		u, err := as.Update(ctx, id, func(a *assistants.Assistant) error {
			a.Description = assistants.Ptr("does things")
			return nil
		})
		if err != nil || *u.Value.Description != "does things" || *u.Value.Name != "helper" {
			t.Fatalf("Update = %+v, %v", u, err)
		}
		missing := assistants.NewID(assistants.PrefixAssistant)
		if _, err := as.Update(ctx, missing, func(*assistants.Assistant) error { return nil }); !errors.Is(err, doc.ErrNotFound) {
			t.Fatalf("Update missing: err = %v, want ErrNotFound", err)
		}
		if _, err := as.Update(ctx, id, func(a *assistants.Assistant) error {
			a.ID = missing
			return nil
		}); err == nil || !strings.Contains(err.Error(), "changed the object's ids") {
			t.Fatalf("Update renaming: err = %v", err)
		}

		// Validation runs before any write.
		before := allKeys(t, b)
		bad := newAssistant(assistants.NewID(assistants.PrefixAssistant))
		bad.Model = ""
		var ve *doc.ValidationError
		if _, err := as.Put(ctx, bad); !errors.As(err, &ve) || ve.Field != "model" {
			t.Fatalf("Put invalid: err = %v, want a validation error on model", err)
		}
		if _, err := as.Update(ctx, id, func(a *assistants.Assistant) error {
			a.Metadata = assistants.Metadata{strings.Repeat("k", 65): "v"}
			return nil
		}); !errors.Is(err, doc.ErrValidation) {
			t.Fatalf("Update invalid: err = %v, want ErrValidation", err)
		}
		if after := allKeys(t, b); !slices.Equal(before, after) {
			t.Fatalf("invalid writes changed the bucket: %q -> %q", before, after)
		}

		// Delete: conditional, then unconditional; marker after entity.
		if err := as.Delete(ctx, id, d.ETag); !errors.Is(err, doc.ErrConflict) {
			t.Fatalf("Delete stale etag: err = %v, want ErrConflict", err)
		}
		cur, _ := as.Get(ctx, id)
		if cur.ETag == d2.ETag {
			t.Fatal("Update did not change the etag")
		}
		if err := as.Delete(ctx, id, cur.ETag); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := as.Get(ctx, id); !errors.Is(err, doc.ErrNotFound) {
			t.Fatalf("Get deleted: err = %v", err)
		}
		if err := as.Delete(ctx, id, ""); !errors.Is(err, doc.ErrNotFound) {
			t.Fatalf("Delete again: err = %v, want ErrNotFound", err)
		}
		if got := allKeys(t, b); len(got) != 0 {
			t.Fatalf("keys left after delete: %q", got)
		}
	})
}

func TestMessageStore(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		s := store.Open(newBucket(t), nil)
		thread := mustThread(t, s)

		d, err := s.Messages.Create(ctx, thread, userText("hello"))
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		m := d.Value
		if m.ThreadID != thread || m.Status != assistants.MessageCompleted || m.Content[0].Text.Value != "hello" {
			t.Fatalf("created %+v", m)
		}
		if d.Key != "messages/"+thread+"/"+m.ID+".json" {
			t.Fatalf("key %q", d.Key)
		}
		g, err := s.Messages.Get(ctx, thread, m.ID)
		if err != nil || g.Value.ID != m.ID {
			t.Fatalf("Get = %+v, %v", g, err)
		}

		// A message in a thread that does not exist is refused.
		ghost := assistants.NewID(assistants.PrefixThread)
		if _, err := s.Messages.Create(ctx, ghost, userText("x")); !errors.Is(err, doc.ErrNotFound) || !strings.Contains(err.Error(), ghost) {
			t.Fatalf("Create in missing thread: err = %v, want ErrNotFound naming it", err)
		}
		if _, err := s.Messages.List(ctx, ghost, store.MessageListParams{}); !errors.Is(err, doc.ErrNotFound) {
			t.Fatalf("List of missing thread: err = %v, want ErrNotFound", err)
		}

		// Status changes follow the state machine.
		inProg := m
		inProg.ID = assistants.NewID(assistants.PrefixMessage)
		inProg.Status, inProg.CompletedAt, inProg.Role = assistants.MessageInProgress, nil, assistants.RoleAssistant
		if _, err := s.Messages.Put(ctx, inProg); err != nil {
			t.Fatalf("Put in_progress: %v", err)
		}
		done, err := s.Messages.Update(ctx, thread, inProg.ID, func(m *assistants.Message) error {
			m.Status = assistants.MessageCompleted
			return nil
		})
		if err != nil || done.Value.Status != assistants.MessageCompleted {
			t.Fatalf("complete: %+v, %v", done, err)
		}
		if _, err := s.Messages.Update(ctx, thread, inProg.ID, func(m *assistants.Message) error {
			m.Status = assistants.MessageInProgress
			return nil
		}); !errors.Is(err, assistants.ErrInvalidTransition) {
			t.Fatalf("completed -> in_progress: err = %v, want ErrInvalidTransition", err)
		}
		back := done.Value
		back.Status = assistants.MessageInProgress
		if _, err := s.Messages.PutIf(ctx, back, done.ETag); !errors.Is(err, assistants.ErrInvalidTransition) {
			t.Fatalf("PutIf completed -> in_progress: err = %v", err)
		}
		if _, err := s.Messages.Put(ctx, back); !errors.Is(err, assistants.ErrInvalidTransition) {
			t.Fatalf("Put completed -> in_progress: err = %v", err)
		}

		l, err := s.Messages.List(ctx, thread, store.MessageListParams{})
		if err != nil || len(l.Data) != 2 || l.Data[0].ID != inProg.ID || l.HasMore {
			t.Fatalf("List = %+v, %v", l, err)
		}
		if err := s.Messages.Delete(ctx, thread, m.ID, ""); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if ok, _ := s.Messages.Exists(ctx, thread, m.ID); ok {
			t.Fatal("deleted message exists")
		}
	})
}

func TestStepStore(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		s := store.Open(newBucket(t), nil)
		thread := mustThread(t, s)
		run := newRun(thread)
		if _, err := s.Runs.Create(ctx, run); err != nil {
			t.Fatal(err)
		}
		msg := assistants.NewID(assistants.PrefixMessage)
		var steps []string
		for range 3 {
			st := newStep(thread, run.ID, msg)
			if _, err := s.Steps.PutIf(ctx, st, ""); err != nil {
				t.Fatalf("create step: %v", err)
			}
			steps = append(steps, st.ID)
		}
		orphan := newStep(thread, assistants.NewID(assistants.PrefixRun), msg)
		if _, err := s.Steps.PutIf(ctx, orphan, ""); !errors.Is(err, doc.ErrNotFound) {
			t.Fatalf("step of a missing run: err = %v, want ErrNotFound", err)
		}
		d, err := s.Steps.Transition(ctx, thread, run.ID, steps[0], assistants.StepCompleted, nil)
		if err != nil || d.Value.CompletedAt == nil {
			t.Fatalf("Transition = %+v, %v", d, err)
		}
		if _, err := s.Steps.Transition(ctx, thread, run.ID, steps[0], assistants.StepFailed, nil); !errors.Is(err, assistants.ErrInvalidTransition) {
			t.Fatalf("completed -> failed: err = %v", err)
		}
		l, err := s.Steps.List(ctx, thread, run.ID, assistants.ListParams{Order: assistants.OrderAsc})
		if err != nil || !slices.Equal(ids(l, func(s *assistants.RunStep) string { return s.ID }), steps) {
			t.Fatalf("List = %+v, %v", l, err)
		}
		if err := s.Steps.Delete(ctx, thread, run.ID, steps[1], ""); err != nil {
			t.Fatal(err)
		}
		l, _ = s.Steps.List(ctx, thread, run.ID, assistants.ListParams{})
		if got := ids(l, func(s *assistants.RunStep) string { return s.ID }); !slices.Equal(got, []string{steps[2], steps[0]}) {
			t.Fatalf("List after delete = %q", got)
		}
	})
}

func TestToolStore(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		b := newBucket(t)
		s := store.Open(b, nil)
		tool := assistants.FunctionTool(assistants.FunctionDefinition{Name: "get_weather", Description: "weather"})
		d, err := s.Tools.PutIf(ctx, tool, "")
		if err != nil || d.Key != "tools/get_weather.json" {
			t.Fatalf("create = %+v, %v", d, err)
		}
		g, err := s.Tools.Get(ctx, "get_weather")
		if err != nil || g.Value.Function.Description != "weather" {
			t.Fatalf("Get = %+v, %v", g, err)
		}
		if _, err := s.Tools.Update(ctx, "get_weather", func(t *assistants.Tool) error {
			t.Function.Name = "other"
			return nil
		}); err == nil {
			t.Fatal("Update renamed the tool")
		}
		if _, err := s.Tools.Put(ctx, assistants.CodeInterpreterTool()); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.Tools.Exists(ctx, assistants.ToolCodeInterpreter); !ok {
			t.Fatal("code_interpreter not stored by its type")
		}
		if err := s.Tools.Delete(ctx, "get_weather", g.ETag); err != nil {
			t.Fatal(err)
		}
		if got := allKeys(t, b); !slices.Equal(got, []string{"tools/code_interpreter.json"}) {
			t.Fatalf("keys = %q", got)
		}
	})
}

func TestTTL(t *testing.T) {
	ctx := t.Context()
	clk := newClock()
	b := memstore.New()
	defer b.Close()
	s := store.Open(b, &store.Options{Now: clk.Now,
		TTL: store.TTLs{Message: time.Hour, Run: store.NoTTL}})
	thread := mustThread(t, s)
	m, err := s.Messages.Create(ctx, thread, userText("short-lived"))
	if err != nil {
		t.Fatal(err)
	}
	if want := clk.Now().Add(time.Hour); !m.ExpiresAt.Equal(want.Truncate(time.Millisecond)) {
		t.Fatalf("message expires %v, want %v", m.ExpiresAt, want)
	}
	th, _ := s.Threads.Get(ctx, thread)
	if want := clk.Now().Add(storage.RecommendedTTL("thread")); !th.ExpiresAt.Equal(want.Truncate(time.Millisecond)) {
		t.Fatalf("thread expires %v, want the recommended %v", th.ExpiresAt, want)
	}
	r, err := s.Runs.Create(ctx, newRun(thread))
	if err != nil || !r.ExpiresAt.IsZero() {
		t.Fatalf("run with NoTTL: %+v, %v", r, err)
	}

	clk.Advance(2 * time.Hour)
	if _, err := s.Messages.Get(ctx, thread, m.Value.ID); !errors.Is(err, storage.ErrExpired) {
		t.Fatalf("Get expired: err = %v, want ErrExpired", err)
	}
	l, err := s.Messages.List(ctx, thread, store.MessageListParams{})
	if err != nil || len(l.Data) != 0 || l.FirstID != nil {
		t.Fatalf("List with an expired message = %+v, %v", l, err)
	}
	res, err := s.Repair(ctx, &store.RepairOptions{Expired: true, Grace: time.Minute})
	if err != nil || res.Expired != 1 || res.OrphanMarkers != 1 {
		t.Fatalf("Repair = %+v, %v; want the message and its marker removed", res, err)
	}
	if got := keysUnder(t, b, "messages/"); len(got) != 0 {
		t.Fatalf("expired message left: %q", got)
	}

	// KeepUntilDeleted writes no expiry.
	s2 := store.Open(b, &store.Options{TTL: store.KeepUntilDeleted})
	d, err := s2.Assistants.Put(ctx, newAssistant("asst_forever"))
	if err != nil || !d.ExpiresAt.IsZero() {
		t.Fatalf("KeepUntilDeleted: %+v, %v", d, err)
	}
}

// TestWriteCost pins the requests each write makes, the desc index's
// share included.
func TestWriteCost(t *testing.T) {
	ctx := t.Context()
	inner := memstore.New()
	defer inner.Close()
	b := faultstore.New(inner, 1)
	s := store.Open(b, nil)
	thread := mustThread(t, s)
	count := func(f func()) map[string]int {
		before := b.Stats().Calls
		f()
		after := b.Stats().Calls
		out := map[string]int{}
		for op, n := range after {
			if d := n - before[op]; d > 0 {
				out[op] = d
			}
		}
		return out
	}
	var m *doc.Doc[assistants.Message]
	create := count(func() {
		var err error
		if m, err = s.Messages.Create(ctx, thread, userText("hi")); err != nil {
			t.Fatal(err)
		}
	})
	del := count(func() {
		if err := s.Messages.Delete(ctx, thread, m.Value.ID, ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("message create: %v; message delete: %v", create, del)
	if create["put"] != 2 || create["stat"] != 1 || create["get"] != 1 || len(create) != 3 {
		t.Errorf("message create = %v, want 2 puts (marker, message), then a stat of the thread and a get of its active-run lock", create)
	}
	if del["delete"] != 2 || len(del) != 1 {
		t.Errorf("message delete = %v, want 2 deletes (message, marker)", del)
	}
	list := count(func() {
		if _, err := s.Messages.List(ctx, thread, store.MessageListParams{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("empty list: %v", list)
	if list["list"] != 1 || list["stat"] != 1 {
		t.Errorf("empty list = %v, want 1 list and 1 stat", list)
	}
}

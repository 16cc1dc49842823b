package store_test

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/storage/memstore"
)

// TestRunLeaseStoredNotServed: a run's lease is written with the run
// (every write path keeps it) but is never part of its API form.
func TestRunLeaseStoredNotServed(t *testing.T) {
	ctx := t.Context()
	b := memstore.New()
	defer b.Close()
	s := store.Open(b, nil)
	thread := mustThread(t, s)
	run := newRun(thread)
	if _, err := s.Runs.Create(ctx, run); err != nil {
		t.Fatal(err)
	}
	lease := store.Lease{Owner: "w1", Until: 1, Claims: 1, Turn: 1,
		StepID: assistants.NewID(assistants.PrefixStep), MessageID: assistants.NewID(assistants.PrefixMessage)}
	d, written, err := s.Runs.UpdateLeased(ctx, thread, run.ID, func(r *assistants.Run, l *store.Lease) error {
		*l = lease
		return r.Transition(assistants.RunInProgress, 1)
	})
	if err != nil || written != lease || d.Value.Status != assistants.RunInProgress {
		t.Fatalf("update: %+v, %+v, %v", d, written, err)
	}
	// Another update keeps the lease.
	if _, err := s.Runs.Update(ctx, thread, run.ID, func(r *assistants.Run) error {
		r.Metadata = assistants.Metadata{"k": "v"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, gotLease, err := s.Runs.GetLeased(ctx, thread, run.ID)
	if err != nil || gotLease != lease || len(got.Value.Extra) != 0 {
		t.Fatalf("get: %+v (extra %v), %v", gotLease, got.Value.Extra, err)
	}
	if plain, err := s.Runs.Get(ctx, thread, run.ID); err != nil || len(plain.Value.Extra) != 0 {
		t.Fatalf("get without lease: extra %v, %v", plain.Value.Extra, err)
	}
	key, _ := store.RunKey(thread, run.ID)
	obj, err := b.Get(ctx, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if !strings.Contains(string(raw), `"r2kit_lease":{"owner":"w1"`) {
		t.Fatalf("stored run %s has no lease", raw)
	}
	wire, _ := json.Marshal(got.Value)
	page, err := s.Runs.List(ctx, thread, assistants.ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	listed, _ := json.Marshal(page)
	for _, b := range [][]byte{wire, listed} {
		if strings.Contains(string(b), "lease") {
			t.Fatalf("API form carries the lease: %s", b)
		}
	}
	// Put writes the run it is given, without a lease.
	if _, err := s.Runs.Put(ctx, got.Value); err != nil {
		t.Fatalf("put: %v", err)
	}
	if _, l, err := s.Runs.GetLeased(ctx, thread, run.ID); err != nil || l.Held() {
		t.Fatalf("after put: lease %+v, %v", l, err)
	}
}

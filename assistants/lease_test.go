package assistants_test

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/storage/memstore"
)

// TestRunLeaseStoredNotServed: a run's lease is written with the run
// (every write path keeps it) but is never part of its API form.
func TestRunLeaseStoredNotServed(t *testing.T) {
	ctx := t.Context()
	b := memstore.New()
	defer b.Close()
	s := assistants.Open(b, nil)
	thread := mustThread(t, s)
	run := newRun(thread)
	if _, err := s.Runs.Create(ctx, run); err != nil {
		t.Fatal(err)
	}
	lease := &assistants.RunLease{Owner: "w1", Until: 1, Claims: 1, Turn: 1,
		StepID: assistants.NewID(assistants.PrefixStep), MessageID: assistants.NewID(assistants.PrefixMessage)}
	d, err := s.Runs.Transition(ctx, thread, run.ID, assistants.RunInProgress, func(r *assistants.Run) error {
		r.Lease = lease
		return nil
	})
	if err != nil || d.Value.Lease == nil || *d.Value.Lease != *lease {
		t.Fatalf("update: %+v, %v", d, err)
	}
	// Another update keeps the lease.
	if _, err := s.Runs.Update(ctx, thread, run.ID, func(r *assistants.Run) error {
		r.Metadata = assistants.Metadata{"k": "v"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Runs.Get(ctx, thread, run.ID)
	if err != nil || got.Value.Lease == nil || *got.Value.Lease != *lease || len(got.Value.Extra) != 0 {
		t.Fatalf("get: %+v (extra %v), %v", got.Value.Lease, got.Value.Extra, err)
	}
	key, _ := assistants.RunKey(thread, run.ID)
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
	// Put of a run without a lease clears it; a put run keeps what it is given.
	r := got.Value
	r.Lease = nil
	if d, err := s.Runs.Put(ctx, r); err != nil || d.Value.Lease != nil {
		t.Fatalf("put: %+v, %v", d, err)
	}
}

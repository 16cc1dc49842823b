package runner_test

import (
	"strings"
	"testing"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/runner"
)

// TestStreamedRunUnderR2WriteLimit streams a run on the R2 profile with
// R2's limit of one write per second per key: the run's writes stay
// under it (s3store paces each key's writes, as it does for r2:// URLs),
// so the limit refuses none, and the run itself is written twice. The
// log lists each write by key and time.
func TestStreamedRunUnderR2WriteLimit(t *testing.T) {
	b, prof := backendtest.NewR2Bucket(t, nil)
	e := newEnv(t, b, fakemodel.New(fakemodel.Reply{Content: "a reply in a few tokens", Tokens: []string{"a ", "reply ", "in ", "a few ", "tokens"}}))
	db := store.Open(b, nil)
	ctx := t.Context()
	th, err := db.Threads.Create(ctx, &assistants.ThreadCreateRequest{Messages: []assistants.MessageCreateRequest{
		{Role: assistants.RoleUser, Content: assistants.TextInput("hi")}}})
	if err != nil {
		t.Fatal(err)
	}
	run := assistants.Run{ID: assistants.NewID(assistants.PrefixRun), ThreadID: th.Value.ID, AssistantID: testAssistant,
		CreatedAt: time.Now().Unix(), Status: assistants.RunQueued, Model: "m", ExpiresAt: assistants.Ptr(time.Now().Unix() + 600)}
	if _, err := db.Runs.Create(ctx, run); err != nil {
		t.Fatal(err)
	}
	before := prof.Stats()
	logged := len(prof.Writes())
	start := time.Now()
	w := runner.New(db, e.client(""), &fastOptions)
	var events []string
	if err := w.Stream(ctx, th.Value.ID, run.ID, func(event string, _ any) error {
		events = append(events, event)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	after := prof.Stats()
	d, err := db.Runs.Get(ctx, th.Value.ID, run.ID)
	if err != nil || d.Value.Status != assistants.RunCompleted {
		t.Fatalf("run: %+v, %v", d, err)
	}
	t.Logf("streamed run on R2's 1 write/s/key: %d writes, %d refused by the limit, %s, %d events",
		after.Writes-before.Writes, after.Throttled-before.Throttled, time.Since(start).Round(time.Millisecond), len(events))
	runWrites := 0
	for _, w := range prof.Writes()[logged:] {
		t.Logf("%8s throttled=%-5v %s", w.At.Sub(start).Round(time.Millisecond), w.Throttled, w.Key)
		if strings.HasSuffix(w.Key, "/"+run.ID+".json") {
			runWrites++
		}
	}
	// The claim (in_progress, with the lease) and the end (completed):
	// the checkpoint after the model's answer only reads, as the lease
	// is fresh.
	if runWrites != 2 {
		t.Errorf("the run was written %d times, want 2", runWrites)
	}
	if n := after.Throttled - before.Throttled; n != 0 {
		t.Errorf("the R2 limit refused %d of the run's writes, want 0", n)
	}
}

package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// race starts n runs on thread at once and returns the runs created and
// the errors of the others.
func race(t *testing.T, s *store.DB, thread string, n int) (won []assistants.Run, lost []error) {
	t.Helper()
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for range n {
		run := newRun(thread)
		wg.Go(func() {
			<-start
			_, err := s.Runs.Create(t.Context(), run)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				lost = append(lost, err)
				return
			}
			won = append(won, run)
		})
	}
	close(start)
	wg.Wait()
	return won, lost
}

// TestActiveRunRace races two run creations on one thread, round after
// round: exactly one wins, the other is told which run is active; the
// winner's terminal status releases the lock for the next round.
func TestActiveRunRace(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		b := newBucket(t)
		s := store.Open(b, nil)
		thread := mustThread(t, s)
		terminal := []assistants.RunStatus{assistants.RunCompleted, assistants.RunCancelled, assistants.RunFailed,
			assistants.RunExpired, assistants.RunIncomplete}
		for round := range 6 {
			won, lost := race(t, s, thread, 2)
			if len(won) != 1 || len(lost) != 1 {
				t.Fatalf("round %d: %d runs created, errors %v; want exactly one", round, len(won), lost)
			}
			winner := won[0]
			var are *store.ActiveRunError
			if !errors.Is(lost[0], store.ErrActiveRun) || !errors.As(lost[0], &are) ||
				are.RunID != winner.ID || are.ThreadID != thread || !strings.Contains(lost[0].Error(), winner.ID) {
				t.Fatalf("round %d: loser's error %v does not name the active run %s", round, lost[0], winner.ID)
			}
			if got, ok, err := s.Runs.Active(ctx, thread); err != nil || !ok || got != winner.ID {
				t.Fatalf("round %d: Active = %q, %v, %v", round, got, ok, err)
			}
			// A third run is refused while the winner is active.
			if _, err := s.Runs.Create(ctx, newRun(thread)); !errors.Is(err, store.ErrActiveRun) {
				t.Fatalf("round %d: create during the active run: err = %v", round, err)
			}
			// Walk the winner to a terminal status; each step one Update.
			path := []assistants.RunStatus{assistants.RunInProgress}
			if round%2 == 1 {
				path = append(path, assistants.RunRequiresAction, assistants.RunInProgress)
			}
			if end := terminal[round%len(terminal)]; end == assistants.RunCancelled {
				path = append(path, assistants.RunCancelling, end)
			} else {
				path = append(path, end)
			}
			for _, to := range path {
				_, err := s.Runs.Transition(ctx, thread, winner.ID, to, func(r *assistants.Run) error {
					if to == assistants.RunRequiresAction {
						r.RequiredAction = requiredAction()
					}
					return nil
				})
				if err != nil {
					t.Fatalf("round %d: transition to %s: %v", round, to, err)
				}
				_, ok, _ := s.Runs.Active(ctx, thread)
				if want := !to.IsTerminal(); ok != want {
					t.Fatalf("round %d: after %s the thread has an active run: %v, want %v", round, to, ok, want)
				}
			}
			if got := keysUnder(t, b, store.ActiveRunLocksPrefix); len(got) != 0 {
				t.Fatalf("round %d: lock not released: %q", round, got)
			}
		}
		l, err := s.Runs.List(ctx, thread, assistants.ListParams{Limit: 100})
		if err != nil || len(l.Data) != 6 {
			t.Fatalf("List runs: %d, %v", len(l.Data), err)
		}
	})
}

func requiredAction() *assistants.RequiredAction {
	return &assistants.RequiredAction{Type: assistants.RequiredActionSubmitToolOutputs,
		SubmitToolOutputs: assistants.SubmitToolOutputs{ToolCalls: []assistants.RunToolCall{{
			ID: "call_1", Type: "function",
			Function: assistants.RunToolCallFunction{Name: "f", Arguments: "{}"}}}}}
}

// TestRunStateMachine checks that every write path refuses a status
// change the state machine forbids, and writes nothing.
func TestRunStateMachine(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		s := store.Open(newBucket(t), nil)
		thread := mustThread(t, s)
		run := newRun(thread)
		created, err := s.Runs.Create(ctx, run)
		if err != nil {
			t.Fatal(err)
		}
		// queued -> completed skips in_progress.
		if _, err := s.Runs.Transition(ctx, thread, run.ID, assistants.RunCompleted, nil); !errors.Is(err, assistants.ErrInvalidTransition) {
			t.Fatalf("queued -> completed: err = %v", err)
		}
		bad := run
		bad.Status = assistants.RunCompleted
		if _, err := s.Runs.PutIf(ctx, bad, created.ETag); !errors.Is(err, assistants.ErrInvalidTransition) {
			t.Fatalf("PutIf queued -> completed: err = %v", err)
		}
		if _, err := s.Runs.Put(ctx, bad); !errors.Is(err, assistants.ErrInvalidTransition) {
			t.Fatalf("Put queued -> completed: err = %v", err)
		}
		cur, _ := s.Runs.Get(ctx, thread, run.ID)
		if cur.ETag != created.ETag || cur.Value.Status != assistants.RunQueued {
			t.Fatalf("a refused change was written: %+v", cur.Value)
		}
		// A legal path through PutIf and Put, releasing at the end.
		ip := cur.Value
		if err := ip.Transition(assistants.RunInProgress, time.Now().Unix()); err != nil {
			t.Fatal(err)
		}
		d, err := s.Runs.PutIf(ctx, ip, cur.ETag)
		if err != nil || d.Value.StartedAt == nil {
			t.Fatalf("PutIf in_progress: %+v, %v", d, err)
		}
		fin := d.Value
		if err := fin.Transition(assistants.RunFailed, time.Now().Unix()); err != nil {
			t.Fatal(err)
		}
		fin.LastError = &assistants.LastError{Code: assistants.ErrorCodeServerError, Message: "boom"}
		if _, err := s.Runs.Put(ctx, fin); err != nil {
			t.Fatalf("Put failed: %v", err)
		}
		if _, ok, _ := s.Runs.Active(ctx, thread); ok {
			t.Fatal("lock kept after Put made the run terminal")
		}
		if _, err := s.Runs.Transition(ctx, thread, run.ID, assistants.RunInProgress, nil); !errors.Is(err, assistants.ErrInvalidTransition) {
			t.Fatalf("failed -> in_progress: err = %v", err)
		}
		// An imported terminal run takes no lock.
		old := newRun(thread)
		old.Status, old.CompletedAt = assistants.RunCompleted, assistants.Ptr(int64(1))
		if _, err := s.Runs.Create(ctx, old); err != nil {
			t.Fatalf("create terminal run: %v", err)
		}
		if _, err := s.Runs.Create(ctx, newRun(thread)); err != nil {
			t.Fatalf("create after a terminal import: %v", err)
		}
	})
}

// TestStaleLock checks the takeover of locks whose run ended without
// releasing them or never got written.
func TestStaleLock(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		clk := newClock()
		b := newBucket(t)
		s := store.Open(b, &store.Options{Now: clk.Now, LockGrace: time.Minute})
		thread := mustThread(t, s)
		lockKey, _ := store.ActiveRunLockKey(thread)
		putLock := func(run string) {
			t.Helper()
			// The lock document as a crashed creator leaves it.
			lock := map[string]any{"thread_id": thread, "run_id": run, "created_at": clk.Now().Unix()}
			if _, err := doc.Put(ctx, doc.New(b, nil), lockKey, lock, nil); err != nil {
				t.Fatal(err)
			}
		}

		// A lock naming a terminal run (a release that failed) is stale:
		// of two racers exactly one takes it over.
		done := newRun(thread)
		done.Status, done.CompletedAt = assistants.RunCompleted, assistants.Ptr(int64(1))
		if _, err := s.Runs.Create(ctx, done); err != nil {
			t.Fatal(err)
		}
		putLock(done.ID)
		won, lost := race(t, s, thread, 2)
		if len(won) != 1 || len(lost) != 1 || !errors.Is(lost[0], store.ErrActiveRun) {
			t.Fatalf("takeover of a terminal run's lock: %d won, errors %v", len(won), lost)
		}
		if _, err := s.Runs.Transition(ctx, thread, won[0].ID, assistants.RunCancelled, nil); err != nil {
			t.Fatal(err)
		}

		// A lock naming a missing run is respected during the grace (the
		// run may be being written), then taken over.
		ghost := assistants.NewID(assistants.PrefixRun)
		putLock(ghost)
		var are *store.ActiveRunError
		if _, err := s.Runs.Create(ctx, newRun(thread)); !errors.As(err, &are) || are.RunID != ghost {
			t.Fatalf("young lock of a missing run: err = %v, want ActiveRunError naming %s", err, ghost)
		}
		clk.Advance(2 * time.Minute)
		won, lost = race(t, s, thread, 2)
		if len(won) != 1 || len(lost) != 1 || !errors.As(lost[0], &are) || are.RunID != won[0].ID {
			t.Fatalf("takeover of a crashed creator's lock: %d won, errors %v", len(won), lost)
		}

		// Repair releases a stale lock too.
		if err := s.Runs.Delete(ctx, thread, won[0].ID, ""); err != nil {
			t.Fatal(err)
		}
		putLock(assistants.NewID(assistants.PrefixRun))
		clk.Advance(2 * time.Minute)
		res, err := s.Repair(ctx, nil)
		if err != nil || res.StaleLocks != 1 {
			t.Fatalf("Repair = %+v, %v; want one stale lock released", res, err)
		}
		if got := keysUnder(t, b, store.ActiveRunLocksPrefix); len(got) != 0 {
			t.Fatalf("locks left: %q", got)
		}
	})
}

// TestRunDelete checks that deleting a run removes its steps and frees
// its lock.
func TestRunDelete(t *testing.T) {
	ctx := context.Background()
	b := backendtest.NewBucket(t, "mem")
	s := store.Open(b, nil)
	thread := mustThread(t, s)
	run := newRun(thread)
	if _, err := s.Runs.Create(ctx, run); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.Steps.PutIf(ctx, newStep(thread, run.ID, assistants.NewID(assistants.PrefixMessage)), ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Runs.Delete(ctx, thread, run.ID, ""); err != nil {
		t.Fatal(err)
	}
	// What stays is the thread and its listing marker.
	if got := allKeys(t, b); len(got) != 2 || !strings.HasPrefix(got[0], store.IndexPrefix+store.ThreadsPrefix) ||
		!strings.HasPrefix(got[1], store.ThreadsPrefix) {
		t.Fatalf("keys after run delete: %q", got)
	}
}

// TestEndedRunSettlesSteps: a run that ends cancelled, expired or failed
// ends its open steps with it (a tool_calls step waiting for outputs
// must not stay in_progress for good); a completed run's are left to
// its executor.
func TestEndedRunSettlesSteps(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		s := store.Open(newBucket(t), nil)
		for _, tc := range []struct {
			run  assistants.RunStatus
			step assistants.StepStatus
		}{
			{assistants.RunCancelled, assistants.StepCancelled},
			{assistants.RunExpired, assistants.StepExpired},
			{assistants.RunFailed, assistants.StepFailed},
			{assistants.RunCompleted, assistants.StepInProgress},
		} {
			thread := mustThread(t, s)
			run := newRun(thread)
			if _, err := s.Runs.Create(ctx, run); err != nil {
				t.Fatal(err)
			}
			// A run waiting for tool outputs (cancel goes from there
			// directly; from in_progress it goes through cancelling).
			if _, err := s.Runs.Transition(ctx, thread, run.ID, assistants.RunInProgress, nil); err != nil {
				t.Fatal(err)
			}
			if tc.run == assistants.RunCancelled {
				if _, err := s.Runs.Transition(ctx, thread, run.ID, assistants.RunCancelling, nil); err != nil {
					t.Fatal(err)
				}
			}
			step := newStep(thread, run.ID, assistants.NewID(assistants.PrefixMessage))
			if _, err := s.Steps.PutIf(ctx, step, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Runs.Transition(ctx, thread, run.ID, tc.run, func(r *assistants.Run) error {
				if tc.run == assistants.RunFailed {
					r.LastError = &assistants.LastError{Code: assistants.ErrorCodeInvalidPrompt, Message: "bad prompt"}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			got, err := s.Steps.Get(ctx, thread, run.ID, step.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Value.Status != tc.step {
				t.Errorf("run %s: step %s; want %s", tc.run, got.Value.Status, tc.step)
			}
			if tc.run == assistants.RunCancelled && got.Value.CancelledAt == nil {
				t.Errorf("cancelled step has no cancelled_at")
			}
			if tc.run == assistants.RunFailed && (got.Value.LastError == nil || got.Value.LastError.Message != "bad prompt") {
				t.Errorf("failed step last_error %+v", got.Value.LastError)
			}
		}
	})
}

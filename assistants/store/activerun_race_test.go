package store_test

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// commitOrder is a Bucket that serializes successful Puts and numbers
// them, so a test knows in which order writes committed.
type commitOrder struct {
	storage.Bucket
	mu  sync.Mutex
	n   int
	seq map[string]int // key -> number of its last committed Put
}

func (c *commitOrder) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.Bucket.Put(ctx, key, r, opts)
	if err == nil {
		c.n++
		c.seq[key] = c.n
	}
	return a, err
}

func (c *commitOrder) committed(key string) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.seq[key]
	return n, ok
}

// TestMessageVersusRunRace races message creates against a run create
// on one thread, round after round. The run stays active, so its lock,
// once written, is never released. The active-run rule must hold in
// every interleaving: a message whose write committed after the lock is
// refused (an *ActiveRunError, nothing stored or listed), and a message
// that was accepted committed before the lock. Each writer creates
// messages until one is refused, so every round sees both outcomes.
func TestMessageVersusRunRace(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		b := &commitOrder{Bucket: newBucket(t), seq: map[string]int{}}
		s := store.Open(b, nil)
		const rounds, writers, maxTries = 8, 4, 200
		for round := range rounds {
			thread := mustThread(t, s)
			run := newRun(thread)
			var (
				mu       sync.Mutex
				accepted []string
				refused  int
				wg       sync.WaitGroup
				start    = make(chan struct{})
			)
			for w := range writers {
				wg.Go(func() {
					<-start
					for range maxTries {
						d, err := s.Messages.Create(ctx, thread, userText("hi"))
						var are *store.ActiveRunError
						switch {
						case errors.As(err, &are):
							if are.RunID != run.ID || are.Adding != assistants.ObjectMessage {
								t.Errorf("writer %d: refused naming %+v; want run %s", w, are, run.ID)
							}
							mu.Lock()
							refused++
							mu.Unlock()
							return
						case err != nil:
							t.Errorf("writer %d: %v", w, err)
							return
						}
						mu.Lock()
						accepted = append(accepted, d.Value.ID)
						mu.Unlock()
					}
					t.Errorf("writer %d: %d messages accepted while a run was being created", w, maxTries)
				})
			}
			close(start)
			time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
			if _, err := s.Runs.Create(ctx, run); err != nil {
				t.Fatalf("round %d: create run: %v", round, err)
			}
			wg.Wait()
			if t.Failed() {
				return
			}

			lockKey, _ := store.ActiveRunLockKey(thread)
			lockSeq, ok := b.committed(lockKey)
			if !ok {
				t.Fatalf("round %d: the run's lock was never written", round)
			}
			for _, id := range accepted {
				key, _ := store.MessageKey(thread, id)
				if n, _ := b.committed(key); n > lockSeq {
					t.Errorf("round %d: message %s committed (#%d) after the run's lock (#%d) and was accepted", round, id, n, lockSeq)
				}
			}
			listed := map[string]bool{}
			for _, order := range []string{assistants.OrderAsc, assistants.OrderDesc} {
				ids := listAll(t, s, thread, order)
				if len(ids) != len(accepted) {
					t.Errorf("round %d: %s listing has %d messages; %d were accepted", round, order, len(ids), len(accepted))
				}
				for _, id := range ids {
					listed[id] = true
				}
			}
			for _, id := range accepted {
				if !listed[id] {
					t.Errorf("round %d: accepted message %s is not listed", round, id)
				}
			}
			if refused != writers {
				t.Errorf("round %d: %d refusals; want one per writer (%d)", round, refused, writers)
			}
			t.Logf("round %d: %d accepted before the run, %d refused", round, len(accepted), refused)
		}
	})
}

// listAll returns the ids of every message of thread in order.
func listAll(t *testing.T, s *store.DB, thread, order string) []string {
	t.Helper()
	var ids []string
	for _, m := range listMessages(t, s, thread, order) {
		ids = append(ids, m.ID)
	}
	return ids
}

// listMessages returns every message of thread in order, page by page.
func listMessages(t *testing.T, s *store.DB, thread, order string) []assistants.Message {
	t.Helper()
	var all []assistants.Message
	p := store.MessageListParams{ListParams: assistants.ListParams{Limit: 100, Order: order}}
	for {
		page, err := s.Messages.List(t.Context(), thread, p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Data...)
		if !page.HasMore {
			return all
		}
		p.After = *page.LastID
	}
}

// TestMessageRefusedDuringRun: with a run active, Create refuses a
// message and stores nothing; Runs.Start's additional messages are the
// run's own and are written.
func TestMessageRefusedDuringRun(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		s := store.Open(newBucket(t), nil)
		if _, err := s.Assistants.Put(ctx, newAssistant("asst_1")); err != nil {
			t.Fatal(err)
		}
		thread := mustThread(t, s)
		d, err := s.Runs.Start(ctx, thread, &assistants.RunCreateRequest{AssistantID: "asst_1",
			AdditionalMessages: []assistants.MessageCreateRequest{*userText("one"), *userText("two")}})
		if err != nil {
			t.Fatal(err)
		}
		if d.Value.Model != "gpt-4o" || d.Value.Status != assistants.RunQueued {
			t.Errorf("started run %+v; want the assistant's model, queued", d.Value)
		}
		_, err = s.Messages.Create(ctx, thread, userText("three"))
		if !errors.Is(err, store.ErrActiveRun) || !strings.Contains(err.Error(), "can't add messages") {
			t.Fatalf("create during a run: %v; want an active-run refusal", err)
		}
		if ids := listAll(t, s, thread, assistants.OrderAsc); len(ids) != 2 {
			t.Fatalf("thread has %d messages; want the run's 2 additional messages", len(ids))
		}
	})
}

package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/faultstore"
)

// TestCreatesUnderFaults creates messages while storage fails at each
// point of the create protocol, then reads the thread back without
// faults. A create either committed completely and answered success, or
// stored nothing visible and answered an error: the asc and desc
// listings agree, every successful create is listed exactly once, no
// failed create is listed, and Repair changes none of that.
func TestCreatesUnderFaults(t *testing.T) {
	scenarios := []struct {
		name  string
		rules []faultstore.Rule
	}{
		// The checks after the write (HEAD) and the undo (DELETE) fail
		// most of the time: a transient failure must not undo a create,
		// and an undo must never leave half of one.
		{"stat and delete 80%", []faultstore.Rule{
			{Kind: faultstore.ServerError, Probability: 0.8, Ops: []string{faultstore.OpStat, faultstore.OpDelete}},
		}},
		// Lost answers of writes, after they committed, and failures
		// before them.
		{"put lost or failed", []faultstore.Rule{
			{Kind: faultstore.LostResponse, Probability: 0.15, Ops: []string{faultstore.OpPut}},
			{Kind: faultstore.Fail, Probability: 0.15, Ops: []string{faultstore.OpPut}},
		}},
		// Everything at once, on every method.
		{"mixed", []faultstore.Rule{
			{Kind: faultstore.Fail, Probability: 0.1},
			{Kind: faultstore.LostResponse, Probability: 0.1, Ops: []string{faultstore.OpPut, faultstore.OpDelete}},
			{Kind: faultstore.ServerError, Probability: 0.05},
		}},
	}
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		for i, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) {
				ctx := t.Context()
				clean := newBucket(t)
				thread := mustThread(t, store.Open(clean, nil))
				faulty := faultstore.New(clean, uint64(i+1), sc.rules...)
				s := store.Open(faulty, nil)
				const creates = 40
				ok := map[string]bool{}
				failed := 0
				for n := range creates {
					text := fmt.Sprintf("m-%02d", n)
					if _, err := s.Messages.Create(ctx, thread, userText(text)); err != nil {
						if errors.Is(err, store.ErrActiveRun) || errors.Is(err, store.ErrNotFound) {
							t.Fatalf("create %s: %v; only storage failures are expected", text, err)
						}
						failed++
						continue
					}
					ok[text] = true
				}
				t.Logf("%d creates answered success, %d an error; faults injected: %v", len(ok), failed, faulty.Stats().Injected)
				if len(ok) == 0 {
					t.Fatal("no create succeeded: the faults are too many to test anything")
				}
				check := func(when string) {
					reader := store.Open(clean, nil)
					asc := listTexts(t, reader, thread, assistants.OrderAsc)
					desc := listTexts(t, reader, thread, assistants.OrderDesc)
					if len(asc) != len(desc) {
						t.Errorf("%s: asc lists %d messages, desc %d", when, len(asc), len(desc))
					}
					for _, texts := range [][]string{asc, desc} {
						seen := map[string]int{}
						for _, x := range texts {
							seen[x]++
						}
						for x, n := range seen {
							if !ok[x] {
								t.Errorf("%s: message %s is listed, but its create answered an error", when, x)
							} else if n != 1 {
								t.Errorf("%s: message %s is listed %d times", when, x, n)
							}
						}
						for x := range ok {
							if seen[x] == 0 {
								t.Errorf("%s: message %s answered success but is not listed", when, x)
							}
						}
					}
				}
				check("after the creates")
				if _, err := store.Open(clean, nil).Repair(ctx, nil); err != nil {
					t.Fatal(err)
				}
				check("after Repair")
			})
		}
	})
}

// listTexts returns the text of every message of thread, in order.
func listTexts(t *testing.T, s *store.DB, thread, order string) []string {
	t.Helper()
	var texts []string
	for _, m := range listMessages(t, s, thread, order) {
		texts = append(texts, m.Content[0].Text.Value)
	}
	return texts
}

// TestPageUnderTruncatedReads lists a thread of 100 messages in pages of
// 100 from cold stores while 5% of the object reads are cut off
// mid-body: each page succeeds, because a cut read is read again whole.
func TestPageUnderTruncatedReads(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		clean := newBucket(t)
		setup := store.Open(clean, nil)
		thread := mustThread(t, setup)
		for n := range 100 {
			if _, err := setup.Messages.Create(ctx, thread, userText(fmt.Sprintf("m-%03d", n))); err != nil {
				t.Fatal(err)
			}
		}
		faulty := faultstore.New(clean, 7, faultstore.Rule{Kind: faultstore.Truncate, Probability: 0.05, Ops: []string{faultstore.OpGet}})
		for round := range 10 {
			s := store.Open(faulty, nil) // a cold cache: every message is read
			page, err := s.Messages.List(ctx, thread, store.MessageListParams{ListParams: assistants.ListParams{Limit: 100}})
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if len(page.Data) != 100 {
				t.Fatalf("round %d: %d messages; want 100", round, len(page.Data))
			}
		}
		if n := faulty.Stats().Count(faultstore.Truncate, faultstore.OpGet); n == 0 {
			t.Fatal("no read was truncated: the test tested nothing")
		} else {
			t.Logf("10 pages of 100 read with %d reads cut short", n)
		}
	})
}

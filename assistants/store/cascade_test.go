package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/faultstore"
)

// populate fills a thread with messages, a finished run and an active
// run, each with steps, and returns the thread id.
func populate(t *testing.T, s *store.DB) string {
	t.Helper()
	ctx := t.Context()
	thread := mustThread(t, s)
	for i := range 12 {
		if _, err := s.Messages.Create(ctx, thread, userText(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2 {
		run := newRun(thread)
		if _, err := s.Runs.Create(ctx, run); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, err := s.Steps.PutIf(ctx, newStep(thread, run.ID, assistants.NewID(assistants.PrefixMessage)), ""); err != nil {
				t.Fatal(err)
			}
		}
		if i == 0 {
			if _, err := s.Runs.Transition(ctx, thread, run.ID, assistants.RunCancelled, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	return thread
}

// threadKeys returns the keys that belong to thread, its tombstone
// excepted.
func threadKeys(t *testing.T, b storage.Bucket, thread string) []string {
	t.Helper()
	var out []string
	for _, k := range allKeys(t, b) {
		if strings.Contains(k, thread) && !strings.HasPrefix(k, store.TombstonesPrefix) {
			out = append(out, k)
		}
	}
	return out
}

// checkDeleted checks that thread is gone for good: nothing of it is
// left, it is not found, nothing can be created in it, and its id cannot
// be written again.
func checkDeleted(t *testing.T, s *store.DB, b storage.Bucket, thread string) {
	t.Helper()
	ctx := t.Context()
	if left := threadKeys(t, b, thread); len(left) != 0 {
		t.Fatalf("keys of deleted thread %s left: %q", thread, left)
	}
	if _, err := s.Threads.Get(ctx, thread); !errors.Is(err, doc.ErrNotFound) {
		t.Fatalf("Get deleted thread: err = %v", err)
	}
	if _, err := s.Messages.Create(ctx, thread, userText("late")); !errors.Is(err, doc.ErrNotFound) {
		t.Fatalf("message in deleted thread: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Runs.Create(ctx, newRun(thread)); !errors.Is(err, doc.ErrNotFound) {
		t.Fatalf("run in deleted thread: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Threads.Put(ctx, assistants.Thread{ID: thread, CreatedAt: 1}); !errors.Is(err, store.ErrDeleted) {
		t.Fatalf("Put of a deleted thread's id: err = %v, want ErrDeleted", err)
	}
	if _, err := s.Threads.Update(ctx, thread, func(*assistants.Thread) error { return nil }); !errors.Is(err, doc.ErrNotFound) {
		t.Fatalf("Update deleted thread: err = %v", err)
	}
	if left := threadKeys(t, b, thread); len(left) != 0 {
		t.Fatalf("writes to the deleted thread left %q", left)
	}
}

func TestThreadDeleteCascade(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		b := newBucket(t)
		s := store.Open(b, nil)
		keep := populate(t, s)
		thread := populate(t, s)
		keepKeys := threadKeys(t, b, keep)

		th, _ := s.Threads.Get(ctx, thread)
		if err := s.Threads.Delete(ctx, thread, `"0123"`); !errors.Is(err, doc.ErrConflict) {
			t.Fatalf("Delete with a stale etag: err = %v, want ErrConflict", err)
		}
		if got := keysUnder(t, b, store.TombstonesPrefix); len(got) != 0 {
			t.Fatalf("a refused delete left a tombstone: %q", got)
		}
		if err := s.Threads.Delete(ctx, thread, th.ETag); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		checkDeleted(t, s, b, thread)
		if err := s.Threads.Delete(ctx, thread, ""); !errors.Is(err, doc.ErrNotFound) {
			t.Fatalf("second Delete: err = %v, want ErrNotFound", err)
		}
		if got := threadKeys(t, b, keep); !slices.Equal(got, keepKeys) {
			t.Fatalf("the other thread changed:\n%q\n%q", keepKeys, got)
		}
		res, err := s.Repair(ctx, nil)
		if err != nil || res != (store.RepairResult{}) {
			t.Fatalf("Repair after a clean delete = %+v, %v; want nothing to do", res, err)
		}
	})
}

// TestThreadDeleteInterrupted makes the cascade fail at each stage, then
// finishes it with Repair or a second Delete.
func TestThreadDeleteInterrupted(t *testing.T) {
	stages := []struct {
		name   string
		prefix func(thread string) string
		finish string
	}{
		{"thread document", func(th string) string { return "threads/" + th }, "repair"},
		{"messages", func(th string) string { return "messages/" + th }, "repair"},
		{"runs", func(th string) string { return "runs/" + th }, "delete"},
		{"markers", func(th string) string { return store.IndexPrefix + "messages/" + th }, "repair"},
		{"lock", func(th string) string { return store.ActiveRunLocksPrefix + th }, "delete"},
	}
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		for _, st := range stages {
			t.Run(st.name, func(t *testing.T) {
				ctx := t.Context()
				inner := newBucket(t)
				thread := populate(t, store.Open(inner, nil))
				faulty := faultstore.New(inner, 7, faultstore.Rule{Kind: faultstore.Fail, Probability: 1,
					Ops: []string{faultstore.OpDelete}, KeyPrefix: st.prefix(thread)})
				s := store.Open(faulty, nil)
				err := s.Threads.Delete(ctx, thread, "")
				var inj *faultstore.Injected
				if !errors.As(err, &inj) {
					t.Fatalf("Delete with failing deletes under %s: err = %v, want the injected fault", st.prefix(thread), err)
				}
				if st.name != "thread document" {
					// Past step 2 the thread is gone even though the
					// delete did not finish.
					if _, err := s.Threads.Get(ctx, thread); !errors.Is(err, doc.ErrNotFound) {
						t.Fatalf("thread visible after an interrupted delete: %v", err)
					}
				}
				healthy := store.Open(inner, nil)
				switch st.finish {
				case "repair":
					res, err := healthy.Repair(ctx, nil)
					if err != nil || res.ThreadDeletes != 1 {
						t.Fatalf("Repair = %+v, %v; want one thread delete finished", res, err)
					}
				case "delete":
					if err := healthy.Threads.Delete(ctx, thread, ""); err != nil {
						t.Fatalf("second Delete: %v", err)
					}
				}
				checkDeleted(t, healthy, inner, thread)
				if res, err := healthy.Repair(ctx, nil); err != nil || res != (store.RepairResult{}) {
					t.Fatalf("Repair after finishing = %+v, %v", res, err)
				}
			})
		}
	})
}

// TestCreateRacesThreadDelete creates messages and runs in a thread
// while it is deleted: every create either fails with ErrNotFound or
// its object is removed by the cascade, and nothing is left.
func TestCreateRacesThreadDelete(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		b := newBucket(t)
		s := store.Open(b, nil)
		for round := range 3 {
			thread := populate(t, s)
			var (
				wg      sync.WaitGroup
				stop    = make(chan struct{})
				mu      sync.Mutex
				ok, nf  int
				badErrs []error
			)
			for w := range 6 {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						var err error
						if w == 0 {
							_, err = s.Runs.Create(ctx, newRun(thread))
						} else {
							_, err = s.Messages.Create(ctx, thread, userText("racing"))
						}
						mu.Lock()
						switch {
						case err == nil:
							ok++
						case errors.Is(err, doc.ErrNotFound):
							nf++
						case errors.Is(err, store.ErrActiveRun):
						default:
							badErrs = append(badErrs, err)
						}
						mu.Unlock()
						if errors.Is(err, doc.ErrNotFound) {
							return
						}
					}
				})
			}
			time.Sleep(20 * time.Millisecond)
			if err := s.Threads.Delete(ctx, thread, ""); err != nil {
				t.Fatalf("round %d: Delete: %v", round, err)
			}
			close(stop)
			wg.Wait()
			if len(badErrs) > 0 {
				t.Fatalf("round %d: creates failed with %v", round, badErrs)
			}
			t.Logf("round %d: %d creates succeeded, %d refused", round, ok, nf)
			checkDeleted(t, s, b, thread)
		}
	})
}

// TestRepairOrphans checks what Repair finds: children of a thread that
// no longer exists (a creator that died between its write and its
// check), markers without entities, entities without markers (data
// written by the TypeScript seed), blobs without file objects.
func TestRepairOrphans(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		clk := newClock()
		b := newBucket(t)
		s := store.Open(b, &store.Options{Now: clk.Now})
		put := func(key, body string) {
			t.Helper()
			if _, err := b.Put(ctx, key, strings.NewReader(body), nil); err != nil {
				t.Fatal(err)
			}
		}
		// A message left behind in a thread that is gone.
		gone := assistants.NewID(assistants.PrefixThread)
		put("messages/"+gone+"/msg_1.json", `{"id":"msg_1"}`)
		put(store.IndexPrefix+"runs/"+gone+"/abc", "")
		// Seed data: messages with no markers.
		thread := mustThread(t, s)
		var seeded []string
		for i := range 3 {
			m := assistants.NewID(assistants.PrefixMessage)
			put("messages/"+thread+"/"+m+".json", fmt.Sprintf(
				`{"id":%q,"object":"thread.message","created_at":%d,"thread_id":%q,"status":"completed","role":"user","content":[{"type":"text","text":{"value":"seed","annotations":[]}}],"metadata":{}}`,
				m, i, thread))
			seeded = append(seeded, m)
		}
		// Steps of a run that is gone (an interrupted run delete).
		put("steps/"+thread+"/run_gone/step_1.json", `{"id":"step_1"}`)
		// A marker whose message is gone, and a blob without its file.
		d, err := s.Messages.Create(ctx, thread, userText("x"))
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Delete(ctx, d.Key, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Files.PutBlob(ctx, "file-orphan", strings.NewReader("bytes"), nil); err != nil {
			t.Fatal(err)
		}

		// Young orphans are left alone: they may be creates in progress.
		res, err := s.Repair(ctx, nil)
		if err != nil || res.Orphans != 3 || res.MissingMarkers != 3 || res.OrphanMarkers != 0 || res.OrphanBlobs != 0 {
			t.Fatalf("Repair = %+v, %v", res, err)
		}
		l, err := s.Messages.List(ctx, thread, store.MessageListParams{})
		if err != nil || !slices.Equal(ids(l, msgID), reversed(seeded)) {
			t.Fatalf("desc listing of seed data after Repair = %q, %v", ids(l, msgID), err)
		}
		// Repair compares ages with the store's clock and the objects'
		// modification times.
		clk.Advance(time.Hour)
		res, err = s.Repair(ctx, nil)
		if err != nil || res.OrphanMarkers != 1 || res.OrphanBlobs != 1 || res.Orphans != 0 || res.MissingMarkers != 0 {
			t.Fatalf("second Repair = %+v, %v", res, err)
		}
		for _, k := range allKeys(t, b) {
			if strings.Contains(k, gone) || strings.Contains(k, "run_gone") || strings.HasPrefix(k, store.BlobsPrefix) {
				t.Errorf("orphan %s left", k)
			}
		}
	})
}

// TestFileDeleteInterrupted fails the blob delete of a file delete: the
// file is gone, its bytes are an orphan that Repair removes.
func TestFileDeleteInterrupted(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	inner := backendtest.NewBucket(t, "file")
	faulty := faultstore.New(inner, 1, faultstore.Rule{Kind: faultstore.Fail, Probability: 1,
		Ops: []string{faultstore.OpDelete}, KeyPrefix: store.BlobsPrefix})
	s := store.Open(faulty, &store.Options{Now: clk.Now})
	f, err := s.Files.Create(ctx, strings.NewReader("hello"), store.FileUpload{Filename: "h.txt", Purpose: assistants.PurposeAssistants})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Files.Delete(ctx, f.Value.ID); err == nil {
		t.Fatal("Delete succeeded with failing blob deletes")
	}
	if ok, _ := s.Files.Exists(ctx, f.Value.ID); ok {
		t.Fatal("file still exists after its metadata was deleted")
	}
	if got := allKeys(t, inner); len(got) != 1 || !strings.HasPrefix(got[0], store.BlobsPrefix) {
		t.Fatalf("keys = %q, want only the orphan blob", got)
	}
	clk.Advance(time.Hour)
	res, err := store.Open(inner, &store.Options{Now: clk.Now}).Repair(ctx, nil)
	if err != nil || res.OrphanBlobs != 1 {
		t.Fatalf("Repair = %+v, %v", res, err)
	}
	if got := allKeys(t, inner); len(got) != 0 {
		t.Fatalf("keys left: %q", got)
	}
}

// hookBucket calls afterPut after each successful Put, before the
// caller sees the result: a way to run an operation exactly between a
// create's write and its check.
type hookBucket struct {
	storage.Bucket
	afterPut func(key string)
}

func (h *hookBucket) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	a, err := h.Bucket.Put(ctx, key, r, opts)
	if err == nil && h.afterPut != nil {
		h.afterPut(key)
	}
	return a, err
}

// TestCreateUndoneByDelete deletes the thread right after a create
// wrote its message (or run), before the create checks its thread: the
// create sees the thread gone, removes what it wrote and fails with
// ErrNotFound.
func TestCreateUndoneByDelete(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		inner := newBucket(t)
		plain := store.Open(inner, nil)
		hb := &hookBucket{Bucket: inner}
		s := store.Open(hb, nil)
		for _, what := range []string{"messages/", "runs/"} {
			thread := mustThread(t, plain)
			var once sync.Once
			hb.afterPut = func(key string) {
				if strings.HasPrefix(key, what+thread+"/") {
					once.Do(func() {
						if err := plain.Threads.Delete(ctx, thread, ""); err != nil {
							t.Errorf("Delete: %v", err)
						}
					})
				}
			}
			var err error
			if what == "messages/" {
				_, err = s.Messages.Create(ctx, thread, userText("caught in the middle"))
			} else {
				_, err = s.Runs.Create(ctx, newRun(thread))
			}
			if !errors.Is(err, doc.ErrNotFound) {
				t.Fatalf("%s create during the delete: err = %v, want ErrNotFound", what, err)
			}
			hb.afterPut = nil
			if left := threadKeys(t, inner, thread); len(left) != 0 {
				t.Fatalf("%s create left %q", what, left)
			}
		}
	})
}

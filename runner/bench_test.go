package runner_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/runner"
	"github.com/r2kit/r2kit/storage"
)

// BenchmarkTurnaround measures a run's turnaround overhead: from the
// run's creation (Runs.Create, then Enqueue or Stream) to its
// completion being stored, minus the time the fake model took to
// answer (a 20 ms delay and 4 streamed tokens). "enqueue" is the
// background path (a worker's Run loop claims it; completion observed
// by reading the run every 2 ms), "stream" the in-request path (Stream
// returns at completion). Reported as overhead-ms/run.
//
//	go test -run '^$' -bench Turnaround -benchtime 50x ./runner
//
// The s3 backends need the test servers (scripts/s3server.sh). Each
// run starts once the previous one has released its lock and queue
// marker: the test server stores objects as files and refuses a put
// racing the removal of the last object of its directory, which S3 and
// R2 (no directories) never do.
func BenchmarkTurnaround(b *testing.B) {
	for _, backend := range []string{"file", "s3"} {
		for _, mode := range []string{"enqueue", "stream"} {
			b.Run(backend+"/"+mode, func(b *testing.B) { benchTurnaround(b, backend, mode) })
		}
	}
}

func benchTurnaround(b *testing.B, backend, mode string) {
	fm := fakemodel.New()
	fm.Default = func(fakemodel.Request) fakemodel.Reply {
		return fakemodel.Reply{Content: "a short reply here", Delay: 20 * time.Millisecond}
	}
	var (
		mu    sync.Mutex
		model time.Duration
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		fm.ServeHTTP(w, r)
		mu.Lock()
		model += time.Since(start)
		mu.Unlock()
	}))
	defer srv.Close()
	bucket := backendtest.NewBucket(b, backend)
	db := store.Open(bucket, nil)
	o := fastOptions
	o.PollInterval = 500 * time.Millisecond // Enqueue wakes the loop: polling plays no part
	w := runner.New(store.Open(bucket, nil), &runner.Client{BaseURL: srv.URL + "/v1"}, &o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	defer func() { cancel(); <-done }()

	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		settle(b, bucket)
		td, err := db.Threads.Create(ctx, &assistants.ThreadCreateRequest{Messages: []assistants.MessageCreateRequest{
			{Role: assistants.RoleUser, Content: assistants.TextInput("hello")}}})
		if err != nil {
			b.Fatal(err)
		}
		thread := td.Value.ID
		now := time.Now().Unix()
		run := assistants.Run{ID: assistants.NewID(assistants.PrefixRun), Object: assistants.ObjectRun, CreatedAt: now,
			ThreadID: thread, AssistantID: testAssistant, Status: assistants.RunQueued,
			ExpiresAt: assistants.Ptr(now + 600), Model: "m", Tools: []assistants.Tool{}}
		b.StartTimer()
		start := time.Now()
		if _, err := db.Runs.Create(ctx, run); err != nil {
			b.Fatal(err)
		}
		if mode == "stream" {
			if err := w.Stream(ctx, thread, run.ID, func(string, any) error { return nil }); err != nil {
				b.Fatal(err)
			}
		} else {
			if err := w.Enqueue(ctx, thread, run.ID); err != nil {
				b.Fatal(err)
			}
			for {
				d, err := db.Runs.Get(ctx, thread, run.ID)
				if err != nil {
					b.Fatal(err)
				}
				if d.Value.Status.IsTerminal() {
					if d.Value.Status != assistants.RunCompleted {
						b.Fatalf("run %s", d.Value.Status)
					}
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
		total += time.Since(start)
	}
	mu.Lock()
	defer mu.Unlock()
	b.ReportMetric(float64((total-model).Microseconds())/1000/float64(b.N), "overhead-ms/run")
	b.ReportMetric(float64(model.Microseconds())/1000/float64(b.N), "model-ms/run")
}

// settle waits until no run holds a lock or a queue marker.
func settle(b *testing.B, bucket storage.Bucket) {
	deadline := time.Now().Add(10 * time.Second)
	for _, prefix := range []string{store.ActiveRunLocksPrefix, store.QueueRunsPrefix} {
		for {
			page, err := bucket.List(context.Background(), &storage.ListOptions{Prefix: prefix, Limit: 1})
			if err != nil {
				b.Fatal(err)
			}
			if len(page.Objects) == 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%s still holds %s", prefix, page.Objects[0].Key)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

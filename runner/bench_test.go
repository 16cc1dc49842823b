package runner_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/runner"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/vectorstore"
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
			b.Run(backend+"/"+mode, func(b *testing.B) { benchTurnaround(b, backend, mode, false) })
		}
	}
}

// BenchmarkFileSearchTurnaround measures what one file_search round trip
// adds to a streamed run's turnaround, side by side with the same run
// without it ("plain"): in "search" the assistant has file_search over
// a vector store of 100 files, the model calls the search function
// (20 ms), and answers from the results (20 ms more). The model's time
// is subtracted in both.
//
//	go test -run '^$' -bench FileSearchTurnaround -benchtime 30x ./runner
func BenchmarkFileSearchTurnaround(b *testing.B) {
	for _, backend := range []string{"file", "s3"} {
		for _, search := range []bool{false, true} {
			name := backend + "/plain"
			if search {
				name = backend + "/search"
			}
			b.Run(name, func(b *testing.B) { benchTurnaround(b, backend, "stream", search) })
		}
	}
}

// benchStore makes a vector store of 100 small files, ingested, and an
// assistant with file_search over it; it returns the service and the
// assistant's id.
func benchStore(b *testing.B, bucket storage.Bucket, db *store.DB) (*vectorstore.Service, string) {
	texts := map[string]string{}
	var ids []string
	for i := range 100 {
		id := fmt.Sprintf("file-bench%03d", i)
		texts[id] = fmt.Sprintf("Document %d is about topic %d and its keeper number %d. %s", i, i%7, i, strings.Repeat("filler words here. ", 40))
		ids = append(ids, id)
	}
	src := vectorstore.SourceFunc(func(_ context.Context, id string) (*vectorstore.SourceFile, error) {
		t, ok := texts[id]
		if !ok {
			return nil, vectorstore.ErrNotFound
		}
		return &vectorstore.SourceFile{Filename: id + ".txt", Size: int64(len(t)), Body: io.NopCloser(strings.NewReader(t))}, nil
	})
	ctx := context.Background()
	svc := vectorstore.New(bucket, src, nil)
	vs, err := svc.Create(ctx, vectorstore.CreateParams{FileIDs: ids})
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.IngestAll(ctx, vs.ID, 2); err != nil {
		b.Fatal(err)
	}
	a := assistants.Assistant{ID: assistants.NewID(assistants.PrefixAssistant), Object: assistants.ObjectAssistant,
		CreatedAt: time.Now().Unix(), Model: "m", Tools: []assistants.Tool{assistants.FileSearchTool(nil)},
		ToolResources: &assistants.ToolResources{FileSearch: &assistants.FileSearchResources{VectorStoreIDs: []string{vs.ID}}}}
	if _, err := db.Assistants.Put(ctx, a); err != nil {
		b.Fatal(err)
	}
	return svc, a.ID
}

func benchTurnaround(b *testing.B, backend, mode string, search bool) {
	fm := fakemodel.New()
	fm.Default = func(req fakemodel.Request) fakemodel.Reply {
		if search && len(fakemodel.ToolOutputs(req)) == 0 {
			return fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{{ID: "call_s", Name: runner.SearchFunction,
				Arguments: `{"query":"keeper number 42"}`}}, Delay: 20 * time.Millisecond}
		}
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
	asst, tools := testAssistant, []assistants.Tool{}
	if search {
		o.VectorStores, asst = benchStore(b, bucket, db)
		tools = []assistants.Tool{assistants.FileSearchTool(nil)}
	}
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
			ThreadID: thread, AssistantID: asst, Status: assistants.RunQueued,
			ExpiresAt: assistants.Ptr(now + 600), Model: "m", Tools: tools}
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
				if d.Value.Status.IsTerminal() || d.Value.Status == assistants.RunRequiresAction {
					if d.Value.Status != assistants.RunCompleted {
						b.Fatalf("run %s", d.Value.Status)
					}
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
		total += time.Since(start)
		if d, err := db.Runs.Get(ctx, thread, run.ID); err != nil || d.Value.Status != assistants.RunCompleted {
			b.Fatalf("run: %+v, %v", d, err)
		}
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

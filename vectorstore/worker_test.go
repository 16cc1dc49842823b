package vectorstore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// Goroutines of two Services (two processes) add, ingest, re-add and
// delete files of one store at once: the file counts match what each
// goroutine knows it left behind.
func TestFileCountsUnderConcurrency(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		b := newBucket(t)
		src := newMemSource()
		const goroutines, perG = 8, 6
		for g := range goroutines {
			for k := range perG {
				id := fmt.Sprintf("file-%d-%d", g, k)
				src.add(id, id+".txt", fmt.Appendf(nil, "goroutine %d file %d text", g, k))
			}
		}
		src.add("file-bad", "bad.exe", []byte("MZ"))
		svcs := []*Service{New(b, src, nil), New(b, src, nil)}
		vs := must(svcs[0].Create(ctx, CreateParams{}))
		var wg sync.WaitGroup
		want := make([]FileCounts, goroutines)
		for g := range goroutines {
			wg.Go(func() {
				svc := svcs[g%2]
				for k := range perG {
					id := fmt.Sprintf("file-%d-%d", g, k)
					if k == perG-1 {
						id = "file-bad" // every goroutine fails the same file in turn
						if g != 0 {
							continue
						}
					}
					must(svc.AddFile(ctx, vs.ID, FileParams{FileID: id, Attributes: Attributes{"g": g}}))
					f := must(svc.Ingest(ctx, vs.ID, id))
					if id == "file-bad" {
						want[g].add(f.Status)
						continue
					}
					switch k % 3 {
					case 0: // stays
						want[g].add(f.Status)
					case 1: // deleted
						if err := svc.DeleteFile(ctx, vs.ID, id); err != nil {
							panic(err)
						}
					case 2: // re-added, left in_progress, then ingested
						must(svc.AddFile(ctx, vs.ID, FileParams{FileID: id}))
						must(svcs[(g+1)%2].Ingest(ctx, vs.ID, id))
						want[g].add(StatusCompleted)
					}
				}
			})
		}
		wg.Wait()
		var total FileCounts
		for _, w := range want {
			total.InProgress += w.InProgress
			total.Completed += w.Completed
			total.Failed += w.Failed
			total.Total += w.Total
		}
		for _, svc := range svcs {
			got := must(svc.Get(ctx, vs.ID))
			if got.FileCounts != total {
				t.Fatalf("file counts %+v, want %+v", got.FileCounts, total)
			}
		}
		pg := must(svcs[1].ListFiles(ctx, vs.ID, ListFilesParams{ListParams: ListParams{Limit: 100}}))
		if len(pg.Data) != total.Total {
			t.Fatalf("%d files listed, want %d", len(pg.Data), total.Total)
		}
		for a, err := range storage.Objects(ctx, b, &storage.ListOptions{Prefix: QueuePrefix}) {
			t.Errorf("queue marker left: %v %v", a, err)
		}
	})
}

// Three Workers of three Services (three servers) share a 300-file
// batch; one of them stops dead mid-way, leaving its leases to lapse.
// Every file ends completed exactly once and the counts are exact.
func TestWorkersTakeOver(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		b := newBucket(t)
		src := newMemSource()
		const n = 300
		files := make([]FileParams, n)
		wantChunks := map[string]int{}
		for i := range files {
			id := fmt.Sprintf("file-%03d", i)
			// 1..3 chunks of 100 tokens each, 4 chunks a segment.
			words := 60 + 90*(i%3)
			src.add(id, id+".txt", []byte(strings.Repeat(fmt.Sprintf("w%d ", i), words)))
			files[i] = FileParams{FileID: id, Attributes: Attributes{"i": i}}
		}
		opts := &Options{LeaseDuration: 400 * time.Millisecond, SegmentChunks: 2}
		cs := ChunkingStrategy{Type: "static", Static: &StaticChunking{MaxChunkSizeTokens: 100, ChunkOverlapTokens: 0}}
		var svcs []*Service
		var workers []*Worker
		for i := range 3 {
			var s Source = src
			if i == 0 {
				// server-0 hangs on every file after its tenth, holding
				// (and renewing) their leases until it dies.
				s = &hangingSource{Source: src, after: 10}
			}
			svc := New(b, s, opts)
			svcs = append(svcs, svc)
			workers = append(workers, NewWorker(svc, &WorkerOptions{
				ID: fmt.Sprintf("server-%d", i), Concurrency: 4, PollInterval: 50 * time.Millisecond,
			}))
		}
		vs := must(svcs[0].Create(ctx, CreateParams{ChunkingStrategy: cs}))
		batch := must(svcs[0].CreateBatch(ctx, vs.ID, files))
		if batch.FileCounts.InProgress != n {
			t.Fatalf("batch %+v", batch)
		}
		var wg sync.WaitGroup
		ctxs := make([]context.CancelFunc, 3)
		for i, w := range workers {
			wctx, cancel := context.WithCancel(ctx)
			ctxs[i] = cancel
			wg.Go(func() { _ = w.Run(wctx) })
		}
		defer func() {
			for _, c := range ctxs {
				c()
			}
			wg.Wait()
		}()
		killed := false
		deadline := time.Now().Add(3 * time.Minute)
		for {
			got := must(svcs[1].GetBatch(ctx, vs.ID, batch.ID))
			if !killed && got.FileCounts.Completed >= n/5 {
				ctxs[0]() // server-0 dies: no more writes, its leases stay
				killed = true
			}
			if got.FileCounts.InProgress == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("not done: %+v", got.FileCounts)
			}
			time.Sleep(20 * time.Millisecond)
		}
		got := must(svcs[2].Get(ctx, vs.ID))
		if want := (FileCounts{Completed: n, Total: n}); got.FileCounts != want || got.Status != StatusCompleted {
			t.Fatalf("store %+v, want counts %+v", got, want)
		}
		// Exactly once: each file's chunks as expected, and one segment
		// object per chunk, all of one generation.
		chunks := map[string]int{}
		total := 0
		for i := range files {
			f := must(svcs[2].GetFile(ctx, vs.ID, files[i].FileID))
			if f.Status != StatusCompleted || f.Chunks < 1 {
				t.Fatalf("%+v", f)
			}
			wantChunks[f.ID] = f.Chunks
			total += f.Chunks
		}
		gens := map[string]string{}
		for a, err := range storage.Objects(ctx, b, &storage.ListOptions{Prefix: "vector_stores/" + vs.ID + "/segments/"}) {
			if err != nil {
				t.Fatal(err)
			}
			parts := strings.Split(strings.TrimPrefix(a.Key, "vector_stores/"+vs.ID+"/segments/"), "/")
			if g, ok := gens[parts[0]]; ok && g != parts[1] {
				t.Errorf("%s has segments of two generations", parts[0])
			}
			gens[parts[0]] = parts[1]
			chunks[parts[0]]++
		}
		for id, c := range wantChunks {
			if chunks[id] != (c+1)/2 {
				t.Errorf("%s: %d segment objects for %d chunks, 2 a segment", id, chunks[id], c)
			}
		}
		want := 0
		for i := range files {
			want += countChunks(t, src, files[i].FileID, cs)
		}
		if total != want {
			t.Errorf("%d chunks in all, want %d", total, want)
		}
		// A search sees every file once.
		res := must(svcs[1].Search(ctx, vs.ID, SearchParams{Query: Query{"w7"}, MaxNumResults: 50}))
		if len(res.Data) == 0 || res.Data[0].FileID != "file-007" {
			t.Errorf("search: %+v", res.Data)
		}
		// The queue empties (the last markers go right after the last
		// manifest write).
		for time.Now().Before(deadline) {
			left := 0
			for _, err := range storage.Objects(ctx, b, &storage.ListOptions{Prefix: QueuePrefix}) {
				if err != nil {
					t.Fatal(err)
				}
				left++
			}
			if left == 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		takeovers := 0
		for i := range files {
			r, err := svcs[0].readRecord(ctx, vs.ID, files[i].FileID)
			if err != nil {
				t.Fatal(err)
			}
			if r.Lease.Claims > 1 {
				takeovers++
			}
		}
		t.Logf("%d files taken over after server-0 stopped", takeovers)
		if takeovers == 0 {
			t.Error("no file was taken over")
		}
	})
}

// countChunks chunks a file of src on its own.
func countChunks(t *testing.T, src *memSource, id string, cs ChunkingStrategy) int {
	sf := must(src.Open(t.Context(), id))
	ch := must(NewChunker(sf.Body, cs))
	n := 0
	for {
		if _, err := ch.Next(); err != nil {
			return n
		}
		n++
	}
}

// hangingSource blocks every Open after the first after until ctx ends.
type hangingSource struct {
	Source
	after int
	mu    sync.Mutex
	n     int
}

func (h *hangingSource) Open(ctx context.Context, id string) (*SourceFile, error) {
	h.mu.Lock()
	h.n++
	hang := h.n > h.after
	h.mu.Unlock()
	if hang {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return h.Source.Open(ctx, id)
}

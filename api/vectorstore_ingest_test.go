package api_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/openai/openai-go/v3"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/storage/memstore"
)

// recordingIngest is an IngestExecutor that only records its calls, as
// a queue-based worker would before it ingests.
type recordingIngest struct {
	mu   sync.Mutex
	jobs [][2]string
}

func (r *recordingIngest) Enqueue(_ context.Context, vsID, fileID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jobs = append(r.jobs, [2]string{vsID, fileID})
	return nil
}

func (r *recordingIngest) take() [][2]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.jobs
	r.jobs = nil
	return out
}

// Config.Ingest replaces the in-process pool: the server only enqueues,
// the executor ingests through the server's Service, and ResumeIngest
// enqueues what is still in_progress.
func TestIngestExecutor(t *testing.T) {
	b := memstore.New()
	t.Cleanup(func() { b.Close() })
	rec := &recordingIngest{}
	srv := startServer(t, b, api.Config{Ingest: rec})
	c := openaiClient(t, srv.URL, testKey)
	ctx := t.Context()
	ids := []string{upload(t, c, "one.txt", "first file"), upload(t, c, "two.txt", "second file")}
	v, err := c.VectorStores.New(ctx, openai.VectorStoreNewParams{FileIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{v.ID, ids[0]}, {v.ID, ids[1]}}
	if got := rec.take(); !slices.Equal(got, want) {
		t.Fatalf("enqueued %v, want %v", got, want)
	}
	if err := srv.ResumeIngest(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); !slices.Equal(got, want) {
		t.Fatalf("resumed %v, want %v", got, want)
	}
	for _, id := range ids {
		if f, err := srv.VectorStores().Ingest(ctx, v.ID, id); err != nil || f.Status != "completed" {
			t.Fatalf("Ingest = %v, %v", f, err)
		}
	}
	if got, err := c.VectorStores.Get(ctx, v.ID); err != nil || got.Status != "completed" || got.FileCounts.Completed != 2 {
		t.Fatalf("Get = %v, %v", got, err)
	}
	if err := srv.ResumeIngest(ctx); err != nil || len(rec.take()) != 0 {
		t.Fatalf("ResumeIngest with nothing pending: %v", err)
	}
}

// After Close, the in-process pool takes no more work: adding a file
// answers 503 and leaves it in_progress for ResumeIngest.
func TestIngestPoolClosed(t *testing.T) {
	b := memstore.New()
	t.Cleanup(func() { b.Close() })
	srv := startServer(t, b, api.Config{})
	c := openaiClient(t, srv.URL, testKey)
	ctx := t.Context()
	id := upload(t, c, "late.txt", "too late")
	v, err := c.VectorStores.New(ctx, openai.VectorStoreNewParams{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	_, err = c.VectorStores.Files.New(ctx, v.ID, openai.VectorStoreFileNewParams{FileID: id})
	wantAPIError(t, err, http.StatusServiceUnavailable, "server_error", "")
	f, err := c.VectorStores.Files.Get(ctx, v.ID, id)
	if err != nil || f.Status != "in_progress" {
		t.Fatalf("Files.Get = %v, %v", f, err)
	}
}

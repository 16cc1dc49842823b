package vectorstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// must returns v, panicking on an error (which fails the test with
// its stack).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func addTestFiles(src *memSource) {
	src.add("file-go", "guide.md", []byte("# Go guide\n\nGoroutines and channels make concurrency simple. The scheduler multiplexes goroutines onto threads."))
	src.add("file-py", "notes.txt", []byte("Python uses an interpreter with a global interpreter lock; asyncio gives cooperative concurrency."))
	src.add("file-rs", "rust.html", []byte("<html><body><h1>Rust</h1><p>Ownership and borrowing give memory safety without a garbage collector.</p><script>goroutines</script></body></html>"))
	src.add("file-pdf", "paper.pdf", minimalPDF("Garbage collection pauses in managed runtimes"))
	src.add("file-docx", "memo.docx", minimalDOCX("Quarterly budget memo", "Channels of distribution for the product"))
	src.add("file-bad", "broken.pdf", []byte("%PDF-1.7 garbage"))
	src.add("file-exe", "tool.exe", []byte("MZ\x00\x00"))
}

func TestServiceLifecycle(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		src := newMemSource()
		addTestFiles(src)
		svc := New(newBucket(t), src, nil)

		vs := must(svc.Create(ctx, CreateParams{Name: "docs", Metadata: map[string]string{"team": "a"},
			FileIDs: []string{"file-go", "file-py", "file-rs", "file-pdf", "file-bad", "file-exe"}}))
		if vs.Status != StatusInProgress || vs.FileCounts.InProgress != 6 || vs.FileCounts.Total != 6 {
			t.Fatalf("new store %+v", vs)
		}
		must(svc.UpdateAttributes(ctx, vs.ID, "file-go", Attributes{"lang": "go", "year": 2024, "public": true}))
		must(svc.UpdateAttributes(ctx, vs.ID, "file-py", Attributes{"lang": "python", "year": 2019}))
		must(svc.UpdateAttributes(ctx, vs.ID, "file-rs", Attributes{"lang": "rust", "year": 2021, "public": false}))
		if err := svc.IngestAll(ctx, vs.ID, 4); err != nil {
			t.Fatal(err)
		}
		got := must(svc.Get(ctx, vs.ID))
		if got.Status != StatusCompleted || got.FileCounts.Completed != 4 || got.FileCounts.Failed != 2 || got.FileCounts.Total != 6 || got.UsageBytes <= 0 {
			t.Fatalf("after ingest %+v", got)
		}
		for id, code := range map[string]string{"file-bad": CodeInvalidFile, "file-exe": CodeUnsupportedFile} {
			f := must(svc.GetFile(ctx, vs.ID, id))
			if f.Status != StatusFailed || f.LastError == nil || f.LastError.Code != code {
				t.Errorf("%s: %+v, want failed %s", id, f, code)
			}
		}
		// Idempotent: a second run opens nothing and changes nothing.
		opens := src.opens
		f := must(svc.Ingest(ctx, vs.ID, "file-go"))
		if f.Status != StatusCompleted || src.opens != opens || f.Chunks != 1 || f.Filename != "guide.md" {
			t.Fatalf("re-ingest %+v, opens %d->%d", f, opens, src.opens)
		}

		res := must(svc.Search(ctx, vs.ID, SearchParams{Query: Query{"goroutines concurrency"}}))
		if len(res.Data) == 0 || res.Data[0].FileID != "file-go" || res.Data[0].Filename != "guide.md" {
			t.Fatalf("search: %+v", res.Data)
		}
		for _, r := range res.Data {
			if r.Score <= 0 || r.Score > 1 || r.FileID == "file-rs" {
				t.Errorf("result %+v", r) // the script's "goroutines" is not text
			}
		}
		if res.Data[0].Attributes["lang"] != "go" || res.Data[0].Content[0].Type != "text" {
			t.Errorf("result %+v", res.Data[0])
		}
		// PDF text is searchable.
		res = must(svc.Search(ctx, vs.ID, SearchParams{Query: Query{"garbage", "pauses"}}))
		if len(res.Data) == 0 || res.Data[0].FileID != "file-pdf" {
			t.Fatalf("pdf search: %+v", res.Data)
		}
		// Filters, nested.
		flt := &Filter{Type: "and", Filters: []Filter{
			{Type: "gte", Key: "year", Value: 2020},
			{Type: "or", Filters: []Filter{{Type: "eq", Key: "lang", Value: "rust"}, {Type: "in", Key: "lang", Value: []any{"python"}}}},
		}}
		res = must(svc.Search(ctx, vs.ID, SearchParams{Query: Query{"memory safety garbage concurrency"}, Filters: flt}))
		if len(res.Data) != 1 || res.Data[0].FileID != "file-rs" {
			t.Fatalf("filtered: %+v", res.Data)
		}
		res = must(svc.Search(ctx, vs.ID, SearchParams{Query: Query{"concurrency"}, RankingOptions: &RankingOptions{ScoreThreshold: 0.99}}))
		if len(res.Data) != 0 {
			t.Fatalf("threshold 0.99 kept %+v", res.Data)
		}
		// Content without overlaps.
		var buf bytes.Buffer
		if err := svc.WriteContent(ctx, vs.ID, "file-rs", &buf); err != nil || !strings.Contains(buf.String(), "Ownership and borrowing") || strings.Contains(buf.String(), "<p>") {
			t.Fatalf("content %q, %v", buf.String(), err)
		}
		// Delete a file: gone from search, the store counts it no more.
		if err := svc.DeleteFile(ctx, vs.ID, "file-go"); err != nil {
			t.Fatal(err)
		}
		res = must(svc.Search(ctx, vs.ID, SearchParams{Query: Query{"goroutines"}}))
		if len(res.Data) != 0 {
			t.Fatalf("deleted file still found: %+v", res.Data)
		}
		if _, err := svc.GetFile(ctx, vs.ID, "file-go"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted file: %v", err)
		}
		n := 0
		for a, err := range storage.Objects(ctx, svc.b, &storage.ListOptions{Prefix: "vector_stores/" + vs.ID + "/segments/file-go/"}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			t.Errorf("segment left: %s", a.Key)
		}
		// Listing files with a status filter.
		pg := must(svc.ListFiles(ctx, vs.ID, ListFilesParams{Status: StatusFailed, ListParams: ListParams{Order: "asc"}}))
		if len(pg.Data) != 2 || pg.HasMore {
			t.Fatalf("failed files %+v", pg)
		}
		pg = must(svc.ListFiles(ctx, vs.ID, ListFilesParams{ListParams: ListParams{Limit: 2}}))
		if len(pg.Data) != 2 || !pg.HasMore {
			t.Fatalf("page %+v", pg)
		}
		pg2 := must(svc.ListFiles(ctx, vs.ID, ListFilesParams{ListParams: ListParams{Limit: 2, After: pg.Data[1].ID}}))
		if len(pg2.Data) != 2 || pg2.Data[0].ID == pg.Data[1].ID {
			t.Fatalf("next page %+v", pg2)
		}
		// Batches and cancel.
		b := must(svc.CreateBatch(ctx, vs.ID, []FileParams{{FileID: "file-docx", Attributes: Attributes{"kind": "memo"}}, {FileID: "file-go"}}))
		if b.Status != StatusInProgress || b.FileCounts.InProgress != 2 {
			t.Fatalf("batch %+v", b)
		}
		must(svc.Ingest(ctx, vs.ID, "file-docx"))
		b = must(svc.CancelBatch(ctx, vs.ID, b.ID))
		if b.Status != StatusCancelled || b.FileCounts.Completed != 1 || b.FileCounts.Cancelled != 1 {
			t.Fatalf("cancelled batch %+v", b)
		}
		if f := must(svc.Ingest(ctx, vs.ID, "file-go")); f.Status != StatusCancelled {
			t.Fatalf("ingest after cancel %+v", f)
		}
		res = must(svc.Search(ctx, vs.ID, SearchParams{Query: Query{"budget memo"}, Filters: &Filter{Type: "eq", Key: "kind", Value: "memo"}}))
		if len(res.Data) != 1 || res.Data[0].FileID != "file-docx" {
			t.Fatalf("docx search %+v", res.Data)
		}
		// Stores list, modify, delete.
		vs2 := must(svc.Create(ctx, CreateParams{Name: "second"}))
		lp := must(svc.List(ctx, ListParams{}))
		if len(lp.Data) != 2 || lp.Data[0].ID != vs2.ID {
			t.Fatalf("list %+v", lp.Data)
		}
		name := "renamed"
		mv := must(svc.Modify(ctx, vs2.ID, ModifyParams{Name: &name, ExpiresAfter: &ExpiresAfter{Anchor: "last_active_at", Days: 7}}))
		if mv.Name != name || mv.ExpiresAt == nil || *mv.ExpiresAt != mv.LastActiveAt+7*86400 {
			t.Fatalf("modified %+v", mv)
		}
		if err := svc.Delete(ctx, vs.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Get(ctx, vs.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted store: %v", err)
		}
		for a, err := range storage.Objects(ctx, svc.b, &storage.ListOptions{Prefix: "vector_stores/" + vs.ID + "/"}) {
			t.Errorf("left after delete: %v %v", a, err)
		}
		_ = n
	})
}

// A crash after the segments were written and before the outcome was
// recorded (in the file's record, or in the manifest): the next Ingest
// reuses them and indexes the file once.
func TestIngestAfterCrash(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(key string) bool
		// reopens: whether the retry has to index again (the record
		// did not get the outcome).
		reopens bool
	}{
		{"manifest", func(key string) bool { return strings.HasSuffix(key, "manifest.json") }, false},
		{"record", func(key string) bool { return strings.Contains(key, "/files/") }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
				ctx := t.Context()
				src := newMemSource()
				var text strings.Builder
				for i := range 3000 {
					fmt.Fprintf(&text, "word%d sentence number %d. ", i%97, i)
				}
				src.add("file-big", "big.txt", []byte(text.String()))
				b := newBucket(t)
				var segPuts atomic.Int32
				crashing := &failingBucket{Bucket: b, fail: tc.fail, segPuts: &segPuts}
				opts := &Options{SegmentChunks: 4, MaxAttempts: 5}
				svc := New(crashing, src, opts)
				vs := must(New(b, nil, nil).Create(ctx, CreateParams{FileIDs: []string{"file-big"}}))
				crashing.armed.Store(true)
				if _, err := svc.Ingest(ctx, vs.ID, "file-big"); err == nil {
					t.Fatal("ingest with a failing write succeeded")
				}
				written := segPuts.Load()
				if written < 2 {
					t.Fatalf("%d segment puts", written)
				}
				opens := src.opens
				// The crashed holder's lease may still be live (a failed
				// manifest write leaves nothing to release): a second
				// process with a clock past it takes over.
				svc2 := New(b, src, &Options{SegmentChunks: 4, Now: func() time.Time { return time.Now().Add(2 * time.Minute) }})
				f := must(svc2.Ingest(ctx, vs.ID, "file-big"))
				if f.Status != StatusCompleted {
					t.Fatalf("%+v", f)
				}
				if reopened := src.opens > opens; reopened != tc.reopens {
					t.Errorf("retry opened the file again: %v, want %v", reopened, tc.reopens)
				}
				n := 0
				for _, err := range storage.Objects(ctx, b, &storage.ListOptions{Prefix: "vector_stores/" + vs.ID + "/segments/"}) {
					if err != nil {
						t.Fatal(err)
					}
					n++
				}
				if n != int(written) || n != (f.Chunks+3)/4 {
					t.Fatalf("%d segment objects, %d written before the crash, %d chunks", n, written, f.Chunks)
				}
				res := must(svc2.Search(ctx, vs.ID, SearchParams{Query: Query{"word5"}}))
				if len(res.Data) == 0 {
					t.Fatal("nothing found")
				}
				// Nothing is left queued.
				for a, err := range storage.Objects(ctx, b, &storage.ListOptions{Prefix: QueuePrefix}) {
					t.Errorf("queue marker left: %v %v", a, err)
				}
			})
		})
	}
}

// failingBucket fails, once armed, the writes fail selects (other than
// the first write of a file record, the claim), as a process that dies
// before committing; it counts segment writes.
type failingBucket struct {
	storage.Bucket
	fail    func(key string) bool
	armed   atomic.Bool
	claimed atomic.Bool
	segPuts *atomic.Int32
}

func (f *failingBucket) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	if f.armed.Load() && f.fail(key) {
		if !strings.Contains(key, "/files/") || f.claimed.Swap(true) {
			return nil, storage.Errorf("put", key, storage.ErrInvalidArgument, "injected failure")
		}
	}
	if strings.HasSuffix(key, ".seg") {
		f.segPuts.Add(1)
	}
	return f.Bucket.Put(ctx, key, r, opts)
}

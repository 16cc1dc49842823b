package vectorstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// fakeEmbeddings is an OpenAI-compatible /embeddings endpoint that
// answers with HashEmbedder vectors, after failing as scripted.
type fakeEmbeddings struct {
	mu       sync.Mutex
	fail     []int // statuses to answer first, in order
	requests int
	inputs   []int
	last     embedRequest
	auth     string
}

func (f *fakeEmbeddings) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if r.URL.Path != "/v1/embeddings" || r.Method != http.MethodPost {
		http.Error(w, "not found", 404)
		return
	}
	f.auth = r.Header.Get("Authorization")
	if len(f.fail) > 0 {
		st := f.fail[0]
		f.fail = f.fail[1:]
		if st == 429 {
			w.Header().Set("Retry-After", "2")
		}
		w.WriteHeader(st)
		fmt.Fprintf(w, `{"error":{"message":"scripted %d"}}`, st)
		return
	}
	var req embedRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	f.last = req
	f.inputs = append(f.inputs, len(req.Input))
	vecs, _ := HashEmbedder{Dims: max(req.Dimensions, 8)}.Embed(r.Context(), req.Input)
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	var resp struct {
		Object string `json:"object"`
		Data   []item `json:"data"`
	}
	resp.Object = "list"
	for i := len(vecs) - 1; i >= 0; i-- { // out of order on purpose
		resp.Data = append(resp.Data, item{"embedding", i, vecs[i]})
	}
	json.NewEncoder(w).Encode(resp)
}

func TestOpenAIEmbedder(t *testing.T) {
	fake := &fakeEmbeddings{fail: []int{429, 503}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var slept []time.Duration
	e := &OpenAIEmbedder{BaseURL: srv.URL + "/v1/", Model: "m", APIKey: "k", Dimensions: 32, BatchSize: 64,
		Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}
	texts := make([]string, 150)
	for i := range texts {
		texts[i] = fmt.Sprintf("text number %d", i)
	}
	vecs, err := e.Embed(t.Context(), texts)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := HashEmbedder{Dims: 32}.Embed(t.Context(), texts)
	for i := range vecs {
		if len(vecs[i]) != 32 || vecs[i][0] != want[i][0] {
			t.Fatalf("vector %d wrong or out of order", i)
		}
	}
	if fmt.Sprint(fake.inputs) != "[64 64 22]" || fake.requests != 5 {
		t.Errorf("batches %v in %d requests", fake.inputs, fake.requests)
	}
	if len(slept) != 2 || slept[0] < 2*time.Second {
		t.Errorf("slept %v, want two waits, the first at least Retry-After", slept)
	}
	if fake.auth != "Bearer k" || fake.last.Model != "m" || fake.last.Dimensions != 32 {
		t.Errorf("request auth %q, %+v", fake.auth, fake.last)
	}

	// A 400 fails at once with the server's message.
	fake.fail = []int{400}
	_, err = e.Embed(t.Context(), []string{"x"})
	var ee *EmbeddingError
	if !errors.As(err, &ee) || ee.Status != 400 || !strings.Contains(err.Error(), "scripted 400") || len(slept) != 2 {
		t.Errorf("400: %v (slept %v)", err, slept)
	}
	// Retries run out.
	fake.fail = []int{500, 500, 500}
	e.Retry.MaxRetries, e.Retry.Base = 2, time.Millisecond
	if _, err := e.Embed(t.Context(), []string{"x"}); !errors.As(err, &ee) || ee.Status != 500 {
		t.Errorf("exhausted: %v", err)
	}
}

// With an embedder, files are embedded and search is hybrid; an
// embedding failure fails the file with server_error.
func TestHybridSearch(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		fake := &fakeEmbeddings{}
		srv := httptest.NewServer(fake)
		defer srv.Close()
		src := newMemSource()
		addTestFiles(src)
		emb := &OpenAIEmbedder{BaseURL: srv.URL + "/v1", Model: "m", Dimensions: 768,
			Sleep: func(context.Context, time.Duration) error { return nil }}
		svc := New(newBucket(t), src, &Options{Embedder: emb})
		vs := must(svc.Create(ctx, CreateParams{FileIDs: []string{"file-go", "file-py", "file-rs"}}))
		fake.fail = []int{400}
		must(svc.Ingest(ctx, vs.ID, "file-go"))
		if err := svc.IngestAll(ctx, vs.ID, 2); err != nil {
			t.Fatal(err)
		}
		f := must(svc.GetFile(ctx, vs.ID, "file-go"))
		if f.Status != StatusFailed || f.LastError.Code != CodeServerError || !strings.Contains(f.LastError.Message, "embedding") {
			t.Fatalf("file with a failed embedding: %+v %+v", f, f.LastError)
		}
		// "goroutine" (singular) is no BM25 term of any file, but its
		// trigrams are close to "goroutines": vectors find it.
		res := must(svc.Search(ctx, vs.ID, SearchParams{Query: Query{"borrowing ownership"}}))
		if len(res.Data) == 0 || res.Data[0].FileID != "file-rs" {
			t.Fatalf("hybrid: %+v", res.Data)
		}
		res = must(svc.Search(ctx, vs.ID, SearchParams{Query: Query{"interpreters"}}))
		if len(res.Data) == 0 || res.Data[0].FileID != "file-py" {
			t.Fatalf("vector-only match: %+v", res.Data)
		}
		for _, r := range res.Data {
			if r.Score < 0 || r.Score > 1 {
				t.Errorf("score %v", r.Score)
			}
		}
	})
}

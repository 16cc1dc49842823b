package main

//lint:file-ignore SA1019 r2kit serves the Assistants API, which openai-go marks deprecated

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/servetest"
	"github.com/r2kit/r2kit/storage"
	_ "github.com/r2kit/r2kit/storage/s3store"
)

// TestServeProcessesShareIngestion: three r2kit serve processes on one
// S3 bucket ingest a 300-file batch; one is killed with SIGKILL while
// the batch is under way. Every file ends completed exactly once (one
// generation of segments per file), and the batch's and the store's
// file_counts are exact.
func TestServeProcessesShareIngestion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs three servers")
	}
	s3 := backendtest.RequireS3(t, false)
	bucket := backendtest.CreateBucket(t, s3.Client())
	bin := servetest.Build(t)
	q := url.Values{"endpoint": {s3.Endpoint}, "region": {s3.Region}, "path_style": {"true"}}
	bucketURL := "s3://" + bucket + "?" + q.Encode()
	env := []string{"R2KIT_BUCKET=" + bucketURL, "AWS_ACCESS_KEY_ID=" + s3.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s3.SecretKey,
		"AWS_EC2_METADATA_DISABLED=true", "R2KIT_LOG_LEVEL=error"}
	procs := make([]*servetest.Process, 3)
	for i := range procs {
		procs[i] = servetest.Start(t, bin, env, "--worker=false", "--ingest-lease", "2s", "--ingest-workers", "2")
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer hc.CloseIdleConnections()
	clients := make([]openai.Client, len(procs))
	for i, p := range procs {
		clients[i] = openai.NewClient(option.WithBaseURL(p.Base+"/v1/"), option.WithAPIKey("sk-none"), option.WithHTTPClient(hc))
	}
	ctx := t.Context()

	const n = 300
	ids := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range ids {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			body := fmt.Sprintf("File %d is about topic-%03d and nothing else.", i, i)
			f, err := clients[i%3].Files.New(ctx, openai.FileNewParams{Purpose: openai.FilePurposeAssistants,
				File: openai.File(bytes.NewReader([]byte(body)), fmt.Sprintf("f%03d.txt", i), "text/plain")})
			if err != nil {
				t.Errorf("upload %d: %v", i, err)
				return
			}
			ids[i] = f.ID
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	vs, err := clients[1].VectorStores.New(ctx, openai.VectorStoreNewParams{Name: openai.String("shared")})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := clients[0].VectorStores.FileBatches.New(ctx, vs.ID, openai.VectorStoreFileBatchNewParams{FileIDs: ids})
	if err != nil {
		t.Fatal(err)
	}

	// SIGKILL process 0 once the batch is under way.
	deadline := time.Now().Add(120 * time.Second)
	for {
		b, err := clients[2].VectorStores.FileBatches.Get(ctx, vs.ID, batch.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b.FileCounts.Completed >= n/10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the batch never got under way: %+v", b.FileCounts)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := procs[0].Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	var done *openai.VectorStoreFileBatch
	for {
		done, err = clients[2].VectorStores.FileBatches.Get(ctx, vs.ID, batch.ID)
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != "in_progress" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the batch did not finish: %+v", done.FileCounts)
		}
		time.Sleep(50 * time.Millisecond)
	}
	fc := done.FileCounts
	if done.Status != "completed" || fc.Completed != n || fc.Failed != 0 || fc.InProgress != 0 || fc.Total != n {
		t.Fatalf("batch %s, counts %+v; want all %d completed", done.Status, fc, n)
	}
	store, err := clients[1].VectorStores.Get(ctx, vs.ID)
	if err != nil || store.FileCounts.Completed != n || store.FileCounts.Total != n {
		t.Fatalf("store counts %+v, %v", store.FileCounts, err)
	}

	// Exactly one generation of segments per file: nothing indexed twice.
	t.Setenv("AWS_ACCESS_KEY_ID", s3.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3.SecretKey)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	b, err := storage.Open(ctx, bucketURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	gens := map[string]map[string]bool{}
	prefix := "vector_stores/" + vs.ID + "/segments/"
	for obj, err := range storage.Objects(ctx, b, &storage.ListOptions{Prefix: prefix}) {
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(strings.TrimPrefix(obj.Key, prefix), "/")
		if len(parts) != 3 {
			t.Fatalf("segment key %s", obj.Key)
		}
		if gens[parts[0]] == nil {
			gens[parts[0]] = map[string]bool{}
		}
		gens[parts[0]][parts[1]] = true
	}
	for _, id := range ids {
		if len(gens[id]) != 1 {
			t.Errorf("file %s has %d generations of segments; want 1", id, len(gens[id]))
		}
	}
	// Files claimed more than once were taken over from another worker.
	takenOver := 0
	for _, id := range ids {
		_, raw, err := storage.ReadAll(ctx, b, "vector_stores/"+vs.ID+"/files/"+id+".json", nil, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		var rec struct {
			Lease struct{ Claims int } `json:"lease"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Lease.Claims > 1 {
			takenOver++
		}
	}
	t.Logf("%d files on 3 servers, one SIGKILLed at %d completed; all completed once, %s after the kill; %d files claimed more than once",
		n, n/10, time.Since(killed).Round(time.Millisecond), takenOver)
}

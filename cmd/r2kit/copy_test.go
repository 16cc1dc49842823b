package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// seedState writes assistants state into b: an assistant, a thread
// with messages, an ended run, a file with bytes, and a TTL'd object.
func seedState(t *testing.T, b storage.Bucket) (thread, file string) {
	t.Helper()
	ctx := t.Context()
	db := store.Open(b, &store.Options{TTL: store.KeepUntilDeleted})
	if _, err := db.Assistants.Put(ctx, assistants.Assistant{ID: "asst_copy", Model: "m", CreatedAt: 1}); err != nil {
		t.Fatal(err)
	}
	th, err := db.Threads.Create(ctx, &assistants.ThreadCreateRequest{Messages: []assistants.MessageCreateRequest{
		{Role: assistants.RoleUser, Content: assistants.TextInput("one")},
		{Role: assistants.RoleUser, Content: assistants.TextInput("two")}}})
	if err != nil {
		t.Fatal(err)
	}
	run := assistants.Run{ID: assistants.NewID(assistants.PrefixRun), ThreadID: th.Value.ID, AssistantID: "asst_copy",
		CreatedAt: 2, Status: assistants.RunCompleted, CompletedAt: assistants.Ptr(int64(3)), Model: "m"}
	if _, err := db.Runs.Create(ctx, run); err != nil {
		t.Fatal(err)
	}
	f, err := db.Files.Create(ctx, strings.NewReader("file bytes"), store.FileUpload{Filename: "a.txt", Purpose: "assistants"})
	if err != nil {
		t.Fatal(err)
	}
	md := storage.CreateMetadata("note", time.Now(), time.Hour, nil)
	if _, err := b.Put(ctx, "notes/ttl.json", strings.NewReader(`{"n":1}`), &storage.PutOptions{ContentType: "application/json", Metadata: md}); err != nil {
		t.Fatal(err)
	}
	return th.Value.ID, f.Value.ID
}

// sameState checks that dst serves the state seedState wrote into src.
func sameState(t *testing.T, src, dst storage.Bucket, thread, file string) {
	t.Helper()
	ctx := t.Context()
	db := store.Open(dst, &store.Options{TTL: store.KeepUntilDeleted})
	if _, err := db.Assistants.Get(ctx, "asst_copy"); err != nil {
		t.Errorf("assistant: %v", err)
	}
	page, err := db.Messages.List(ctx, thread, store.MessageListParams{ListParams: assistants.ListParams{Order: assistants.OrderAsc}})
	if err != nil || len(page.Data) != 2 || page.Data[1].Content[0].Text.Value != "two" {
		t.Errorf("messages: %+v, %v", page.Data, err)
	}
	// The desc index came along too.
	if desc, err := db.Messages.List(ctx, thread, store.MessageListParams{}); err != nil || len(desc.Data) != 2 {
		t.Errorf("messages newest first: %d, %v", len(desc.Data), err)
	}
	if runs, err := db.Runs.List(ctx, thread, assistants.ListParams{}); err != nil || len(runs.Data) != 1 {
		t.Errorf("runs: %+v, %v", runs.Data, err)
	}
	r, err := db.Files.GetBlob(ctx, file, nil)
	if err != nil {
		t.Fatalf("file bytes: %v", err)
	}
	data, _ := io.ReadAll(r)
	r.Close()
	if string(data) != "file bytes" {
		t.Errorf("file bytes %q", data)
	}
	a, _ := src.Stat(ctx, "notes/ttl.json")
	b, err := dst.Stat(ctx, "notes/ttl.json")
	if err != nil || b.ContentType != "application/json" || b.Metadata[storage.MetaExpires] != a.Metadata[storage.MetaExpires] {
		t.Errorf("TTL'd object: %+v, %v; source %+v", b, err, a)
	}
}

// TestCopy copies the embedded default's directory to another bucket
// (a directory, and the S3 server), twice: the first run copies and
// verifies every object, the second copies nothing; a changed object is
// copied again by a third. The destination serves the same state.
func TestCopy(t *testing.T) {
	s3 := backendtest.RequireS3(t, false)
	t.Setenv("AWS_ACCESS_KEY_ID", s3.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3.SecretKey)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	bucket := backendtest.CreateBucket(t, s3.Client())
	q := url.Values{"endpoint": {s3.Endpoint}, "region": {s3.Region}, "path_style": {"true"}}
	for name, dstURL := range map[string]string{"file": t.TempDir(), "s3": "s3://" + bucket + "?" + q.Encode()} {
		t.Run(name, func(t *testing.T) {
			ctx := context.WithoutCancel(t.Context())
			srcDir := t.TempDir()
			src := openURL(t, srcDir)
			thread, file := seedState(t, src)
			n := countObjects(t, src)
			want := fmt.Sprintf("copied %d objects", n)
			if out := ok(t, srcDir, "copy", srcDir, dstURL); !strings.HasPrefix(out, want) || !strings.Contains(out, fmt.Sprintf("verified %d", n)) {
				t.Fatalf("first copy: %q; want %q and every object verified", out, want)
			}
			dst := openURL(t, dstURL)
			sameState(t, src, dst, thread, file)
			if out := ok(t, srcDir, "copy", srcDir, dstURL); !strings.HasPrefix(out, fmt.Sprintf("copied 0 objects (0 bytes), skipped %d", n)) {
				t.Fatalf("second copy: %q; want nothing copied", out)
			}
			if _, err := src.Put(ctx, "notes/ttl.json", strings.NewReader(`{"n":2}`), nil); err != nil {
				t.Fatal(err)
			}
			if out := ok(t, srcDir, "copy", "--prefix", "notes/", srcDir, dstURL); !strings.HasPrefix(out, "copied 1 objects") {
				t.Fatalf("copy after a change: %q; want the changed object copied", out)
			}
		})
	}
}

func openURL(t *testing.T, u string) storage.Bucket {
	t.Helper()
	b, err := storage.Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func countObjects(t *testing.T, b storage.Bucket) int {
	t.Helper()
	n := 0
	for _, err := range storage.Objects(t.Context(), b, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

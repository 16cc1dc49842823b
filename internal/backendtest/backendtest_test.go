package backendtest_test

import (
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// TestForEach: every backend gets a subtest, and each newBucket call
// returns a fresh, empty, working Bucket.
func TestForEach(t *testing.T) {
	var (
		mu  sync.Mutex
		ran []string
	)
	backendtest.ForEach(t, func(t *testing.T, newBucket func(t testing.TB) storage.Bucket) {
		mu.Lock()
		ran = append(ran, t.Name()[len("TestForEach/"):])
		mu.Unlock()
		b1, b2 := newBucket(t), newBucket(t)
		ctx := t.Context()
		if _, err := b1.Put(ctx, "dir/k", strings.NewReader("v"), &storage.PutOptions{IfNoneMatch: "*"}); err != nil {
			t.Fatalf("Put: %v", err)
		}
		obj, err := b1.Get(ctx, "dir/k", nil)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		data, err := io.ReadAll(obj.Body)
		obj.Body.Close()
		if err != nil || string(data) != "v" {
			t.Errorf("Get = %q, %v", data, err)
		}
		if _, err := b2.Stat(ctx, "dir/k"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a second bucket sees the first one's object: %v", err)
		}
		page, err := b2.List(ctx, nil)
		if err != nil || len(page.Objects) != 0 {
			t.Errorf("List of a new bucket = %+v, %v", page, err)
		}
	})
	want := []string{"mem", "file"}
	if _, ok := backendtest.S3FromEnv(false); ok {
		want = append(want, "s3")
	}
	if _, ok := backendtest.S3FromEnv(true); ok {
		want = append(want, "r2")
	}
	if !slices.Equal(ran, want) {
		t.Errorf("ForEach ran %q, want %q", ran, want)
	}
}

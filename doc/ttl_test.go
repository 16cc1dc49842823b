package doc_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// clock is an injected clock for TTL tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestTTL(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		clk := newClock()
		b := newBucket(t)
		s := doc.New(b, &doc.Options{Now: clk.Now})

		d, err := doc.Put(ctx, s, "runs/r.json", counter{1}, &doc.WriteOptions{TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if want := clk.Now().Add(time.Hour); !d.ExpiresAt.Equal(want) {
			t.Fatalf("ExpiresAt = %v, want %v", d.ExpiresAt, want)
		}
		clk.Advance(59 * time.Minute)
		if _, err := doc.Get[counter](ctx, s, "runs/r.json"); err != nil {
			t.Fatalf("before expiry: %v", err)
		}
		clk.Advance(time.Minute)
		_, err = doc.Get[counter](ctx, s, "runs/r.json")
		if !errors.Is(err, doc.ErrExpired) || !errors.Is(err, doc.ErrNotFound) {
			t.Fatalf("after expiry: err = %v, want ErrExpired and ErrNotFound", err)
		}
		if ok, _ := doc.Exists(ctx, s, "runs/r.json"); ok {
			t.Fatal("Exists reports an expired document")
		}
		// An Update sees an expired document as absent and replaces it.
		u, err := doc.Update(ctx, s, "runs/r.json", func(c *counter, exists bool) (counter, error) {
			if exists {
				t.Error("Update saw an expired document as present")
			}
			return counter{100}, nil
		}, nil)
		if err != nil || u.Value.N != 100 || !u.ExpiresAt.IsZero() {
			t.Fatalf("Update over expired = %+v, %v", u, err)
		}
		// Create-only PutIf treats an expired document as absent too.
		if _, err := doc.Put(ctx, s, "runs/old.json", counter{1}, &doc.WriteOptions{TTL: time.Second}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
		if _, err := doc.PutIf(ctx, s, "runs/old.json", counter{2}, "", nil); err != nil {
			t.Fatalf("PutIf create over expired: %v", err)
		}
	})
}

// refreshOnDelete rewrites an object just before the sweep's delete
// reaches it, as a concurrent refresh would.
type refreshOnDelete struct {
	storage.Bucket
	key string
}

func (r *refreshOnDelete) Delete(ctx context.Context, key string, opts *storage.DeleteOptions) error {
	if key == r.key {
		if _, err := r.Bucket.Put(ctx, key, strings.NewReader(`{"n":42}`), nil); err != nil {
			return err
		}
	}
	return r.Bucket.Delete(ctx, key, opts)
}

func TestSweep(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		clk := newClock()
		b := newBucket(t)
		s := doc.New(b, &doc.Options{Now: clk.Now})
		put := func(key string, ttl time.Duration) {
			t.Helper()
			if _, err := doc.Put(ctx, s, key, counter{1}, &doc.WriteOptions{TTL: ttl}); err != nil {
				t.Fatal(err)
			}
		}
		put("t/expired1", time.Minute)
		put("t/expired2", time.Minute)
		put("t/refreshed", time.Minute)
		put("t/later", 2*time.Hour)
		put("t/forever", 0)
		put("other/expired", time.Minute)
		clk.Advance(time.Hour)

		res, err := storage.Sweep(ctx, &refreshOnDelete{Bucket: b, key: "t/refreshed"}, "t/", &storage.SweepOptions{Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		want := storage.SweepResult{Scanned: 5, Deleted: 2, Kept: 1}
		if res != want {
			t.Fatalf("Sweep = %+v, want %+v", res, want)
		}
		for key, alive := range map[string]bool{
			"t/expired1": false, "t/expired2": false, "t/refreshed": true,
			"t/later": true, "t/forever": true, "other/expired": true,
		} {
			_, err := b.Stat(ctx, key)
			if got := err == nil; got != alive {
				t.Errorf("%s: present = %v, want %v (err %v)", key, got, alive, err)
			}
		}
		obj, err := b.Get(ctx, "t/refreshed", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer obj.Body.Close()
		if body, _ := io.ReadAll(obj.Body); string(body) != `{"n":42}` {
			t.Fatalf("refreshed object = %s, want the refresh", body)
		}
	})
}

func TestMetadataHelpers(t *testing.T) {
	now := time.Unix(1000, 0)
	md := storage.CreateMetadata("assistant", now, storage.RecommendedTTL("assistant"), map[string]string{"custom": "v"})
	if md["custom"] != "v" || md[storage.MetaType] != "assistant" {
		t.Fatalf("metadata = %v", md)
	}
	exp, ok := storage.ExpiresAt(md)
	if !ok || !exp.Equal(now.Add(30*24*time.Hour)) {
		t.Fatalf("ExpiresAt = %v, %v", exp, ok)
	}
	if storage.IsExpired(md, exp.Add(-time.Millisecond)) || !storage.IsExpired(md, exp) {
		t.Fatal("IsExpired is wrong at the boundary")
	}
	if storage.IsExpired(storage.CreateMetadata("x", now, 0, nil), now.Add(1e6*time.Hour)) {
		t.Fatal("a document without TTL expired")
	}
	for typ, want := range map[string]time.Duration{
		"assistant": 30 * 24 * time.Hour, "thread": 7 * 24 * time.Hour, "run": 24 * time.Hour, "unknown": storage.DefaultTTL,
	} {
		if got := storage.RecommendedTTL(typ); got != want {
			t.Errorf("RecommendedTTL(%q) = %v, want %v", typ, got, want)
		}
	}
}

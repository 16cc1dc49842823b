package s3store_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/r2profile"
	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/s3store"
)

// lease is the document of the racing delete test.
type lease struct {
	Owner     string `json:"owner"`
	Refreshed bool   `json:"refreshed"`
}

// retryTransient calls f until it returns something other than a
// transient error (R2's 429), waiting what the store asked.
func retryTransient(t *testing.T, f func() error) error {
	for {
		err := f()
		if !errors.Is(err, storage.ErrTransient) {
			return err
		}
		d, ok := resilience.RetryAfter(err)
		if !ok {
			d = 100 * time.Millisecond
		}
		select {
		case <-t.Context().Done():
			return err
		case <-time.After(d):
		}
	}
}

// TestR2RefreshedSurvivesDelete: on the R2 profile (one write per second
// per key, no conditional DELETE), refreshers race deleters (storage.Sweep
// and doc.Delete with the ETag first read) over expired documents. Every
// document whose refresh committed survives with the refreshed content;
// exactly the others are gone; no key was both refreshed and deleted by
// doc.Delete.
func TestR2RefreshedSurvivesDelete(t *testing.T) {
	b, proxy := backendtest.NewR2Bucket(t, nil)
	s := doc.New(b, &doc.Options{CacheEntries: -1})
	ctx := t.Context()
	const n = 12
	keys := make([]string, n)
	etags := make([]string, n)
	for i := range n {
		keys[i] = fmt.Sprintf("leases/%02d.json", i)
		d, err := doc.Put(ctx, s, keys[i], lease{Owner: keys[i]}, &doc.WriteOptions{TTL: time.Minute})
		if err != nil {
			t.Fatalf("Put %s: %v", keys[i], err)
		}
		etags[i] = d.ETag
	}
	later := func() time.Time { return time.Now().Add(time.Hour) } // the first TTL is over, not the refreshed one

	var (
		mu        sync.Mutex
		refreshed = map[string]string{} // key -> ETag of the committed refresh
		deleted   = map[string]bool{}   // deleted by doc.Delete
		wg        sync.WaitGroup
		start     = make(chan struct{})
	)
	for i, key := range keys {
		if i%2 == 0 {
			wg.Go(func() { // refresher
				<-start
				var d *doc.Doc[lease]
				err := retryTransient(t, func() (err error) {
					d, err = doc.PutIf(ctx, s, key, lease{Owner: key, Refreshed: true}, etags[i], &doc.WriteOptions{TTL: 24 * time.Hour})
					return err
				})
				switch {
				case err == nil:
					mu.Lock()
					refreshed[key] = d.ETag
					mu.Unlock()
				case !errors.Is(err, doc.ErrConflict) && !errors.Is(err, storage.ErrNotFound):
					t.Errorf("refresh %s: %v", key, err)
				}
			})
		}
		if i%3 == 0 {
			wg.Go(func() { // doc.Delete with the first ETag
				<-start
				err := retryTransient(t, func() error { return doc.Delete(ctx, s, key, etags[i]) })
				switch {
				case err == nil:
					mu.Lock()
					deleted[key] = true
					mu.Unlock()
				case !errors.Is(err, doc.ErrConflict) && !errors.Is(err, storage.ErrPreconditionFailed) && !errors.Is(err, storage.ErrNotFound):
					t.Errorf("doc.Delete %s: %v", key, err)
				}
			})
		}
	}
	for range 2 {
		wg.Go(func() { // sweeper: until one pass has nothing left to retry
			<-start
			for pass := 0; pass < 20; pass++ {
				res, err := storage.Sweep(ctx, b, "leases/", &storage.SweepOptions{Now: later})
				if err != nil && !errors.Is(err, storage.ErrTransient) {
					t.Errorf("Sweep: %v", err)
					return
				}
				if res.Failed == 0 && res.Deleted == 0 && pass > 0 {
					return
				}
				time.Sleep(time.Second)
			}
			t.Errorf("Sweep still had throttled deletes after 20 passes")
		})
	}
	close(start)
	wg.Wait()

	for i, key := range keys {
		a, err := b.Stat(ctx, key)
		etag, wasRefreshed := refreshed[key]
		switch {
		case wasRefreshed && err != nil:
			t.Errorf("%s was refreshed (ETag %s) but is gone: %v", key, etag, err)
		case wasRefreshed && a.ETag != etag:
			t.Errorf("%s was refreshed to %s but holds %s", key, etag, a.ETag)
		case !wasRefreshed && !errors.Is(err, storage.ErrNotFound):
			t.Errorf("%s was not refreshed (refresher: %v) but is still there: %+v, %v", key, i%2 == 0, a, err)
		}
		if wasRefreshed && deleted[key] {
			t.Errorf("%s: both the refresh and doc.Delete of the first version succeeded", key)
		}
	}
	st := proxy.Stats()
	t.Logf("%d refreshed, %d deleted by doc.Delete; proxy: %+v", len(refreshed), len(deleted), st)
	if st.ConditionalDeletes != 0 {
		t.Errorf("%d conditional DELETE requests sent to R2", st.ConditionalDeletes)
	}
	if st.Throttled == 0 {
		t.Logf("no write was throttled: the race did not reach the limit")
	}
}

// TestR2LeftTombstone: a tombstone whose DELETE could not be sent in
// time (here: throttled, Retry-After past the deleter's window; a crash
// is the same) reads as absent to Stat, Get and List, is replaced by a
// create once the grace is over, and is purged by Sweep.
func TestR2LeftTombstone(t *testing.T) {
	const grace = 2 * time.Second
	b, proxy := backendtest.NewR2Bucket(t, &backendtest.R2Options{
		Profile: &r2profile.Options{Burst: 2}, // the Put and the tombstone pass, the DELETE is throttled
		// Unpaced, so that the limit refuses the DELETE.
		Store: &s3store.Options{TombstoneGrace: grace, WriteInterval: -1},
	})
	ctx := t.Context()
	leave := func(key string) {
		t.Helper()
		a, err := b.Put(ctx, key, strings.NewReader("v"), nil)
		if err != nil {
			t.Fatalf("Put %s: %v", key, err)
		}
		if err := b.Delete(ctx, key, &storage.DeleteOptions{IfMatch: a.ETag}); err != nil {
			t.Fatalf("Delete %s: %v", key, err)
		}
	}
	left := time.Now() // a's tombstone is younger than this
	leave("a")
	leave("b")
	if n := rawCount(t, b); n != 2 {
		t.Fatalf("%d objects stored, want 2 tombstones (proxy %+v)", n, proxy.Stats())
	}
	if _, err := b.Stat(ctx, "a"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat of a tombstone: %v, want ErrNotFound", err)
	}
	if _, err := b.Get(ctx, "a", nil); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get of a tombstone: %v, want ErrNotFound", err)
	}
	if err := b.Delete(ctx, "a", nil); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Delete of a tombstone: %v, want ErrNotFound", err)
	}
	if page, err := b.List(ctx, nil); err != nil || len(page.Objects) != 0 {
		t.Errorf("List with tombstones only = %+v, %v; want no objects", page, err)
	}
	if n, err := b.PurgeTombstones(ctx, ""); n != 0 || err != nil {
		t.Errorf("PurgeTombstones within the grace = %d, %v; want 0", n, err)
	}

	began := time.Now()
	var a *storage.Attrs
	err := retryTransient(t, func() (err error) {
		a, err = b.Put(ctx, "a", strings.NewReader("new"), &storage.PutOptions{IfNoneMatch: "*"})
		return err
	})
	if err != nil {
		t.Fatalf("create over a tombstone: %v", err)
	}
	// The safety property: a tombstone younger than the grace (whose
	// deleter may still remove it) is never replaced. How much longer the
	// create waits depends on the servers' one-second clocks and 429s.
	waited := time.Since(began)
	if age := time.Since(left); age < grace-time.Second { // the servers' clocks count whole seconds
		t.Errorf("a tombstone under %v old was replaced, grace %v: its deleter could still remove it", age, grace)
	}
	t.Logf("create over a tombstone waited %v (grace %v)", waited, grace)
	obj, err := b.Get(ctx, "a", nil)
	if err != nil {
		t.Fatalf("Get after the create: %v", err)
	}
	data, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if string(data) != "new" || obj.ETag != a.ETag {
		t.Errorf("Get after the create = %q %s, want \"new\" %s", data, obj.ETag, a.ETag)
	}

	res, err := storage.Sweep(ctx, b, "", nil)
	if err != nil || res.Purged != 1 {
		t.Errorf("Sweep = %+v, %v; want the tombstone of b purged", res, err)
	}
	if n := rawCount(t, b); n != 1 {
		t.Errorf("%d objects stored after the purge, want 1", n)
	}
}

// rawCount counts the objects in b's S3 bucket, tombstones included.
func rawCount(t *testing.T, b *s3store.Bucket) int {
	t.Helper()
	out, err := b.Client().ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: new(b.Name())})
	if err != nil {
		t.Fatalf("ListObjectsV2: %v", err)
	}
	return len(out.Contents)
}

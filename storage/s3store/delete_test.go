package s3store_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/s3store"
)

// TestR2DeleteTombstone: for R2, which documents no If-Match on
// DeleteObject, a conditional Delete is a PutObject of a tombstone with
// If-Match, then a DeleteObject without condition: two requests, and a
// stale ETag sends no DELETE.
func TestR2DeleteTombstone(t *testing.T) {
	const etag = `"0123456789abcdef0123456789abcdef"`
	rec := &recorder{respond: func(r *http.Request) (*http.Response, error) {
		switch {
		case r.Method == http.MethodHead:
			return headOK(r, etag), nil
		case r.Method == http.MethodPut && r.Header.Get("If-Match") != etag:
			return s3Error(r, http.StatusPreconditionFailed, "PreconditionFailed"), nil
		case r.Method == http.MethodPut:
			if r.Header.Get("X-Amz-Meta-R2kit-Tombstone") == "" {
				t.Errorf("tombstone PUT without its metadata: %v", r.Header)
			}
			h := http.Header{}
			h.Set("ETag", `"ffff0000ffff0000ffff0000ffff0000"`)
			return answer(r, http.StatusOK, "", h), nil
		}
		return answer(r, http.StatusNoContent, "", nil), nil
	}}
	b := fakeBucket(rec, &s3store.Options{R2: true})
	if b.Backend() != "r2" {
		t.Errorf("Backend() = %q, want r2", b.Backend())
	}
	err := b.Delete(t.Context(), "k", &storage.DeleteOptions{IfMatch: `"ffffffffffffffffffffffffffffffff"`})
	if !errors.Is(err, storage.ErrPreconditionFailed) {
		t.Errorf("Delete with a stale IfMatch: %v, want ErrPreconditionFailed", err)
	}
	if n := rec.count("DELETE"); n != 0 {
		t.Errorf("a stale conditional Delete sent %d DELETE requests", n)
	}
	before := len(rec.requests())
	if err := b.Delete(t.Context(), "k", &storage.DeleteOptions{IfMatch: etag}); err != nil {
		t.Errorf("Delete with the current IfMatch: %v", err)
	}
	if n := len(rec.requests()) - before; n != 2 {
		t.Errorf("a conditional Delete sent %d requests, want 2 (PUT tombstone, DELETE): %q", n, rec.requests()[before:])
	}
	if err := b.Delete(t.Context(), "k", nil); err != nil {
		t.Errorf("Delete: %v", err)
	}
	if n, conditional := rec.count("DELETE"), rec.count("DELETE", "If-Match"); n != 2 || conditional != 0 {
		t.Errorf("%d DELETE requests, %d with If-Match; want 2 without: %q", n, conditional, rec.requests())
	}
}

// TestDeleteMissing: a Delete of a missing key is ErrNotFound and sends
// no DELETE, which S3 would answer with success.
func TestDeleteMissing(t *testing.T) {
	for _, r2 := range []bool{false, true} {
		rec := &recorder{respond: func(r *http.Request) (*http.Response, error) {
			return answer(r, http.StatusNotFound, "", nil), nil
		}}
		b := fakeBucket(rec, &s3store.Options{R2: r2})
		for _, opts := range []*storage.DeleteOptions{nil, {IfMatch: `"abc"`}} {
			if err := b.Delete(t.Context(), "k", opts); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("R2 %v: Delete(%+v) of a missing key: %v, want ErrNotFound", r2, opts, err)
			}
		}
		if n := rec.count("DELETE"); n != 0 {
			t.Errorf("R2 %v: %d DELETE requests for a missing key", r2, n)
		}
	}
}

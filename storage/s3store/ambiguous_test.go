package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/s3store"
)

// checkAmbiguous checks that err reports an unknown outcome and nothing
// that invites a blind retry.
func checkAmbiguous(t *testing.T, err error) {
	t.Helper()
	switch {
	case !errors.Is(err, storage.ErrAmbiguous):
		t.Fatalf("error %v does not match ErrAmbiguous", err)
	case errors.Is(err, storage.ErrTransient), errors.Is(err, storage.ErrPreconditionFailed):
		t.Errorf("ambiguous error %v also matches ErrTransient or ErrPreconditionFailed", err)
	}
	var se *storage.Error
	if !errors.As(err, &se) {
		t.Errorf("error %v is not a *storage.Error", err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) {
		t.Errorf("error %v does not keep the transport error reachable", err)
	}
}

// TestAmbiguousPut: a conditional PUT whose answer is lost after the
// server committed it is sent exactly once and reported as ErrAmbiguous
// (a re-sent PUT would have met a 412 for our own write).
func TestAmbiguousPut(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts func(etag string) *storage.PutOptions
		hdr  string
	}{
		{"IfNoneMatch", func(string) *storage.PutOptions { return &storage.PutOptions{IfNoneMatch: "*"} }, "If-None-Match:*"},
		{"IfMatch", func(etag string) *storage.PutOptions { return &storage.PutOptions{IfMatch: etag} }, "If-Match:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{drop: func(r *http.Request) bool { return r.Method == http.MethodPut }}
			b, direct := serverBucket(t, rec, nil)
			etag := ""
			if tc.name == "IfMatch" {
				out, err := putDirect(t, direct, b.Name(), "k", "old")
				if err != nil {
					t.Fatal(err)
				}
				etag = out
			}
			_, err := b.Put(t.Context(), "k", strings.NewReader("new"), tc.opts(etag))
			checkAmbiguous(t, err)
			if n := rec.count("PUT", tc.hdr); n != 1 {
				t.Errorf("conditional PUT sent %d times, want once; requests: %q", n, rec.requests())
			}
			rec.drop = nil
			if got := readAll(t, b, "k"); got != "new" {
				t.Errorf("after the lost answer the object holds %q; the test meant the write to commit", got)
			}
		})
	}
}

// TestAmbiguousMultipart: the same for the CompleteMultipartUpload of a
// conditional multipart Put.
func TestAmbiguousMultipart(t *testing.T) {
	rec := &recorder{drop: func(r *http.Request) bool {
		return r.Method == http.MethodPost && r.URL.Query().Has("uploadId")
	}}
	b, _ := serverBucket(t, rec, &s3store.Options{PartSize: s3store.MinPartSize})
	data := bytes.Repeat([]byte("0123456789abcdef"), (s3store.MinPartSize+1024)/16)
	_, err := b.Put(t.Context(), "big", unknownSize(bytes.NewReader(data)), &storage.PutOptions{IfNoneMatch: "*"})
	checkAmbiguous(t, err)
	if n := rec.count("POST", "uploadId=", "If-None-Match:*"); n != 1 {
		t.Errorf("CompleteMultipartUpload sent %d times, want once; requests: %q", n, rec.requests())
	}
	rec.drop = nil
	if got := readAll(t, b, "big"); got != string(data) {
		t.Errorf("after the lost answer the object holds %d bytes, want the %d written", len(got), len(data))
	}
}

// TestAmbiguousDelete: the same for a conditional DeleteObject.
func TestAmbiguousDelete(t *testing.T) {
	rec := &recorder{drop: func(r *http.Request) bool { return r.Method == http.MethodDelete }}
	b, direct := serverBucket(t, rec, nil)
	etag, err := putDirect(t, direct, b.Name(), "k", "doomed")
	if err != nil {
		t.Fatal(err)
	}
	err = b.Delete(t.Context(), "k", &storage.DeleteOptions{IfMatch: etag})
	checkAmbiguous(t, err)
	if n := rec.count("DELETE", "If-Match:"); n != 1 {
		t.Errorf("conditional DELETE sent %d times, want once; requests: %q", n, rec.requests())
	}
}

// TestUnconditionalRetried: an unconditional PUT keeps the SDK's retries:
// a lost answer is retried and the Put succeeds.
func TestUnconditionalRetried(t *testing.T) {
	dropped := false
	rec := &recorder{}
	rec.drop = func(r *http.Request) bool {
		if r.Method != http.MethodPut || dropped {
			return false
		}
		dropped = true
		return true
	}
	b, _ := serverBucket(t, rec, nil)
	if _, err := b.Put(t.Context(), "k", strings.NewReader("v"), nil); err != nil {
		t.Fatalf("Put after one lost answer: %v", err)
	}
	if n := rec.count("PUT"); n != 2 {
		t.Errorf("PUT sent %d times, want 2 (one retry); requests: %q", n, rec.requests())
	}
}

// TestAmbiguousCancel: a context cancelled while a conditional PUT is in
// flight leaves its outcome unknown: the error matches both
// context.Canceled and ErrAmbiguous.
func TestAmbiguousCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	rec := &recorder{respond: func(r *http.Request) (*http.Response, error) {
		cancel()
		<-r.Context().Done()
		return nil, r.Context().Err()
	}}
	b := fakeBucket(rec, nil)
	_, err := b.Put(ctx, "k", strings.NewReader("v"), &storage.PutOptions{IfNoneMatch: "*"})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, storage.ErrAmbiguous) {
		t.Errorf("Put cancelled in flight: %v; want context.Canceled and ErrAmbiguous", err)
	}
	if n := rec.count("PUT"); n != 1 {
		t.Errorf("PUT sent %d times, want once", n)
	}

	// Cancelled before sending: nothing left, so not ambiguous.
	_, err = b.Put(ctx, "k", strings.NewReader("v"), &storage.PutOptions{IfNoneMatch: "*"})
	if !errors.Is(err, context.Canceled) || errors.Is(err, storage.ErrAmbiguous) {
		t.Errorf("Put with a cancelled context: %v; want context.Canceled, not ErrAmbiguous", err)
	}
}

// TestNotSentIsNotAmbiguous: a conditional PUT that could not connect
// did not reach the server: ErrTransient, not ErrAmbiguous.
func TestNotSentIsNotAmbiguous(t *testing.T) {
	rec := &recorder{respond: func(*http.Request) (*http.Response, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}}
	b := fakeBucket(rec, nil)
	_, err := b.Put(t.Context(), "k", strings.NewReader("v"), &storage.PutOptions{IfNoneMatch: "*"})
	if !errors.Is(err, storage.ErrTransient) || errors.Is(err, storage.ErrAmbiguous) {
		t.Errorf("Put that could not connect: %v; want ErrTransient, not ErrAmbiguous", err)
	}
	if n := rec.count("PUT"); n != 1 {
		t.Errorf("conditional PUT attempted %d times, want once", n)
	}
}

// TestStatusMapping: server answers become the storage sentinels, the
// SDK error staying reachable.
func TestStatusMapping(t *testing.T) {
	const etag = `"0123456789abcdef0123456789abcdef"`
	for _, tc := range []struct {
		name   string
		status int
		code   string
		do     func(b *s3store.Bucket) error
		want   error
		not    error
	}{
		{"409ConditionalRequestConflict", 409, "ConditionalRequestConflict", putIfMatch(etag), storage.ErrPreconditionFailed, storage.ErrAmbiguous},
		{"412PreconditionFailed", 412, "PreconditionFailed", putIfNoneMatch, storage.ErrPreconditionFailed, storage.ErrAmbiguous},
		{"404OnPutIfMatch", 404, "NoSuchKey", putIfMatch(etag), storage.ErrPreconditionFailed, storage.ErrNotFound},
		{"404OnPlainPut", 404, "NoSuchBucket", putPlain, nil, storage.ErrNotFound},
		{"404OnStat", 404, "NotFound", stat, storage.ErrNotFound, nil},
		{"500OnConditionalPut", 500, "InternalError", putIfNoneMatch, storage.ErrAmbiguous, storage.ErrTransient},
		{"503OnConditionalPut", 503, "SlowDown", putIfMatch(etag), storage.ErrAmbiguous, storage.ErrTransient},
		{"429OnConditionalPut", 429, "TooManyRequests", putIfNoneMatch, storage.ErrTransient, storage.ErrAmbiguous},
		{"500OnPlainPut", 500, "InternalError", putPlain, storage.ErrTransient, storage.ErrAmbiguous},
		{"503OnStat", 503, "SlowDown", stat, storage.ErrTransient, nil},
		{"429OnStat", 429, "TooManyRequests", stat, storage.ErrTransient, nil},
		{"403OnStat", 403, "AccessDenied", stat, nil, storage.ErrTransient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{respond: func(r *http.Request) (*http.Response, error) {
				if r.Method == http.MethodHead && !strings.HasSuffix(tc.name, "OnStat") {
					return headOK(r, etag), nil
				}
				return s3Error(r, tc.status, tc.code), nil
			}}
			err := tc.do(fakeBucket(rec, nil))
			if err == nil {
				t.Fatal("no error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v does not match %v", err, tc.want)
			}
			if tc.not != nil && errors.Is(err, tc.not) {
				t.Errorf("error %v matches %v", err, tc.not)
			}
			var se *storage.Error
			if !errors.As(err, &se) || se.Key != "k" {
				t.Errorf("error %v is not a *storage.Error for key k", err)
			}
			if !strings.Contains(err.Error(), tc.code) {
				t.Errorf("error %q does not show the server's code %s", err, tc.code)
			}
		})
	}
}

func putIfMatch(etag string) func(b *s3store.Bucket) error {
	return func(b *s3store.Bucket) error {
		_, err := b.Put(context.Background(), "k", strings.NewReader("v"), &storage.PutOptions{IfMatch: etag})
		return err
	}
}

func putIfNoneMatch(b *s3store.Bucket) error {
	_, err := b.Put(context.Background(), "k", strings.NewReader("v"), &storage.PutOptions{IfNoneMatch: "*"})
	return err
}

func putPlain(b *s3store.Bucket) error {
	_, err := b.Put(context.Background(), "k", strings.NewReader("v"), nil)
	return err
}

func stat(b *s3store.Bucket) error {
	_, err := b.Stat(context.Background(), "k")
	return err
}

// TestConditionalDeleteMissing: AWS answers a DELETE with If-Match on a
// key deleted meanwhile with 404: the Delete reports ErrNotFound, so of
// racing conditional deletes only the first succeeds.
func TestConditionalDeleteMissing(t *testing.T) {
	const etag = `"0123456789abcdef0123456789abcdef"`
	rec := &recorder{respond: func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodHead {
			return headOK(r, etag), nil
		}
		return s3Error(r, 404, "NoSuchKey"), nil
	}}
	err := fakeBucket(rec, nil).Delete(t.Context(), "k", &storage.DeleteOptions{IfMatch: etag})
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Delete IfMatch answered 404: %v, want ErrNotFound", err)
	}
	if n := rec.count("DELETE", "If-Match:"+etag); n != 1 {
		t.Errorf("conditional DELETE sent %d times, want once: %q", n, rec.requests())
	}
}

// TestDeleteSeesReplacement: an unconditional Delete whose object is
// replaced between its HeadObject and its DeleteObject gets a 412, reads
// the new ETag and deletes the new object.
func TestDeleteSeesReplacement(t *testing.T) {
	rec := &recorder{}
	b, direct := serverBucket(t, rec, nil)
	if _, err := putDirect(t, direct, b.Name(), "k", "first"); err != nil {
		t.Fatal(err)
	}
	replaced := false
	rec.respond = func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodDelete && !replaced {
			replaced = true
			if _, err := putDirect(t, direct, b.Name(), "k", "second"); err != nil {
				return nil, err
			}
		}
		return nil, nil // forward
	}
	if err := b.Delete(t.Context(), "k", nil); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if n := rec.count("DELETE", "If-Match:"); n != 2 {
		t.Errorf("DELETE If-Match sent %d times, want 2 (412, then the new ETag): %q", n, rec.requests())
	}
	if _, err := b.Stat(t.Context(), "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat after Delete: %v, want ErrNotFound", err)
	}
}

// unknownSize hides the length of r from Put.
func unknownSize(r io.Reader) io.Reader { return struct{ io.Reader }{r} }

// readAll returns the body of key, failing t on error.
func readAll(t *testing.T, b storage.Bucket, key string) string {
	t.Helper()
	obj, err := b.Get(t.Context(), key, nil)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer obj.Body.Close()
	data, err := io.ReadAll(obj.Body)
	if err != nil {
		t.Fatalf("Get(%q): reading: %v", key, err)
	}
	return string(data)
}

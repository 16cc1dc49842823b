package blob_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/r2kit/r2kit/blob"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

func TestPutGetRoundTrip(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		b := newBucket(t)
		data := bytes.Repeat([]byte("0123456789"), 1000)
		a, err := blob.Put(ctx, b, "files/file-1", struct{ io.Reader }{bytes.NewReader(data)}, &blob.PutOptions{
			ContentType: "image/jpeg", Filename: "photo été 1.jpg", Metadata: map[string]string{"Owner": "ann"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if a.Size != int64(len(data)) || a.Filename != "photo été 1.jpg" || a.Metadata["owner"] != "ann" {
			t.Fatalf("Put attrs = %+v", a)
		}
		r, err := blob.Get(ctx, b, "files/file-1", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if err := iotest.TestReader(r, data); err != nil {
			t.Fatal(err)
		}
		if r.ContentType != "image/jpeg" || r.Filename != "photo été 1.jpg" || r.ETag != a.ETag || r.Size != a.Size {
			t.Fatalf("Get attrs = %+v, want those of Put %+v", r.Attrs, a)
		}
		if len(r.Metadata) != 1 || r.Metadata["owner"] != "ann" {
			t.Fatalf("user metadata = %v, want only owner", r.Metadata)
		}
		rr, err := blob.Get(ctx, b, "files/file-1", &storage.Range{Offset: 5, Length: 7})
		if err != nil {
			t.Fatal(err)
		}
		part, err := io.ReadAll(rr)
		rr.Close()
		if err != nil || string(part) != "5678901" || rr.Offset != 5 || rr.Length != 7 {
			t.Fatalf("range read = %q (offset %d, length %d), %v", part, rr.Offset, rr.Length, err)
		}
		st, err := blob.Stat(ctx, b, "files/file-1")
		if err != nil || st.Filename != a.Filename || st.ETag != a.ETag {
			t.Fatalf("Stat = %+v, %v", st, err)
		}
		if ok, err := blob.Exists(ctx, b, "files/file-1"); !ok || err != nil {
			t.Fatalf("Exists = %v, %v", ok, err)
		}
		if deleted, err := blob.Delete(ctx, b, "files/file-1"); !deleted || err != nil {
			t.Fatalf("Delete = %v, %v", deleted, err)
		}
		if deleted, err := blob.Delete(ctx, b, "files/file-1"); deleted || err != nil {
			t.Fatalf("second Delete = %v, %v; want false, nil", deleted, err)
		}
		if _, err := blob.Get(ctx, b, "files/file-1", nil); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("Get after delete: err = %v", err)
		}
		if ok, err := blob.Exists(ctx, b, "files/file-1"); ok || err != nil {
			t.Fatalf("Exists after delete = %v, %v", ok, err)
		}
	})
}

func TestReservedMetadataRejected(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		b := newBucket(t)
		_, err := blob.Put(t.Context(), b, "k", strings.NewReader("x"), &blob.PutOptions{Metadata: map[string]string{"R2kit-Expires": "0"}})
		if !errors.Is(err, storage.ErrInvalidArgument) || !strings.Contains(err.Error(), "k") {
			t.Fatalf("err = %v, want ErrInvalidArgument naming the key", err)
		}
		if _, err := b.Stat(t.Context(), "k"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("rejected blob was stored: %v", err)
		}
	})
}

func TestExpiredBlob(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		b := newBucket(t)
		ctx := t.Context()
		past := func() time.Time { return time.Now().Add(-2 * time.Hour) }
		if _, err := blob.Put(ctx, b, "old", strings.NewReader("x"), &blob.PutOptions{TTL: time.Hour, Now: past}); err != nil {
			t.Fatal(err)
		}
		if _, err := blob.Put(ctx, b, "fresh", strings.NewReader("x"), &blob.PutOptions{TTL: time.Hour}); err != nil {
			t.Fatal(err)
		}
		_, err := blob.Get(ctx, b, "old", nil)
		if !errors.Is(err, storage.ErrExpired) || !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("Get expired: err = %v, want ErrExpired and ErrNotFound", err)
		}
		if ok, _ := blob.Exists(ctx, b, "old"); ok {
			t.Fatal("expired blob exists")
		}
		r, err := blob.Get(ctx, b, "fresh", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		if r.ExpiresAt.Before(time.Now().Add(59 * time.Minute)) {
			t.Fatalf("ExpiresAt = %v, want about an hour from now", r.ExpiresAt)
		}
	})
}

func TestSignedURL(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		b := newBucket(t)
		ctx := t.Context()
		if _, err := blob.Put(ctx, b, "files/f", strings.NewReader("signed content"), nil); err != nil {
			t.Fatal(err)
		}
		u, err := blob.SignedURL(ctx, b, "files/f", time.Minute)
		if _, can := storage.Find[storage.Presigner](b); !can {
			if !errors.Is(err, storage.ErrUnsupported) {
				t.Fatalf("SignedURL on a backend without presigning: err = %v, want ErrUnsupported", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != "signed content" {
			t.Fatalf("GET signed URL: %d %q", resp.StatusCode, body)
		}
	})
}

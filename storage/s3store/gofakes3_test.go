package s3store_test

import (
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/s3store"
)

// fakeS3Bucket returns a Bucket on gofakes3, an S3 server in this process.
func fakeS3Bucket(t *testing.T, opts *s3store.Options) *s3store.Bucket {
	t.Helper()
	ts := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(ts.Close)
	srv := backendtest.S3Server{Endpoint: ts.URL, Region: "us-east-1", AccessKey: "k", SecretKey: "s"}
	client := srv.Client()
	return s3store.New(client, backendtest.CreateBucket(t, client), opts)
}

// TestGofakes3 is a quick run without the test servers, on gofakes3. It
// covers only what gofakes3 implements faithfully: round trips, ranges,
// simple listings, unconditional deletes, conditional PUTs and a
// multipart upload. gofakes3 ignores If-Match on DELETE, never answers
// 304, keeps old metadata on overwrite, pages listings wrongly and
// ignores conditions on CompleteMultipartUpload, so those are left to
// the conformance suite on versitygw.
func TestGofakes3(t *testing.T) {
	b := fakeS3Bucket(t, &s3store.Options{PartSize: partSize, Prefix: "pre/"})
	ctx := t.Context()

	a, err := b.Put(ctx, "dir/a.json", strings.NewReader(`{"a":1}`),
		&storage.PutOptions{ContentType: "application/json", Metadata: map[string]string{"Owner": "me"}, IfNoneMatch: "*"})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if a.ETag != storage.MD5ETag([]byte(`{"a":1}`)) || a.Size != 7 {
		t.Errorf("Put = %+v", a)
	}
	st, err := b.Stat(ctx, "dir/a.json")
	if err != nil || st.ETag != a.ETag || st.ContentType != "application/json" || st.Metadata["owner"] != "me" || st.ModTime.IsZero() {
		t.Errorf("Stat = %+v, %v", st, err)
	}
	if got := readAll(t, b, "dir/a.json"); got != `{"a":1}` {
		t.Errorf("Get = %q", got)
	}

	obj, err := b.Get(ctx, "dir/a.json", &storage.GetOptions{Range: &storage.Range{Offset: 2, Length: 3}})
	if err != nil {
		t.Fatalf("Get range: %v", err)
	}
	buf := make([]byte, 10)
	n, _ := obj.Body.Read(buf)
	obj.Body.Close()
	if obj.Offset != 2 || obj.Length != 3 || obj.Size != 7 || string(buf[:n]) != `a":` {
		t.Errorf("Get range: offset %d length %d size %d body %q", obj.Offset, obj.Length, obj.Size, buf[:n])
	}

	if _, err := b.Put(ctx, "dir/a.json", strings.NewReader("x"), &storage.PutOptions{IfNoneMatch: "*"}); !errors.Is(err, storage.ErrPreconditionFailed) {
		t.Errorf("Put IfNoneMatch * on an existing key: %v", err)
	}
	if _, err := b.Put(ctx, "dir/a.json", strings.NewReader("x"), &storage.PutOptions{IfMatch: `"0000"`}); !errors.Is(err, storage.ErrPreconditionFailed) {
		t.Errorf("Put with a stale IfMatch: %v", err)
	}
	if _, err := b.Put(ctx, "dir/a.json", strings.NewReader(`{"a":2}`), &storage.PutOptions{IfMatch: a.ETag}); err != nil {
		t.Errorf("Put with the current IfMatch: %v", err)
	}

	big := pattern(12<<20, 9)
	if a, err := b.Put(ctx, "dir/big", pipe(t, big), nil); err != nil || a.Size != int64(len(big)) {
		t.Fatalf("multipart Put = %+v, %v", a, err)
	}
	if got := readAll(t, b, "dir/big"); got != string(big) {
		t.Errorf("multipart object read back differs (%d bytes)", len(got))
	}

	page, err := b.List(ctx, &storage.ListOptions{Prefix: "dir/"})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if keys := objectKeys(page.Objects); !slices.Equal(keys, []string{"dir/a.json", "dir/big"}) {
		t.Errorf("List = %q", keys)
	}
	page, err = b.List(ctx, &storage.ListOptions{Delimiter: "/"})
	if err != nil || !slices.Equal(page.Prefixes, []string{"dir/"}) || len(page.Objects) != 0 {
		t.Errorf("List with delimiter = %+v, %v", page, err)
	}

	if err := b.Delete(ctx, "dir/big", nil); err != nil {
		t.Errorf("Delete: %v", err)
	}
	if err := b.Delete(ctx, "dir/big", nil); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Delete of a missing key: %v, want ErrNotFound", err)
	}
	if _, err := b.Get(ctx, "dir/big", nil); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get of a deleted key: %v, want ErrNotFound", err)
	}
}

func objectKeys(objs []*storage.Attrs) []string {
	keys := make([]string, len(objs))
	for i, a := range objs {
		keys[i] = a.Key
	}
	return keys
}

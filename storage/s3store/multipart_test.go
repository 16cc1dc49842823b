package s3store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/s3store"
)

const partSize = s3store.MinPartSize

// pattern returns n bytes of a repeating pattern, different per seed.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i/7) + seed
	}
	return b
}

// pipe streams data through an io.Pipe, so that Put cannot know its
// length or seek it. The writer stops at the end of t if Put did not
// read everything.
func pipe(t *testing.T, data []byte) io.Reader {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := pw.Write(data)
		pw.CloseWithError(err)
	}()
	t.Cleanup(func() {
		pr.Close()
		<-done
	})
	return pr
}

// checkNoUploads checks that no multipart upload is left in the bucket.
func checkNoUploads(t *testing.T, client *s3.Client, bucket string) {
	t.Helper()
	out, err := client.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: &bucket})
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if len(out.Uploads) != 0 {
		t.Errorf("%d multipart uploads left behind", len(out.Uploads))
	}
}

// TestMultipartConditional: a 12 MiB body of unknown length goes in
// 5 MiB parts, and the condition is checked when the upload completes: a
// stale If-Match fails, keeps the old object and leaves no upload.
func TestMultipartConditional(t *testing.T) {
	rec := &recorder{}
	b, direct := serverBucket(t, rec, &s3store.Options{PartSize: partSize})
	ctx := t.Context()
	old, err := b.Put(ctx, "k", strings.NewReader("old"), nil)
	if err != nil {
		t.Fatal(err)
	}
	data := pattern(12<<20, 1)

	_, err = b.Put(ctx, "k", pipe(t, data), &storage.PutOptions{IfMatch: `"00000000000000000000000000000000"`})
	if !errors.Is(err, storage.ErrPreconditionFailed) {
		t.Fatalf("multipart Put with a stale IfMatch: %v, want ErrPreconditionFailed", err)
	}
	if got := readAll(t, b, "k"); got != "old" {
		t.Errorf("after the failed multipart Put the object holds %d bytes, want the old 3", len(got))
	}
	checkNoUploads(t, direct, b.Name())

	_, err = b.Put(ctx, "k", pipe(t, data), &storage.PutOptions{IfNoneMatch: "*"})
	if !errors.Is(err, storage.ErrPreconditionFailed) {
		t.Fatalf("multipart Put IfNoneMatch * on an existing key: %v, want ErrPreconditionFailed", err)
	}
	checkNoUploads(t, direct, b.Name())

	parts := rec.count("PUT", "partNumber=")
	a, err := b.Put(ctx, "k", pipe(t, data), &storage.PutOptions{IfMatch: old.ETag, ContentType: "application/x-test", Metadata: map[string]string{"Kind": "big"}})
	if err != nil {
		t.Fatalf("multipart Put with the current IfMatch: %v", err)
	}
	if n := rec.count("PUT", "partNumber=") - parts; n != 3 {
		t.Errorf("%d parts uploaded for 12 MiB in 5 MiB parts, want 3", n)
	}
	st, err := b.Stat(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if a.Size != int64(len(data)) || st.Size != a.Size || st.ETag != a.ETag {
		t.Errorf("Put returned Size %d ETag %s, Stat says %d %s; want %d bytes", a.Size, a.ETag, st.Size, st.ETag, len(data))
	}
	if st.ContentType != "application/x-test" || st.Metadata["kind"] != "big" {
		t.Errorf("Stat: content type %q, metadata %v", st.ContentType, st.Metadata)
	}
	if got := readAll(t, b, "k"); sha256.Sum256([]byte(got)) != sha256.Sum256(data) {
		t.Errorf("read back %d bytes that differ from the %d written", len(got), len(data))
	}
	checkNoUploads(t, direct, b.Name())
}

// TestMultipartSizeMismatch: a declared Size that the body does not
// match stores nothing, in one PutObject or in parts.
func TestMultipartSizeMismatch(t *testing.T) {
	b, direct := serverBucket(t, &recorder{}, &s3store.Options{PartSize: partSize})
	for _, tc := range []struct {
		name string
		body func(t *testing.T) io.Reader
		size int64
	}{
		{"ShortSmall", func(t *testing.T) io.Reader { return pipe(t, []byte("short")) }, 10},
		{"LongSmall", func(t *testing.T) io.Reader { return pipe(t, []byte("too long")) }, 3},
		{"ShortSeekable", func(t *testing.T) io.Reader { return strings.NewReader("short") }, 10},
		{"ShortMultipart", func(t *testing.T) io.Reader { return pipe(t, pattern(11<<20, 2)) }, 12 << 20},
		{"LongMultipart", func(t *testing.T) io.Reader { return pipe(t, pattern(12<<20, 3)) }, 6 << 20},
		{"LongFirstPart", func(t *testing.T) io.Reader { return pipe(t, pattern(partSize+1, 4)) }, partSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.Put(t.Context(), "k", tc.body(t), &storage.PutOptions{Size: tc.size})
			if !errors.Is(err, storage.ErrInvalidArgument) {
				t.Errorf("Put: %v, want ErrInvalidArgument", err)
			}
			if _, err := b.Stat(t.Context(), "k"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("Stat after the refused Put: %v, want ErrNotFound", err)
			}
			checkNoUploads(t, direct, b.Name())
		})
	}
}

// failingReader yields n bytes and then fails with err.
type failingReader struct {
	n   int
	err error
	at  func() // called once, when the n bytes are used up
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		if r.at != nil {
			r.at()
			r.at = nil
		}
		return 0, r.err
	}
	k := min(len(p), r.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	r.n -= k
	return k, nil
}

// TestMultipartAborted: a body that fails, or a context cancelled, in the
// middle of a multipart upload stores nothing and leaves no upload.
func TestMultipartAborted(t *testing.T) {
	b, direct := serverBucket(t, &recorder{}, &s3store.Options{PartSize: partSize})
	bodyErr := errors.New("body broke")
	t.Run("BodyError", func(t *testing.T) {
		_, err := b.Put(t.Context(), "k", &failingReader{n: 7 << 20, err: bodyErr}, nil)
		if !errors.Is(err, bodyErr) {
			t.Errorf("Put: %v, want the body's error", err)
		}
		checkNoUploads(t, direct, b.Name())
	})
	t.Run("Cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		_, err := b.Put(ctx, "k", &failingReader{n: 7 << 20, err: context.Canceled, at: cancel}, &storage.PutOptions{IfNoneMatch: "*"})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Put: %v, want context.Canceled", err)
		}
		checkNoUploads(t, direct, b.Name())
	})
	if _, err := b.Stat(t.Context(), "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat after the failed Puts: %v, want ErrNotFound", err)
	}
}

// TestMultipartMemoryBound: with Concurrency 2, while the first two part
// uploads are stalled the Put reads no more than two parts of the body.
// A fake server answers; testing/synctest tells when everything waits.
func TestMultipartMemoryBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const conc, parts = 2, 8
		gate := make(chan struct{})
		var inFlight, maxInFlight, uploaded atomic.Int32
		rec := &recorder{respond: func(r *http.Request) (*http.Response, error) {
			q := r.URL.Query()
			switch {
			case r.Method == http.MethodPost && q.Has("uploads"):
				return answer(r, 200, `<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>k</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>`, nil), nil
			case r.Method == http.MethodPut && q.Has("partNumber"):
				n := inFlight.Add(1)
				for m := maxInFlight.Load(); n > m && !maxInFlight.CompareAndSwap(m, n); m = maxInFlight.Load() {
				}
				_, _ = io.Copy(io.Discard, r.Body)
				<-gate
				inFlight.Add(-1)
				uploaded.Add(1)
				h := http.Header{}
				h.Set("ETag", fmt.Sprintf(`"part%s"`, q.Get("partNumber")))
				return answer(r, 200, "", h), nil
			case r.Method == http.MethodPost && q.Has("uploadId"):
				return answer(r, 200, `<CompleteMultipartUploadResult><ETag>"abc-8"</ETag></CompleteMultipartUploadResult>`, nil), nil
			}
			return s3Error(r, 400, "Unexpected"), nil
		}}
		b := fakeBucket(rec, &s3store.Options{PartSize: partSize, Concurrency: conc})
		body := &countingReader{r: bytes.NewReader(pattern(parts*partSize, 5))}
		var (
			wg  sync.WaitGroup
			a   *storage.Attrs
			err error
		)
		wg.Go(func() { a, err = b.Put(context.Background(), "k", body, nil) })
		synctest.Wait()
		if got, limit := body.n.Load(), int64(conc*partSize); got > limit {
			t.Errorf("read %d bytes of the body while %d parts were stalled; want at most %d", got, conc, limit)
		}
		if n := inFlight.Load(); n != conc {
			t.Errorf("%d parts in flight, want %d", n, conc)
		}
		close(gate)
		wg.Wait()
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		if a.Size != parts*partSize || a.ETag != `"abc-8"` || uploaded.Load() != parts || maxInFlight.Load() > conc {
			t.Errorf("Put = %+v; %d parts uploaded, at most %d at once", a, uploaded.Load(), maxInFlight.Load())
		}
	})
}

// countingReader counts the bytes read from r; it hides r's length.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestPutBodies: bodies around the buffer sizes, of unknown length,
// declared length or seekable, are stored whole, in one PutObject up to
// the part size and in a multipart upload above it.
func TestPutBodies(t *testing.T) {
	rec := &recorder{}
	b, direct := serverBucket(t, rec, &s3store.Options{PartSize: partSize})
	const small = 64 << 10
	for _, n := range []int{0, 1, small - 1, small, small + 1, partSize - 1, partSize, partSize + 1, 2*partSize + 3} {
		data := pattern(n, byte(n))
		for _, mode := range []string{"Unknown", "Declared", "Seekable"} {
			t.Run(fmt.Sprintf("%s/%d", mode, n), func(t *testing.T) {
				var (
					body io.Reader
					opts *storage.PutOptions
				)
				switch mode {
				case "Unknown":
					body = pipe(t, data)
				case "Declared":
					body, opts = pipe(t, data), &storage.PutOptions{Size: int64(n)}
				case "Seekable":
					body = bytes.NewReader(data)
				}
				uploads := rec.count("POST", "uploads")
				key := fmt.Sprintf("%s-%d", mode, n)
				a, err := b.Put(t.Context(), key, body, opts)
				if err != nil {
					t.Fatalf("Put: %v", err)
				}
				if a.Size != int64(n) {
					t.Errorf("Put returned Size %d, want %d", a.Size, n)
				}
				multipart := rec.count("POST", "uploads") > uploads
				if want := n > partSize; multipart != want {
					t.Errorf("multipart upload used: %v, want %v", multipart, want)
				}
				if !multipart && a.ETag != storage.MD5ETag(data) {
					t.Errorf("ETag %s, want the MD5 %s", a.ETag, storage.MD5ETag(data))
				}
				if got := readAll(t, b, key); got != string(data) {
					t.Errorf("read back %d bytes that differ from the %d written", len(got), n)
				}
			})
		}
	}
	checkNoUploads(t, direct, b.Name())
}

package api_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/filestore"
	"github.com/r2kit/r2kit/storage/memstore"
)

// stallTimeout is the body read timeout of these tests.
const stallTimeout = 300 * time.Millisecond

// stalledRequest is the start of a request whose body never ends: head
// and the first bytes of a body of Content-Length declared.
type stalledRequest struct {
	name     string
	path     string
	ctype    string
	declared int
	sent     []byte
}

// stalledRequests are a JSON body and a multipart upload that stall: the
// upload after 1 MiB of a declared 3 MiB.
func stalledRequests() []stalledRequest {
	const boundary = "stallboundary"
	upload := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n" +
		"--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n" +
		"Content-Type: text/plain\r\n\r\n"
	return []stalledRequest{
		{name: "json", path: "/v1/threads", ctype: "application/json", declared: 1000,
			sent: []byte(`{"messages":[{"role":"user","content":"hel`)},
		{name: "upload", path: "/v1/files", ctype: "multipart/form-data; boundary=" + boundary, declared: 3 << 20,
			sent: append([]byte(upload), bytes.Repeat([]byte("x"), 1<<20)...)},
	}
}

// send writes the head of rq and its first bytes to a new connection to
// base, and returns the connection, with a read deadline that bounds
// the test.
func (rq stalledRequest) send(t *testing.T, base string) net.Conn {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nOpenAI-Beta: assistants=v2\r\n"+
		"Content-Type: %s\r\nContent-Length: %d\r\n\r\n", rq.path, u.Host, testKey, rq.ctype, rq.declared)
	if _, err := c.Write(append([]byte(head), rq.sent...)); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitDropped reads the answer to a stalled request on c: a 408, then
// the end of the connection. It returns how long that took.
func waitDropped(t *testing.T, c net.Conn, sentAt time.Time) time.Duration {
	t.Helper()
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "request_timeout") {
		t.Fatalf("answer %d %s; want 408 request_timeout", resp.StatusCode, body)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the answer: %v; want the connection closed (EOF)", err)
	}
	return time.Since(sentAt)
}

// checkDropTime checks that a stalled request was dropped after the
// timeout, and not much later.
func checkDropTime(t *testing.T, took time.Duration) {
	t.Helper()
	if took < stallTimeout || took > stallTimeout+5*time.Second {
		t.Errorf("dropped after %s; want just over the %s timeout", took, stallTimeout)
	}
}

// TestStalledBodyDropped: a request body that stops arriving is
// answered 408 and its connection closed once the body read timeout has
// passed without a byte, and the bucket holds nothing of it, on every
// backend.
func TestStalledBodyDropped(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		for _, rq := range stalledRequests() {
			t.Run(rq.name, func(t *testing.T) {
				b := newBucket(t)
				srv := startServer(t, b, api.Config{BodyReadTimeout: stallTimeout})
				before := bucketState(t, b)
				sentAt := time.Now()
				c := rq.send(t, srv.URL)
				checkDropTime(t, waitDropped(t, c, sentAt))
				if after := bucketState(t, b); len(after) != len(before) {
					t.Errorf("bucket had %d keys, has %d after the stalled request: %v", len(before), len(after), after)
				}
			})
		}
	})
}

// TestStalledUploadRemovesTempFile: on filestore, the temp file a
// stalled upload streams into is gone when the client sees its
// connection closed.
func TestStalledUploadRemovesTempFile(t *testing.T) {
	dir := t.TempDir()
	b, err := filestore.Open(dir, &filestore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	tmp := filepath.Join(dir, ".r2kit", "tmp")
	srv := startServer(t, b, api.Config{BodyReadTimeout: stallTimeout})
	for _, rq := range stalledRequests() {
		t.Run(rq.name, func(t *testing.T) {
			sentAt := time.Now()
			c := rq.send(t, srv.URL)
			if rq.name == "upload" {
				// The upload is being stored: its temp file exists.
				for i := 0; len(tempFiles(t, tmp)) == 0; i++ {
					if i == 200 || time.Since(sentAt) > stallTimeout {
						t.Fatal("no temp file appeared while the upload arrived")
					}
					time.Sleep(time.Millisecond)
				}
			}
			checkDropTime(t, waitDropped(t, c, sentAt))
			if left := tempFiles(t, tmp); len(left) > 0 {
				t.Errorf("%s holds %v after the connection closed", tmp, left)
			}
		})
	}
}

// tempFiles lists dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestSlowBodyNotDropped: the deadline is renewed as bytes arrive, so a
// body that takes longer than the timeout in all but never stalls for
// it is served.
func TestSlowBodyNotDropped(t *testing.T) {
	srv := startServer(t, newMemBucket(t), api.Config{BodyReadTimeout: stallTimeout})
	const chunks = 8 // 8 × timeout/4: twice the timeout in all
	pr, pw := io.Pipe()
	go func() {
		for range chunks - 1 {
			if _, err := pw.Write([]byte(" ")); err != nil {
				return
			}
			time.Sleep(stallTimeout / 4)
		}
		_, _ = pw.Write([]byte(`{"metadata":{"k":"v"}}`))
		pw.Close()
	}()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/v1/threads", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("OpenAI-Beta", "assistants=v2")
	start := time.Now()
	resp, err := httpClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d %s; want 200", resp.StatusCode, body)
	}
	if took := time.Since(start); took < stallTimeout {
		t.Fatalf("the body took %s, less than the timeout: the test proves nothing", took)
	}
}

func newMemBucket(t *testing.T) storage.Bucket {
	b := memstore.New()
	t.Cleanup(func() { b.Close() })
	return b
}

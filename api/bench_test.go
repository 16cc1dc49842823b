package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/storage/filestore"
)

// benchServer serves a filestore bucket (the default of r2kit serve,
// fsync on) over HTTP and returns the server and a thread in it.
func benchServer(b *testing.B) (*liveServer, string) {
	bucket, err := filestore.Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { bucket.Close() })
	srv := startServer(b, bucket, api.Config{})
	status, _, out := rawRequest(b, httpClient(b), "POST", srv.URL+"/v1/threads", "application/json", strings.NewReader(`{}`))
	var th struct{ ID string }
	if status != 200 || json.Unmarshal(out, &th) != nil {
		b.Fatalf("create thread: %d %s", status, out)
	}
	return srv, th.ID
}

// do sends one request with keep-alive and fails b unless it answers 200.
func do(b *testing.B, c *http.Client, method, url, body string) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("OpenAI-Beta", "assistants=v2")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Errorf("%s %s: %d", method, url, resp.StatusCode)
	}
}

// benchRequests runs send from one client (b.Loop) and from about 8
// concurrent ones (RunParallel), and reports requests per second.
func benchRequests(b *testing.B, send func(c *http.Client)) {
	b.Run("clients=1", func(b *testing.B) {
		c := httpClient(b)
		n := 0
		for b.Loop() {
			send(c)
			n++
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "req/s")
	})
	per := (8 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)
	b.Run(fmt.Sprintf("clients=%d", per*runtime.GOMAXPROCS(0)), func(b *testing.B) {
		c := httpClient(b)
		var n atomic.Int64
		b.SetParallelism(per)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				send(c)
				n.Add(1)
			}
		})
		b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "req/s")
	})
}

// BenchmarkHTTPCreateMessage: POST /v1/threads/{id}/messages on
// filestore, through the whole HTTP stack.
func BenchmarkHTTPCreateMessage(b *testing.B) {
	srv, thread := benchServer(b)
	url := srv.URL + "/v1/threads/" + thread + "/messages"
	benchRequests(b, func(c *http.Client) {
		do(b, c, "POST", url, `{"role":"user","content":"How many r's are in strawberry?"}`)
	})
}

// BenchmarkHTTPListMessages: GET /v1/threads/{id}/messages?limit=20 of
// a thread of 100 messages on filestore, through the whole HTTP stack.
func BenchmarkHTTPListMessages(b *testing.B) {
	srv, thread := benchServer(b)
	url := srv.URL + "/v1/threads/" + thread + "/messages"
	c := httpClient(b)
	for i := range 100 {
		do(b, c, "POST", url, fmt.Sprintf(`{"role":"user","content":"message %d"}`, i))
	}
	benchRequests(b, func(c *http.Client) { do(b, c, "GET", url+"?limit=20", "") })
}

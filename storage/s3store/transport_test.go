package s3store_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage/s3store"
)

// errReset is what a dropped response looks like to the client.
var errReset = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}

// recorder is an http.RoundTripper that records every request ("METHOD
// path?query" plus its conditional headers) and lets a test decide, per
// request, to forward it, to forward it and then drop the answer, or to
// answer itself.
type recorder struct {
	base http.RoundTripper // nil: every request must be answered by respond

	mu   sync.Mutex
	reqs []string
	// respond, if set, answers a request itself when it returns a
	// response or an error.
	respond func(r *http.Request) (*http.Response, error)
	// drop, if set, forwards matching requests to base and then loses
	// the answer with a connection reset.
	drop func(r *http.Request) bool
}

func (rec *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	rec.mu.Lock()
	line := r.Method + " " + r.URL.Path
	if r.URL.RawQuery != "" {
		line += "?" + r.URL.RawQuery
	}
	for _, h := range []string{"If-Match", "If-None-Match"} {
		if v := r.Header.Get(h); v != "" {
			line += " " + h + ":" + v
		}
	}
	rec.reqs = append(rec.reqs, line)
	respond, drop := rec.respond, rec.drop
	rec.mu.Unlock()
	if respond != nil {
		if resp, err := respond(r); resp != nil || err != nil {
			return resp, err
		}
	}
	if rec.base == nil {
		return nil, fmt.Errorf("unexpected request %s", line)
	}
	resp, err := rec.base.RoundTrip(r)
	if err != nil || drop == nil || !drop(r) {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil, errReset
}

// count returns how many recorded requests start with method and contain
// all of parts.
func (rec *recorder) count(method string, parts ...string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
next:
	for _, l := range rec.reqs {
		if !strings.HasPrefix(l, method+" ") {
			continue
		}
		for _, p := range parts {
			if !strings.Contains(l, p) {
				continue next
			}
		}
		n++
	}
	return n
}

func (rec *recorder) requests() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.reqs...)
}

// fastRetries keeps the SDK's standard retryer but without backoff, so
// that tests of retried failures run fast.
func fastRetries(o *s3.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

// serverBucket returns a Bucket on a new bucket of the test server (region
// us-east-1) whose requests go through rec, which forwards them, and a
// client talking to the server directly.
func serverBucket(t *testing.T, rec *recorder, opts *s3store.Options) (*s3store.Bucket, *s3.Client) {
	t.Helper()
	srv := backendtest.RequireS3(t, false)
	direct := srv.Client()
	name := backendtest.CreateBucket(t, direct)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	rec.base = tr
	client := srv.Client(func(o *s3.Options) {
		o.HTTPClient = &http.Client{Transport: rec}
		fastRetries(o)
	})
	return s3store.New(client, name, opts), direct
}

// fakeBucket returns a Bucket whose every request rec answers: no server
// is involved.
func fakeBucket(rec *recorder, opts *s3store.Options) *s3store.Bucket {
	srv := backendtest.S3Server{Endpoint: "http://127.0.0.1:9", Region: "us-east-1", AccessKey: "k", SecretKey: "s"}
	client := srv.Client(func(o *s3.Options) {
		o.HTTPClient = &http.Client{Transport: rec}
		fastRetries(o)
	})
	return s3store.New(client, "bucket", opts)
}

// s3Error is an S3 error answer.
func s3Error(r *http.Request, status int, code string) *http.Response {
	body := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+
		`<Error><Code>%s</Code><Message>test answer</Message><RequestId>1</RequestId></Error>`, code)
	return answer(r, status, body, nil)
}

// answer is an HTTP answer to r.
func answer(r *http.Request, status int, body string, header http.Header) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	if body != "" {
		header.Set("Content-Type", "application/xml")
	}
	return &http.Response{
		StatusCode:    status,
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          io.NopCloser(bytes.NewReader([]byte(body))),
		ContentLength: int64(len(body)),
		Request:       r,
	}
}

// headOK answers a HeadObject with an object of ETag etag.
func headOK(r *http.Request, etag string) *http.Response {
	h := http.Header{}
	h.Set("ETag", etag)
	h.Set("Content-Length", "3")
	h.Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
	return answer(r, http.StatusOK, "", h)
}

// putDirect stores body at key through client, bypassing the Bucket, and
// returns the ETag.
func putDirect(t *testing.T, client *s3.Client, bucket, key, body string) (string, error) {
	out, err := client.PutObject(t.Context(), &s3.PutObjectInput{
		Bucket: &bucket, Key: &key, Body: strings.NewReader(body),
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ETag), nil
}

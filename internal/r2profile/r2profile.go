// Package r2profile is a test stand-in for Cloudflare R2: a loopback
// HTTP reverse proxy in front of an S3-compatible server (versitygw, as
// started by scripts/s3server.sh with region "auto") that answers as R2
// documents where the two differ.
//
// A proxy, rather than a Bucket wrapper, so that everything r2kit does
// on R2 goes through its real code path: s3store, the AWS SDK's signing,
// retries and error decoding see R2's HTTP answers, not a Go error made
// up by a wrapper. The proxy forwards requests unchanged (the Host header
// included, so SigV4 signatures stay valid) and changes only what R2
// does differently:
//
//   - Writes to one key above Options.WritesPerSecond (default 1, R2's
//     documented "maximum concurrent writes to the same object name") are
//     refused with 429 TooManyRequests ("Reduce your concurrent request
//     rate for the same object.") and a Retry-After header, before
//     reaching the server. Writes are PutObject, CopyObject,
//     CompleteMultipartUpload and DeleteObject (parts are not); every
//     write let through counts, whatever the server answers.
//   - DeleteObject with a condition (If-Match, If-None-Match,
//     If-Modified-Since, If-Unmodified-Since) is refused with 501
//     NotImplemented: R2 documents conditional headers on PutObject,
//     CopyObject and the multipart calls only, so r2kit must never rely
//     on one.
//   - A conditional write that the server refuses as AWS does (404
//     NoSuchKey for If-Match on a missing key, 409
//     ConditionalRequestConflict for racing conditional writes) is
//     answered with 412 PreconditionFailed, R2's answer to both.
//
// Clients sign with region "auto", as for R2; the server behind must be
// set up for it (scripts/s3server.sh's R2KIT_TEST_S3_AUTO_ENDPOINT).
package r2profile

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultWritesPerSecond is R2's documented write limit per key.
const DefaultWritesPerSecond = 1

// Options configures a Server. The zero value is R2's documented
// behaviour.
type Options struct {
	// WritesPerSecond is the sustained rate of writes allowed to one key.
	// Zero means DefaultWritesPerSecond; a negative value turns the limit
	// off.
	WritesPerSecond float64
	// Burst is how many writes to one key may follow each other without
	// waiting, the bucket depth of the limiter. Zero means 1.
	Burst int
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Stats counts what a Server did.
type Stats struct {
	Writes             int64 // writes forwarded to the server
	Throttled          int64 // writes refused with 429
	ConditionalDeletes int64 // DELETEs with a condition refused with 501
	Rewritten          int64 // answers rewritten to R2's 412
}

// Write is one write request the proxy saw.
type Write struct {
	Key       string // the object key, without the bucket
	At        time.Time
	Throttled bool // refused with 429
}

// Server is a running R2 profile proxy.
type Server struct {
	// URL is the proxy's base URL, for s3.Options.BaseEndpoint.
	URL string

	srv   *httptest.Server
	proxy *httputil.ReverseProxy
	rate  float64
	burst float64
	now   func() time.Time

	mu   sync.Mutex
	keys map[string]*bucket // token bucket per bucket/key
	log  []Write

	writes, throttled, condDeletes, rewritten atomic.Int64
}

// bucket is a token bucket.
type bucket struct {
	tokens float64
	at     time.Time
}

// Start starts a proxy in front of the S3-compatible server at upstream
// (http://host:port). opts may be nil. Close stops it.
func Start(upstream string, opts *Options) (*Server, error) {
	u, err := url.Parse(upstream)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("r2profile: upstream %q is not an http:// URL", upstream)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.WritesPerSecond == 0 {
		o.WritesPerSecond = DefaultWritesPerSecond
	}
	if o.Burst <= 0 {
		o.Burst = 1
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{rate: o.WritesPerSecond, burst: float64(o.Burst), now: o.Now, keys: map[string]*bucket{}}
	s.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host // signed by the client
		},
		ModifyResponse: s.modifyResponse,
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s, nil
}

// Close stops the proxy.
func (s *Server) Close() { s.srv.Close() }

// Stats returns the counts so far.
func (s *Server) Stats() Stats {
	return Stats{
		Writes:             s.writes.Load(),
		Throttled:          s.throttled.Load(),
		ConditionalDeletes: s.condDeletes.Load(),
		Rewritten:          s.rewritten.Load(),
	}
}

// Writes returns every write request seen so far, in arrival order,
// those refused by the limit included. Writes are logged only when the
// limit is on (Options.WritesPerSecond not negative).
func (s *Server) Writes() []Write {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// serve applies R2's refusals, then forwards.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodDelete && isObject(r) && !r.URL.Query().Has("uploadId") && conditional(r.Header) {
		s.condDeletes.Add(1)
		writeError(w, http.StatusNotImplemented, "NotImplemented",
			"Conditional headers are not implemented for DeleteObject.")
		return
	}
	if key, ok := writeKey(r); ok && s.rate > 0 {
		if wait, ok := s.admit(key); !ok {
			s.throttled.Add(1)
			w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
			writeError(w, http.StatusTooManyRequests, "TooManyRequests",
				"Reduce your concurrent request rate for the same object.")
			return
		}
		s.writes.Add(1)
	}
	s.proxy.ServeHTTP(w, r)
}

// admit takes a token for key, or says how long until one is there.
func (s *Server) admit(key string) (time.Duration, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.keys[key]
	if b == nil {
		b = &bucket{tokens: s.burst, at: now}
		s.keys[key] = b
	}
	b.tokens = min(s.burst, b.tokens+now.Sub(b.at).Seconds()*s.rate)
	b.at = now
	_, object, _ := strings.Cut(key, "/")
	if b.tokens >= 1 {
		b.tokens--
		s.log = append(s.log, Write{Key: object, At: now})
		return 0, true
	}
	s.log = append(s.log, Write{Key: object, At: now, Throttled: true})
	return time.Duration((1 - b.tokens) / s.rate * float64(time.Second)), false
}

// modifyResponse turns AWS's answers to failed conditional writes into
// R2's 412.
func (s *Server) modifyResponse(resp *http.Response) error {
	r := resp.Request
	if !isWrite(r) || !conditional(r.Header) {
		return nil
	}
	switch resp.StatusCode {
	case http.StatusNotFound, http.StatusConflict:
	default:
		return nil
	}
	if r.URL.Query().Has("uploadId") && resp.StatusCode == http.StatusNotFound && r.Method != http.MethodPost {
		return nil // NoSuchUpload
	}
	s.rewritten.Add(1)
	body := errorBody("PreconditionFailed", "At least one of the pre-conditions you specified did not hold.")
	resp.Body.Close()
	resp.Body = httpBody(body)
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
	resp.Header.Set("Content-Type", "application/xml")
	resp.StatusCode = http.StatusPreconditionFailed
	resp.Status = "412 Precondition Failed"
	return nil
}

// isObject reports whether r names an object (path-style /bucket/key).
func isObject(r *http.Request) bool {
	_, key, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return ok && key != ""
}

// isWrite reports whether r writes an object.
func isWrite(r *http.Request) bool {
	_, ok := writeKey(r)
	return ok
}

// writeKey returns the bucket/key a write request changes: PutObject and
// CopyObject (not UploadPart), CompleteMultipartUpload, DeleteObject (not
// AbortMultipartUpload).
func writeKey(r *http.Request) (string, bool) {
	if !isObject(r) {
		return "", false
	}
	q := r.URL.Query()
	key := strings.TrimPrefix(r.URL.Path, "/")
	switch r.Method {
	case http.MethodPut:
		return key, !q.Has("partNumber") && !q.Has("tagging") && !q.Has("acl")
	case http.MethodPost:
		return key, q.Has("uploadId")
	case http.MethodDelete:
		return key, !q.Has("uploadId")
	}
	return "", false
}

// conditional reports whether h carries a conditional header.
func conditional(h http.Header) bool {
	for _, k := range []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		if h.Get(k) != "" {
			return true
		}
	}
	return false
}

func errorBody(code, msg string) []byte {
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<Error><Code>%s</Code><Message>%s</Message></Error>`, code, msg)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	body := errorBody(code, msg)
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func httpBody(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }

package api_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/internal/servetest"
	"github.com/r2kit/r2kit/storage"
)

// liveServer is the real handler behind an HTTP server, as clients see it.
type liveServer struct {
	*api.Server
	URL    string // base URL, without /v1
	bucket storage.Bucket
	logs   *servetest.LockedBuffer
}

// startServer serves cfg over b (with testKey as its key unless cfg
// has keys) on a local HTTP server closed at the end of the test.
func startServer(t testing.TB, b storage.Bucket, cfg api.Config) *liveServer {
	t.Helper()
	cfg.Bucket = b
	if cfg.APIKeys == nil {
		cfg.APIKeys = []string{testKey}
	}
	logs := &servetest.LockedBuffer{}
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := api.New(cfg)
	t.Cleanup(func() { s.Close() }) // after the HTTP server (cleanups run last first)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &liveServer{Server: s, URL: ts.URL, bucket: b, logs: logs}
}

// httpClient returns a client whose idle connections are closed at the
// end of the test, so that no goroutine outlives it.
func httpClient(t testing.TB) *http.Client {
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// openaiClient returns the official client for base, with key, no
// retries and its own HTTP client.
func openaiClient(t testing.TB, base, key string, opts ...option.RequestOption) openai.Client {
	return openai.NewClient(append([]option.RequestOption{
		option.WithBaseURL(base + "/v1/"), option.WithAPIKey(key),
		option.WithHTTPClient(httpClient(t)), option.WithMaxRetries(0),
	}, opts...)...)
}

// wantAPIError checks that err is an *openai.Error with the status,
// type and (if not empty) message prefix.
func wantAPIError(t testing.TB, err error, status int, typ, message string) *openai.Error {
	t.Helper()
	var e *openai.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want an *openai.Error %d", err, err, status)
	}
	if e.StatusCode != status || e.Type != typ || !strings.HasPrefix(e.Message, message) {
		t.Fatalf("error %d %q %q, want %d %q %q...", e.StatusCode, e.Type, e.Message, status, typ, message)
	}
	return e
}

// rawRequest sends a request with the test key and the beta header and
// returns the answer's status, headers and body.
func rawRequest(t testing.TB, c *http.Client, method, url, contentType string, body io.Reader, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("OpenAI-Beta", "assistants=v2")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, data
}

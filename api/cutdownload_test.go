package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/storage/faultstore"
)

// TestDownloadCutUpstream: when the stored bytes of a file fail
// mid-stream after the 200 and its headers went out, the client sees the
// body cut short (not a complete answer), and the log says what it got:
// status 200 and the bytes sent, not a 503.
func TestDownloadCutUpstream(t *testing.T) {
	b := faultstore.New(newMemBucket(t), 1,
		faultstore.Rule{Kind: faultstore.Truncate, Probability: 1, Ops: []string{faultstore.OpGet}, KeyPrefix: store.BlobsPrefix})
	srv := startServer(t, b, api.Config{})
	c := httpClient(t)
	const size = 256 << 10
	id := uploadBytes(t, c, srv.URL, bytes.Repeat([]byte("r2"), size/2))

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/v1/files/"+id+"/content", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !errors.Is(err, io.ErrUnexpectedEOF) || len(got) >= size {
		t.Fatalf("download: status %d, %d of %d bytes, error %v; want 200 cut short (unexpected EOF)",
			resp.StatusCode, len(got), size, err)
	}
	if n := b.Stats().Count(faultstore.Truncate, faultstore.OpGet); n != 1 {
		t.Fatalf("%d truncated reads; want 1", n)
	}

	var cut, access map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(srv.logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["status"] == float64(http.StatusServiceUnavailable) {
			t.Errorf("logged as 503: %s", line)
		}
		switch rec["msg"] {
		case "answer cut off":
			cut = rec
		case "request":
			if rec["route"] == "GET /v1/files/{file_id}/content" {
				access = rec
			}
		}
	}
	if cut == nil || cut["status"] != float64(http.StatusOK) || cut["bytes"] != float64(len(got)) {
		t.Errorf("cut-off line %v; want status 200 and bytes %d", cut, len(got))
	}
	if access == nil || access["status"] != float64(http.StatusOK) || access["aborted"] != true ||
		access["bytes"] != float64(len(got)) {
		t.Errorf("access line %v; want status 200, aborted, bytes %d", access, len(got))
	}
}

// uploadBytes uploads data as a file and returns its id.
func uploadBytes(t *testing.T, c *http.Client, base string, data []byte) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("purpose", "assistants")
	fw, err := mw.CreateFormFile("file", "data.bin")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	status, _, out := rawRequest(t, c, http.MethodPost, base+"/v1/files", mw.FormDataContentType(), &body,
		"Authorization", "Bearer "+testKey)
	var f struct{ ID string }
	if err := json.Unmarshal(out, &f); status != http.StatusOK || err != nil || f.ID == "" {
		t.Fatalf("upload: %d %s", status, out)
	}
	return f.ID
}

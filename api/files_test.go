package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// part is one part of a multipart body: a field, or a file when
// filename is set.
type part struct {
	name, filename, contentType, value string
}

// multipartBody encodes parts; an unterminated body lacks the final
// boundary.
func multipartBody(t testing.TB, parts []part, unterminated bool) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := make(map[string][]string)
		disp := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.filename != "" {
			disp += `; filename="` + p.filename + `"` // raw, control characters too
		}
		h["Content-Disposition"] = []string{disp}
		if p.contentType != "" {
			h["Content-Type"] = []string{p.contentType}
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(w, p.value)
	}
	if !unterminated {
		_ = mw.Close()
	}
	return buf.String(), mw.FormDataContentType()
}

// storedKeys lists every key of b.
func storedKeys(t testing.TB, b storage.Bucket) []string {
	t.Helper()
	var keys []string
	for page, err := range storage.Pages(t.Context(), b, nil) {
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Objects {
			keys = append(keys, o.Key)
		}
	}
	return keys
}

// TestUpload runs over every backend (see internal/backendtest).
func TestUpload(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) { testUpload(t, newBucket(t)) })
}

func testUpload(t *testing.T, b storage.Bucket) {
	srv := startServer(t, b, api.Config{MaxUploadBytes: 1000, MaxBodyBytes: 4096})
	c := httpClient(t)
	upload := func(parts []part, unterminated bool) (int, []byte) {
		body, ct := multipartBody(t, parts, unterminated)
		status, _, data := rawRequest(t, c, "POST", srv.URL+"/v1/files", ct, strings.NewReader(body))
		return status, data
	}
	file := part{name: "file", filename: "a.txt", contentType: "text/plain", value: "hello"}
	purpose := part{name: "purpose", value: "assistants"}
	for _, order := range [][]part{{purpose, file}, {file, purpose}} {
		status, data := upload(order, false)
		var f assistants.File
		if status != 200 || json.Unmarshal(data, &f) != nil || f.Bytes != 5 || f.Filename != "a.txt" || f.Purpose != "assistants" {
			t.Fatalf("upload %s first: %d %s", order[0].name, status, data)
		}
	}
	before := storedKeys(t, b)
	for _, tc := range []struct {
		name         string
		parts        []part
		unterminated bool
		status       int
		message      string
	}{
		{"no file", []part{purpose}, false, 400, "Missing required parameter: 'file'."},
		{"no purpose", []part{file}, false, 400, "Missing required parameter: 'purpose'."},
		{"bad purpose first", []part{{name: "purpose", value: "training"}, file}, false, 400, "Invalid value: 'training'."},
		{"bad purpose after", []part{file, {name: "purpose", value: "assistants_output"}}, false, 400, "Invalid value: 'assistants_output'."},
		{"two files", []part{purpose, file, file}, false, 400, "Invalid multipart/form-data body: more than one 'file' part."},
		{"two purposes", []part{purpose, purpose, file}, false, 400, "Invalid multipart/form-data body: more than one 'purpose' part."},
		{"no filename", []part{purpose, {name: "file", value: "x"}}, false, 400, "Invalid 'file': the file part has no filename."},
		{"control character in the name", []part{purpose, {name: "file", filename: "a\tb", value: "x"}}, false, 400, "Invalid 'filename'"},
		{"expires_after", []part{purpose, {name: "expires_after[anchor]", value: "created_at"}, file}, false, 400, "Invalid 'expires_after'"},
		{"unknown part", []part{purpose, {name: "purpse", value: "x"}, file}, false, 400, "Unrecognized request argument supplied: purpse"},
		{"long purpose", []part{{name: "purpose", value: strings.Repeat("a", 300)}, file}, false, 400, "Invalid 'purpose': longer than 256 bytes."},
		{"cut off in the file", []part{purpose, file}, true, 400, "Invalid multipart/form-data body"},
		{"file too large", []part{purpose, {name: "file", filename: "big", value: strings.Repeat("x", 1001)}}, false, 413, "File too large: the limit is 1000 bytes."},
		{"file too large, purpose after", []part{{name: "file", filename: "big", value: strings.Repeat("x", 1001)}, purpose}, false, 413, "File too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, data := upload(tc.parts, tc.unterminated)
			var e struct{ Error apiError }
			if status != tc.status || json.Unmarshal(data, &e) != nil || !strings.HasPrefix(e.Error.Message, tc.message) {
				t.Fatalf("%d %s; want %d %q", status, data, tc.status, tc.message)
			}
		})
	}
	t.Run("not multipart", func(t *testing.T) {
		status, _, data := rawRequest(t, c, "POST", srv.URL+"/v1/files", "application/json", strings.NewReader(`{"purpose":"assistants"}`))
		if status != 415 || !strings.Contains(string(data), "multipart/form-data") {
			t.Fatalf("%d %s", status, data)
		}
	})
	t.Run("body over the limit", func(t *testing.T) {
		body, ct := multipartBody(t, []part{purpose, {name: "file", filename: "f", value: strings.Repeat("x", 6000)}}, false)
		status, _, data := rawRequest(t, c, "POST", srv.URL+"/v1/files", ct, strings.NewReader(body))
		if status != 413 {
			t.Fatalf("%d %s", status, data)
		}
	})
	if after := storedKeys(t, b); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Fatalf("failed uploads changed the bucket:\nbefore %v\nafter  %v", before, after)
	}
}

// TestFileContentRanges runs over every backend (see internal/backendtest).
func TestFileContentRanges(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) { testFileContentRanges(t, newBucket(t)) })
}

func testFileContentRanges(t *testing.T, b storage.Bucket) {
	srv := startServer(t, b, api.Config{})
	c := httpClient(t)
	data := "0123456789abcdefghij" // 20 bytes
	body, ct := multipartBody(t, []part{{name: "purpose", value: "user_data"}, {name: "file", filename: "digits.txt", value: data}}, false)
	status, _, out := rawRequest(t, c, "POST", srv.URL+"/v1/files", ct, strings.NewReader(body))
	var f assistants.File
	if status != 200 || json.Unmarshal(out, &f) != nil {
		t.Fatalf("upload: %d %s", status, out)
	}
	url := srv.URL + "/v1/files/" + f.ID + "/content"
	for _, tc := range []struct {
		rng, want, contentRange string
		status                  int
	}{
		{"", data, "", 200},
		{"bytes=0-4", "01234", "bytes 0-4/20", 206},
		{"bytes=15-", "fghij", "bytes 15-19/20", 206},
		{"bytes=18-100", "ij", "bytes 18-19/20", 206},
		{"bytes=-3", "hij", "bytes 17-19/20", 206},
		{"bytes=-50", data, "bytes 0-19/20", 206},
		{"bytes=19-19", "j", "bytes 19-19/20", 206},
		{"bytes=0-1,5-6", data, "", 200},     // several ranges: ignored
		{"bytes=5-2", data, "", 200},         // malformed: ignored
		{"items=0-1", data, "", 200},         // another unit: ignored
		{"bytes=20-", "", "bytes */20", 416}, // past the end
		{"bytes=-0", "", "bytes */20", 416},
	} {
		status, h, got := rawRequest(t, c, "GET", url, "", nil, "Range", tc.rng)
		if status != tc.status || h.Get("Content-Range") != tc.contentRange {
			t.Errorf("Range %q: %d %q %s; want %d %q", tc.rng, status, h.Get("Content-Range"), got, tc.status, tc.contentRange)
			continue
		}
		if status == 416 {
			if h.Get("Content-Type") != "application/json" || !strings.Contains(string(got), "range_not_satisfiable") {
				t.Errorf("Range %q: 416 answer %s", tc.rng, got)
			}
			continue
		}
		if string(got) != tc.want || h.Get("Content-Length") != strconv.Itoa(len(tc.want)) || h.Get("Accept-Ranges") != "bytes" ||
			h.Get("Content-Type") != "text/plain; charset=utf-8" && h.Get("Content-Type") != "application/octet-stream" ||
			h.Get("Content-Disposition") != `attachment; filename=digits.txt` {
			t.Errorf("Range %q: %q %v", tc.rng, got, h)
		}
	}
	status, h, got := rawRequest(t, c, "HEAD", url, "", nil)
	if status != 200 || len(got) != 0 || h.Get("Content-Length") != "20" {
		t.Fatalf("HEAD: %d %v %q", status, h, got)
	}
	if status, _, _ := rawRequest(t, c, "GET", srv.URL+"/v1/files?purpose=nope", "", nil); status != http.StatusBadRequest {
		t.Fatalf("list with an unknown purpose: %d", status)
	}
}

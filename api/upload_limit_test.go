package api_test

import (
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/r2kit/r2kit/api"
)

// TestUploadLimitQuoted checks that every 413 of an upload quotes the
// configured file limit (Config.MaxUploadBytes), not the body limit the
// server derives from it.
func TestUploadLimitQuoted(t *testing.T) {
	for _, tc := range []struct {
		name        string
		cfg         api.Config
		size        int
		chunked     bool
		purposeLast bool
	}{
		{"content length", api.Config{MaxUploadBytes: 1000, MaxBodyBytes: 64}, 2000, false, false},
		{"chunked", api.Config{MaxUploadBytes: 1000, MaxBodyBytes: 64}, 2000, true, false},
		{"chunked, purpose last", api.Config{MaxUploadBytes: 1000, MaxBodyBytes: 64}, 2000, true, true},
		{"file just over", api.Config{MaxUploadBytes: 1000}, 1001, true, false},
		{"default limit", api.Config{MaxBodyBytes: 64}, api.DefaultMaxUploadBytes + 65, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newServer(t, tc.cfg)
			limit := tc.cfg.MaxUploadBytes
			if limit == 0 {
				limit = api.DefaultMaxUploadBytes
			}
			var r *httptest.ResponseRecorder
			if tc.size > 1<<20 { // never built: the Content-Length alone is refused
				r = httptest.NewRecorder()
				rq := httptest.NewRequest("POST", "/v1/files", strings.NewReader(""))
				rq.ContentLength = int64(tc.size)
				rq.Header.Set("Content-Type", "multipart/form-data; boundary=x")
				s.ServeHTTP(r, rq)
			} else {
				parts := []part{{name: "purpose", value: "assistants"}, {name: "file", filename: "a.txt", value: strings.Repeat("x", tc.size)}}
				if tc.purposeLast {
					parts[0], parts[1] = parts[1], parts[0]
				}
				body, ct := multipartBody(t, parts, false)
				rq := httptest.NewRequest("POST", "/v1/files", strings.NewReader(body))
				if tc.chunked {
					rq = httptest.NewRequest("POST", "/v1/files", io.NopCloser(iotest.HalfReader(strings.NewReader(body))))
					rq.ContentLength = -1
				}
				rq.Header.Set("Content-Type", ct)
				r = httptest.NewRecorder()
				s.ServeHTTP(r, rq)
			}
			e := errorOf(t, r, 413)
			want := "File too large: the limit is " + itoa(limit) + " bytes."
			if e.Message != want || e.code() != "file_too_large" {
				t.Fatalf("message %q code %q; want %q, file_too_large", e.Message, e.code(), want)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

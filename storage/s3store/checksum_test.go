package s3store_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage/s3store"
)

// TestUploadChecksums: uploads reach the server as plain signed payloads
// (x-amz-content-sha256 is the body's SHA-256, no aws-chunked encoding,
// no trailing or header checksum), even from a client left at the SDK's
// default RequestChecksumCalculation (WhenSupported) and for bodies that
// cannot be seeked. This is what R2 and S3-compatible servers accept.
func TestUploadChecksums(t *testing.T) {
	srv := backendtest.RequireS3(t, false)
	var (
		mu   sync.Mutex
		seen []string
	)
	sha := regexp.MustCompile(`^[0-9a-f]{64}$`)
	rec := &recorder{base: http.DefaultTransport.(*http.Transport).Clone()}
	rec.respond = func(r *http.Request) (*http.Response, error) {
		if r.Method != http.MethodPut {
			return nil, nil
		}
		var bad []string
		if v := r.Header.Get("X-Amz-Content-Sha256"); !sha.MatchString(v) {
			bad = append(bad, "x-amz-content-sha256: "+v)
		}
		for k, v := range r.Header {
			lk := strings.ToLower(k)
			if strings.HasPrefix(lk, "x-amz-checksum-") || lk == "x-amz-trailer" || lk == "x-amz-sdk-checksum-algorithm" ||
				lk == "content-encoding" && strings.Contains(strings.Join(v, ","), "aws-chunked") {
				bad = append(bad, k+": "+strings.Join(v, ","))
			}
		}
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.URL.Path+"?"+r.URL.RawQuery)
		if len(bad) > 0 {
			q, _ := url.QueryUnescape(r.URL.RawQuery)
			t.Errorf("PUT %s?%s: %q", r.URL.Path, q, bad)
		}
		return nil, nil
	}
	defaults := srv.Client(func(o *s3.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenSupported
		o.HTTPClient = &http.Client{Transport: rec}
	})
	b := s3store.New(defaults, backendtest.CreateBucket(t, srv.Client()), &s3store.Options{PartSize: partSize})
	small, big := pattern(1000, 7), pattern(partSize+4096, 8)
	for _, tc := range []struct {
		name string
		data []byte
		seek bool
	}{{"SmallSeekable", small, true}, {"SmallStream", small, false}, {"MultipartStream", big, false}} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.seek {
				_, err = b.Put(t.Context(), tc.name, strings.NewReader(string(tc.data)), nil)
			} else {
				_, err = b.Put(t.Context(), tc.name, pipe(t, tc.data), nil)
			}
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if got := readAll(t, b, tc.name); got != string(tc.data) {
				t.Errorf("read back %d bytes that differ from the %d written", len(got), len(tc.data))
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 4 { // two PutObject, two UploadPart
		t.Errorf("saw these uploads: %q; want 2 PutObject and 2 UploadPart", seen)
	}
}

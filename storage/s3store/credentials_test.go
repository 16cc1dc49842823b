package s3store_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/r2kit/r2kit/storage/s3store"
)

// noCredentials empties every source of AWS credentials but the EC2
// instance metadata service, which it points at a local server counting
// the requests it gets (the real endpoint is never reached: TestMain
// disables the client too, and each test sets its own state).
func noCredentials(t *testing.T) *atomic.Int64 {
	var hits atomic.Int64
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(imds.Close)
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.URL)
	return &hits
}

// Without credentials, Open answers one line naming the variables to
// set; r2:// never asks the EC2 metadata service, even when it is
// enabled.
func TestOpenWithoutCredentials(t *testing.T) {
	for _, tc := range []struct {
		url, imds, want string
	}{
		{"r2://bkt?account=0123abcd", "false", "s3store: no credentials for r2://bkt: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
			"to an R2 API token's access key id and secret (or AWS_PROFILE to a profile of ~/.aws/credentials)"},
		{"s3://bkt?region=us-east-1", "true", "s3store: no credentials for s3://bkt: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
			"(or AWS_PROFILE to a profile of ~/.aws/credentials, or run with an IAM role)"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			hits := noCredentials(t)
			t.Setenv("AWS_EC2_METADATA_DISABLED", tc.imds)
			u, _ := url.Parse(tc.url)
			_, err := s3store.Open(t.Context(), u)
			var ce *s3store.CredentialsError
			if !errors.As(err, &ce) || err.Error() != tc.want || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Open: %v\nwant %s", err, tc.want)
			}
			if n := hits.Load(); n != 0 {
				t.Fatalf("Open asked the EC2 metadata service %d times", n)
			}
		})
	}
}

package s3store_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/s3store"
)

// TestOpenURL: what s3:// and r2:// URLs configure, and what they refuse.
// Open needs no server.
func TestOpenURL(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "k")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	t.Setenv("AWS_REGION", "eu-west-3")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	for _, tc := range []struct {
		url       string
		backend   string
		bucket    string
		endpoint  string
		region    string
		pathStyle bool
		prefix    string
	}{
		{"s3://bkt", "s3", "bkt", "", "eu-west-3", false, ""},
		{"s3://bkt?region=us-east-1", "s3", "bkt", "", "us-east-1", false, ""},
		{"s3://bkt?endpoint=http://127.0.0.1:7070&region=us-east-1&path_style=true&prefix=some/prefix/",
			"s3", "bkt", "http://127.0.0.1:7070", "us-east-1", true, "some/prefix/"},
		{"s3://bkt?endpoint=http://127.0.0.1:7070", "s3", "bkt", "http://127.0.0.1:7070", "eu-west-3", true, ""},
		{"s3://bkt?endpoint=https://s3.example.com&path_style=false", "s3", "bkt", "https://s3.example.com", "eu-west-3", false, ""},
		{"s3://bkt/?part_size=16777216&concurrency=8", "s3", "bkt", "", "eu-west-3", false, ""},
		{"r2://bkt?account=0123abcd", "r2", "bkt", "https://0123abcd.r2.cloudflarestorage.com", "auto", true, ""},
		{"r2://bkt?account=0123abcd&prefix=app/", "r2", "bkt", "https://0123abcd.r2.cloudflarestorage.com", "auto", true, "app/"},
		{"r2://bkt?endpoint=http://127.0.0.1:7071", "r2", "bkt", "http://127.0.0.1:7071", "auto", true, ""},
	} {
		t.Run(tc.url, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			b, err := s3store.Open(t.Context(), u)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			o := b.Client().Options()
			if b.Backend() != tc.backend || b.Name() != tc.bucket || aws.ToString(o.BaseEndpoint) != tc.endpoint ||
				o.Region != tc.region || o.UsePathStyle != tc.pathStyle {
				t.Errorf("Open: backend %s, bucket %s, endpoint %q, region %s, path style %v",
					b.Backend(), b.Name(), aws.ToString(o.BaseEndpoint), o.Region, o.UsePathStyle)
			}
			if o.RequestChecksumCalculation != aws.RequestChecksumCalculationWhenRequired ||
				o.ResponseChecksumValidation != aws.ResponseChecksumValidationWhenRequired {
				t.Errorf("Open: checksums %v / %v, want WhenRequired", o.RequestChecksumCalculation, o.ResponseChecksumValidation)
			}
			if want := tc.backend + "://" + tc.bucket + "/" + tc.prefix; b.String() != want {
				t.Errorf("String() = %q, want %q", b.String(), want)
			}
		})
	}
	for _, bad := range []string{
		"s3://",
		"s3://bkt/some/path",
		"s3://user:secret@bkt",
		"s3://bkt?unknown=1",
		"s3://bkt?path_style=maybe",
		"s3://bkt?endpoint=ftp://x",
		"s3://bkt?endpoint=127.0.0.1:7070",
		"s3://bkt?part_size=1024",
		"s3://bkt?concurrency=0",
		"s3://bkt?account=abc",
		"r2://bkt",
		"r2://bkt?account=evil.example.com/",
		"r2://bkt?account=abc&region=us-east-1",
		"r2://bkt?account=abc&write_interval=fast",
		"s3://bkt?write_interval=-1s",
	} {
		t.Run("Refuses/"+bad, func(t *testing.T) {
			if _, err := storage.Open(t.Context(), bad); err == nil {
				t.Errorf("storage.Open(%q) succeeded", bad)
			}
		})
	}
}

// TestOpenWriteInterval: r2:// paces writes to a key at R2's one per
// second unless write_interval says otherwise; s3:// does not pace.
func TestOpenWriteInterval(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "k")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	for raw, want := range map[string]time.Duration{
		"r2://bkt?account=abc":                        time.Second,
		"r2://bkt?account=abc&write_interval=0":       0,
		"r2://bkt?account=abc&write_interval=1500ms":  1500 * time.Millisecond,
		"s3://bkt?region=us-east-1":                   0,
		"s3://bkt?region=us-east-1&write_interval=1s": time.Second,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s3store.Open(t.Context(), u)
		if err != nil {
			t.Fatalf("Open(%s): %v", raw, err)
		}
		if got := b.WriteInterval(); got != want {
			t.Errorf("Open(%s).WriteInterval() = %v, want %v", raw, got, want)
		}
	}
}

// TestOpenRoundTrip: storage.Open of s3:// and r2:// URLs naming the test
// servers, with credentials from the AWS environment variables.
func TestOpenRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		scheme  string
		auto    bool
		backend string
	}{{"s3", false, "s3"}, {"r2", true, "r2"}} {
		t.Run(tc.scheme, func(t *testing.T) {
			srv := backendtest.RequireS3(t, tc.auto)
			name := backendtest.CreateBucket(t, srv.Client())
			t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
			t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
			t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
			q := url.Values{"endpoint": {srv.Endpoint}, "prefix": {"p/"}}
			if tc.scheme == "s3" {
				q.Set("region", srv.Region)
			}
			b, err := storage.Open(t.Context(), tc.scheme+"://"+name+"?"+q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if got := b.(storage.Backend).Backend(); got != tc.backend {
				t.Errorf("Backend() = %q, want %q", got, tc.backend)
			}
			a, err := b.Put(t.Context(), "k", strings.NewReader("hello"), &storage.PutOptions{IfNoneMatch: "*"})
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if got := readAll(t, b, "k"); got != "hello" {
				t.Errorf("Get = %q", got)
			}
			if err := b.Delete(t.Context(), "k", &storage.DeleteOptions{IfMatch: a.ETag}); err != nil {
				t.Errorf("Delete: %v", err)
			}
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Stat(t.Context(), "k"); err == nil || !strings.Contains(err.Error(), storage.ErrClosed.Error()) {
				t.Errorf("Stat after Close: %v, want ErrClosed", err)
			}
		})
	}
}

// TestPresignGet: a presigned URL reads the object with a plain GET.
func TestPresignGet(t *testing.T) {
	b := backendtest.NewS3Bucket(t, false, &s3store.Options{Prefix: "signed/"})
	if _, err := b.Put(t.Context(), "dir/file name.txt", strings.NewReader("secret bytes"), nil); err != nil {
		t.Fatal(err)
	}
	link, err := b.PresignGet(t.Context(), "dir/file name.txt", 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(link, "X-Amz-Signature=") || !strings.Contains(link, "signed/dir/") {
		t.Errorf("PresignGet = %q: not a signed URL of the prefixed key", link)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, link, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "secret bytes" {
		t.Errorf("GET presigned URL: %s %q", resp.Status, body)
	}
	if _, err := b.PresignGet(context.Background(), "k", 0); err == nil {
		t.Error("PresignGet with a zero expiry succeeded")
	}
}

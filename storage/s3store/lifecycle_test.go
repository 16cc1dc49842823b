package s3store_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/s3store"
)

// TestSetLifecycle checks the lifecycle configuration sent to the
// server: one rule per prefix (under the Bucket's prefix), whole days
// rounded up, and incomplete uploads aborted.
func TestSetLifecycle(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+"\n"+string(body))
		mu.Unlock()
	}))
	defer srv.Close()
	client := s3.New(s3.Options{
		BaseEndpoint: aws.String(srv.URL), Region: "auto", UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
	})
	b := s3store.New(client, "bkt", &s3store.Options{Prefix: "app/"})
	err := storage.SetLifecycle(t.Context(), b, []storage.LifecycleRule{
		{Prefix: "runs/", Age: 24 * time.Hour},
		{Prefix: "threads/", Age: 7*24*time.Hour + time.Minute},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("requests: %q", got)
	}
	for _, want := range []string{
		"PUT /bkt?lifecycle",
		"<ID>r2kit-expire-runs</ID>", "<Prefix>app/runs/</Prefix>", "<Days>1</Days>",
		"<Prefix>app/threads/</Prefix>", "<Days>8</Days>",
		"<DaysAfterInitiation>1</DaysAfterInitiation>", "<Status>Enabled</Status>",
	} {
		if !strings.Contains(got[0], want) {
			t.Errorf("request lacks %q:\n%s", want, got[0])
		}
	}
	err = b.SetLifecycle(t.Context(), []storage.LifecycleRule{{Prefix: "x/", Age: 0}})
	if !errors.Is(err, storage.ErrInvalidArgument) {
		t.Fatalf("zero age: err = %v, want ErrInvalidArgument", err)
	}
}

// TestRetryAfter: a 429 or 503 answer's Retry-After reaches callers
// through the error's RetryAfter method, which resilience honours.
func TestRetryAfter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>slow down</Message></Error>`)
	}))
	defer srv.Close()
	client := s3.New(s3.Options{
		BaseEndpoint: aws.String(srv.URL), Region: "auto", UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
		Retryer:     aws.NopRetryer{},
	})
	b := s3store.New(client, "bkt", nil)
	_, err := b.Stat(t.Context(), "hot.json")
	var ra interface{ RetryAfter() time.Duration }
	if !errors.Is(err, storage.ErrTransient) || !errors.As(err, &ra) || ra.RetryAfter() != 7*time.Second {
		t.Fatalf("err = %v, want ErrTransient carrying Retry-After 7s", err)
	}
}

package r2profile_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/r2profile"
)

// profile starts a proxy with opts in front of the "auto" test server
// and returns a raw SDK client through it and a fresh bucket.
func profile(t *testing.T, opts *r2profile.Options) (*s3.Client, string, *r2profile.Server) {
	t.Helper()
	s := backendtest.RequireS3(t, true)
	p, err := r2profile.Start(s.Endpoint, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	name := backendtest.CreateBucket(t, s.Client())
	through := s
	through.Endpoint = p.URL
	return through.Client(func(o *s3.Options) { o.RetryMaxAttempts = 1 }), name, p
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestWriteLimit: a second write to one key within a second is 429
// TooManyRequests with a Retry-After; another key and reads are not
// limited; after the wait the write passes.
func TestWriteLimit(t *testing.T) {
	now := time.Unix(1000, 0)
	c, bucket, p := profile(t, &r2profile.Options{Now: func() time.Time { return now }})
	put := func(key string) error {
		_, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(key), Body: strings.NewReader("v")})
		return err
	}
	if err := put("k"); err != nil {
		t.Fatalf("first write: %v", err)
	}
	if err := put("k"); code(err) != "TooManyRequests" {
		t.Errorf("second write within a second: %v, want TooManyRequests", err)
	}
	if err := put("other"); err != nil {
		t.Errorf("write to another key: %v", err)
	}
	if _, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("k")}); err != nil {
		t.Errorf("read of a throttled key: %v", err)
	}
	now = now.Add(time.Second)
	if err := put("k"); err != nil {
		t.Errorf("write a second later: %v", err)
	}
	if st := p.Stats(); st.Throttled != 1 || st.Writes != 3 {
		t.Errorf("stats %+v, want 3 writes and 1 throttled", st)
	}
	var log []string
	for _, w := range p.Writes() {
		log = append(log, fmt.Sprintf("%s@%d throttled=%v", w.Key, w.At.Unix(), w.Throttled))
	}
	want := []string{"k@1000 throttled=false", "k@1000 throttled=true", "other@1000 throttled=false", "k@1001 throttled=false"}
	if !slices.Equal(log, want) {
		t.Errorf("Writes() = %q, want %q", log, want)
	}
}

// TestConditionalDeleteRefused: DeleteObject with If-Match is refused
// with 501 NotImplemented and deletes nothing; a failed If-Match PUT on a
// missing key is R2's 412, not AWS's 404.
func TestConditionalDeleteRefused(t *testing.T) {
	c, bucket, p := profile(t, &r2profile.Options{WritesPerSecond: -1})
	out, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("k"), Body: strings.NewReader("v")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("k"), IfMatch: out.ETag})
	if code(err) != "NotImplemented" {
		t.Errorf("conditional DeleteObject: %v, want NotImplemented", err)
	}
	if _, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("k")}); err != nil {
		t.Errorf("the refused DELETE deleted the object: %v", err)
	}
	_, err = c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("missing"), Body: strings.NewReader("v"), IfMatch: out.ETag})
	if code(err) != "PreconditionFailed" {
		t.Errorf("PutObject If-Match on a missing key: %v, want PreconditionFailed", err)
	}
	if _, err := c.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("k")}); err != nil {
		t.Errorf("unconditional DeleteObject: %v", err)
	}
	if st := p.Stats(); st.ConditionalDeletes != 1 {
		t.Errorf("stats %+v, want 1 conditional delete refused", st)
	}
}

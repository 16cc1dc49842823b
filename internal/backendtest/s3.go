package backendtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/r2kit/r2kit/storage/s3store"
)

// Environment variables naming the S3-compatible test servers, as
// printed by scripts/s3server.sh start.
const (
	EnvEndpoint     = "R2KIT_TEST_S3_ENDPOINT"      // server signing region us-east-1
	EnvAutoEndpoint = "R2KIT_TEST_S3_AUTO_ENDPOINT" // server signing region "auto", as R2
	EnvAccessKey    = "R2KIT_TEST_S3_ACCESS_KEY"
	EnvSecretKey    = "R2KIT_TEST_S3_SECRET_KEY"
)

// HowToRun tells how to start the S3 test servers.
const HowToRun = `start them with: eval "$(scripts/s3server.sh start)" (and scripts/s3server.sh stop afterwards)`

// S3Server is an S3-compatible test server.
type S3Server struct {
	Endpoint  string // base URL, http://127.0.0.1:PORT
	Region    string // the region it signs with: "us-east-1" or "auto"
	AccessKey string
	SecretKey string
}

// S3FromEnv returns the test server signing region "auto" if auto is
// set, else the one signing "us-east-1", and whether the environment
// names it.
func S3FromEnv(auto bool) (S3Server, bool) {
	s := S3Server{
		Endpoint:  os.Getenv(EnvEndpoint),
		Region:    "us-east-1",
		AccessKey: os.Getenv(EnvAccessKey),
		SecretKey: os.Getenv(EnvSecretKey),
	}
	if auto {
		s.Endpoint, s.Region = os.Getenv(EnvAutoEndpoint), "auto"
	}
	return s, s.Endpoint != "" && s.AccessKey != "" && s.SecretKey != ""
}

// InCI reports whether the tests run in CI (CI=true), where the S3 test
// servers are required.
func InCI() bool { return os.Getenv("CI") == "true" }

// RequireS3 returns the test server (see S3FromEnv). When the environment
// does not name it, t fails in CI and is skipped elsewhere, with a
// message saying how to start the servers.
func RequireS3(t testing.TB, auto bool) S3Server {
	t.Helper()
	s, ok := S3FromEnv(auto)
	if ok {
		return s
	}
	if InCI() {
		t.Fatalf("the S3 test servers are required in CI (CI=true) but %s / %s are not set: %s", EnvEndpoint, EnvAutoEndpoint, HowToRun)
	}
	t.Skipf("S3 test servers not configured (%s / %s unset): %s", EnvEndpoint, EnvAutoEndpoint, HowToRun)
	return s
}

// Client returns an S3 client for the server: path-style addressing,
// static credentials, checksums only where required. optFns adjust the
// options (for example to install a test HTTP client).
func (s S3Server) Client(optFns ...func(*s3.Options)) *s3.Client {
	return s3.New(s3.Options{
		Region:                     s.Region,
		BaseEndpoint:               aws.String(s.Endpoint),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}, optFns...)
}

// CreateBucket creates a new, uniquely named bucket on the server client
// talks to and returns its name. At cleanup every object and unfinished
// multipart upload in it is deleted, then the bucket.
func CreateBucket(t testing.TB, client *s3.Client) string {
	t.Helper()
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	name := "r2kit-test-" + hex.EncodeToString(rnd[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := removeBucket(ctx, client, name); err != nil {
			t.Errorf("removing test bucket %s: %v", name, err)
		}
	})
	return name
}

// removeBucket empties and deletes a bucket.
func removeBucket(ctx context.Context, client *s3.Client, name string) error {
	objects := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: &name})
	for objects.HasMorePages() {
		page, err := objects.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, o := range page.Contents {
			if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: o.Key}); err != nil {
				return err
			}
		}
	}
	uploads, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &name})
	if err != nil {
		return err
	}
	for _, u := range uploads.Uploads {
		_, err := client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &name, Key: u.Key, UploadId: u.UploadId})
		if err != nil {
			return err
		}
	}
	_, err = client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &name})
	return err
}

// NewS3Bucket returns an s3store Bucket over a new, empty bucket on the
// test server (see RequireS3 for when the server is not configured). With
// auto it talks to the server signing region "auto" and behaves as for
// Cloudflare R2 (s3store.Options.R2: conditional deletes emulated). opts
// may be nil; its R2 field is set from auto, and its ValidateKey, if nil,
// to s3store.ValidatePathKey: the test server, versitygw, stores objects
// as files.
func NewS3Bucket(t testing.TB, auto bool, opts *s3store.Options) *s3store.Bucket {
	t.Helper()
	return newS3Bucket(t, RequireS3(t, auto), opts)
}

func newS3Bucket(t testing.TB, s S3Server, opts *s3store.Options) *s3store.Bucket {
	t.Helper()
	var o s3store.Options
	if opts != nil {
		o = *opts
	}
	o.R2 = s.Region == "auto"
	if o.ValidateKey == nil {
		o.ValidateKey = s3store.ValidatePathKey
	}
	client := s.Client()
	b := s3store.New(client, CreateBucket(t, client), &o)
	t.Cleanup(func() { _ = b.Close() })
	return b
}

package s3store_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/s3store"
	"github.com/r2kit/r2kit/storage/storagetest"
)

func TestMain(m *testing.M) {
	backendtest.DisableEC2Metadata()
	goleak.VerifyTestMain(m,
		// Idle keep-alive connections of the SDK's shared HTTP transport.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

// versitygwHarness is the conformance harness on the versitygw test
// server signing region us-east-1, or "auto" (set up as for R2). opts may
// be nil.
func versitygwHarness(auto bool, opts *s3store.Options) storagetest.Harness {
	prefix := ""
	if opts != nil {
		prefix = opts.Prefix
	}
	return storagetest.Harness{
		NewBucket: func(t testing.TB) storage.Bucket {
			return backendtest.NewS3Bucket(t, auto, opts)
		},
		ConditionalDeleteNotAtomic: nonAtomicDelete(auto),
		// The test server, not s3store, has these limits: versitygw's
		// posix backend stores an object as a file, so it refuses the
		// keys s3store.ValidatePathKey names (empty, "." and ".."
		// segments, trailing "/", segments over 255 bytes) and cannot
		// hold "a" and "a/b" together. S3 and R2 have neither limit.
		NestedKeysConflict: `versitygw's posix backend keeps an object as a file, so "a" cannot be an object while "a/b" exists (S3 and R2 hold both)`,
		RejectsKey: func(key string) bool {
			return len(prefix)+len(key) > storage.MaxKeyLen || s3store.ValidatePathKey(prefix+key) != nil
		},
	}
}

// nonAtomicDelete says why racing conditional deletes can all succeed
// on the test server: not in R2 mode, whose deletes go through
// conditional tombstone writes.
func nonAtomicDelete(auto bool) string {
	if auto {
		return ""
	}
	return "versitygw answers DELETE with If-Match on a missing key with 204 success (AWS answers 404); " +
		"s3store's mapping of AWS's 404 is tested by TestConditionalDeleteMissing"
}

func TestConformance(t *testing.T) {
	backendtest.RequireS3(t, false)
	backendtest.RequireS3(t, true)
	t.Run("s3", func(t *testing.T) {
		storagetest.RunConformanceTests(t, versitygwHarness(false, nil))
	})
	t.Run("s3-prefix", func(t *testing.T) {
		storagetest.RunConformanceTests(t, versitygwHarness(false, &s3store.Options{Prefix: "some/prefix/"}))
	})
	t.Run("r2", func(t *testing.T) {
		// s3store in R2 mode through the R2 profile (without its rate
		// limit: the suite writes one key many times a second).
		h := versitygwHarness(true, nil)
		h.NewBucket = func(t testing.TB) storage.Bucket { return backendtest.NewBucket(t, "r2") }
		storagetest.RunConformanceTests(t, h)
	})
}

func BenchmarkS3(b *testing.B) {
	backendtest.RequireS3(b, false)
	storagetest.RunBenchmarks(b, versitygwHarness(false, nil))
}

// Package backendtest runs a test over every storage backend, the way
// thanos-io/objstore's ForeachStore does: the in-process ones always, and
// s3store on the S3-compatible test servers started by
// scripts/s3server.sh when the environment names them.
package backendtest

import (
	"testing"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/filestore"
	"github.com/r2kit/r2kit/storage/memstore"
)

// ForEach runs fn in one subtest per available backend, each named after
// it: "mem" (memstore), "file" (filestore in t.TempDir(), without
// fsync), "s3" (s3store on the server signing region us-east-1) and "r2"
// (s3store in R2 mode, through the r2profile proxy in front of the server
// signing region "auto": R2's answers and refusals, but no per-key write
// rate limit, see NewR2Bucket for that). newBucket
// returns a fresh, empty Bucket, closed and removed at the end of the
// test that asked for it.
//
// The S3 backends need R2KIT_TEST_S3_ENDPOINT, R2KIT_TEST_S3_AUTO_ENDPOINT,
// R2KIT_TEST_S3_ACCESS_KEY and R2KIT_TEST_S3_SECRET_KEY. When they are
// not set, ForEach fails the test if CI=true; otherwise it logs how to
// start the servers and leaves the S3 backends out.
func ForEach(t *testing.T, fn func(t *testing.T, newBucket func(t testing.TB) storage.Bucket)) {
	t.Helper()
	t.Run("mem", func(t *testing.T) { fn(t, newMem) })
	t.Run("file", func(t *testing.T) { fn(t, newFile) })
	logged := false
	for _, backend := range []struct {
		name string
		auto bool
	}{{"s3", false}, {"r2", true}} {
		s, ok := S3FromEnv(backend.auto)
		switch {
		case ok && backend.auto:
			t.Run(backend.name, func(t *testing.T) {
				fn(t, func(t testing.TB) storage.Bucket {
					b, _ := newR2Bucket(t, s, &R2Options{Profile: &r2TestProfile})
					return b
				})
			})
		case ok:
			t.Run(backend.name, func(t *testing.T) {
				fn(t, func(t testing.TB) storage.Bucket { return newS3Bucket(t, s, nil) })
			})
		case InCI():
			t.Errorf("backend %s: the S3 test servers are required in CI (CI=true) but the %s variables are not set: %s",
				backend.name, "R2KIT_TEST_S3_*", HowToRun)
		case !logged:
			logged = true
			t.Logf("S3 backends left out (R2KIT_TEST_S3_* unset): %s", HowToRun)
		}
	}
}

func newMem(t testing.TB) storage.Bucket {
	b := memstore.New()
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// newFile opens a filestore in a new temporary directory, without fsync:
// tests need no crash durability.
func newFile(t testing.TB) storage.Bucket {
	t.Helper()
	b, err := filestore.Open(t.TempDir(), &filestore.Options{NoSync: true})
	if err != nil {
		t.Fatalf("filestore.Open: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// NewBucket returns a fresh, empty Bucket of the named backend ("mem",
// "file", "s3", "s3-auto", "r2" as in ForEach, or "r2-limited": "r2"
// with R2's one write per second per key), for benchmarks and tests that compare
// backends by name. The S3 backends follow RequireS3: they fail in CI and
// skip elsewhere when the test servers are not configured.
func NewBucket(t testing.TB, backend string) storage.Bucket {
	t.Helper()
	switch backend {
	case "mem":
		return newMem(t)
	case "file":
		return newFile(t)
	case "s3":
		return NewS3Bucket(t, false, nil)
	case "s3-auto":
		return NewS3Bucket(t, true, nil)
	case "r2":
		b, _ := NewR2Bucket(t, &R2Options{Profile: &r2TestProfile})
		return b
	case "r2-limited":
		b, _ := NewR2Bucket(t, nil)
		return b
	}
	t.Fatalf("backendtest: unknown backend %q", backend)
	return nil
}

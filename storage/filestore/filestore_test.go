//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/filestore"
	"github.com/r2kit/r2kit/storage/storagetest"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		// A helper process of TestCrossProcess: it runs one test and
		// exits; the parent checks for leaks.
		os.Exit(m.Run())
	}
	goleak.VerifyTestMain(m)
}

// harness runs the conformance suite on fresh directories. With sync
// false the buckets skip fsync, which makes no difference to what a
// running process observes. Filestore declares no key rejected: it
// stores every key S3 and R2 accept.
func harness(sync bool) storagetest.Harness {
	return storagetest.Harness{
		NewBucket: func(t testing.TB) storage.Bucket {
			return openBucket(t, t.TempDir(), &filestore.Options{NoSync: !sync})
		},
	}
}

func TestConformance(t *testing.T) {
	storagetest.RunConformanceTests(t, harness(true))
}

// TestConformancePathWalk runs the suite with paths opened one
// component at a time, as on macOS, the BSDs and Linux before 5.6.
func TestConformancePathWalk(t *testing.T) {
	defer filestore.ForcePathWalk()()
	storagetest.RunConformanceTests(t, harness(false))
}

func BenchmarkFilestore(b *testing.B) {
	b.Run("Sync", func(b *testing.B) { storagetest.RunBenchmarks(b, harness(true)) })
	b.Run("NoSync", func(b *testing.B) { storagetest.RunBenchmarks(b, harness(false)) })
}

// openBucket opens dir and closes the Bucket when t ends.
func openBucket(t testing.TB, dir string, opts *filestore.Options) *filestore.Bucket {
	t.Helper()
	b, err := filestore.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore_test

import (
	"os"
	"strings"
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
// running process observes.
func harness(sync bool) storagetest.Harness {
	return storagetest.Harness{
		NewBucket: func(t testing.TB) storage.Bucket {
			return openBucket(t, t.TempDir(), &filestore.Options{NoSync: !sync})
		},
		RejectsKey: rejectsKey,
	}
}

// rejectsKey states which keys of the suite's tables filestore refuses
// beyond storage.ValidateKey: those that cannot be a relative path of a
// file strictly inside the root, and the reserved directory.
//
// It also declares "a" and "b", which filestore stores, but not together
// with the deeper keys "a/b" and "b/2" of the suite's listing fixture: a
// path cannot be both a file and a directory. The suite leaves them out
// of that fixture; TestConflicts tests the conflict itself.
func rejectsKey(key string) bool {
	if key == "a" || key == "b" {
		return true
	}
	if strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") {
		return true
	}
	segs := strings.Split(key, "/")
	for _, seg := range segs {
		if seg == "" || seg == "." || seg == ".." || len(seg) > filestore.MaxSegmentLen {
			return true
		}
	}
	return strings.EqualFold(segs[0], ".r2kit")
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

// Package storagetest is the conformance suite for storage.Bucket
// implementations, in the manner of testing/fstest.TestFS: every r2kit
// backend runs it, and anyone can run it against their own Bucket or
// wrapper.
//
// The suite tests the sentences of the storage.Bucket doc comments, each
// behaviour in its own subtest so that the output names what passed and
// what failed. It includes concurrent tests (racing creates, racing
// compare-and-swap increments, racing conditional deletes); run it with
// -race.
//
// The top-level groups are NotFound, RoundTrip, SizeMismatch, Range,
// OddKeys, InvalidKeys, KeysAreExact, List, Metadata, ETag,
// GetIfNoneMatch, PutIfNoneMatch, PutIfMatch, DeleteIfMatch, Context,
// Race and Close. The suite keeps its request count modest (one 10 MiB
// round trip and a few hundred small requests) so that it runs in a few
// seconds against a real S3-compatible server over loopback.
//
// A backend joins with a few lines:
//
//	func TestConformance(t *testing.T) {
//		storagetest.RunConformanceTests(t, storagetest.Harness{
//			NewBucket: func(t testing.TB) storage.Bucket {
//				b := mybackend.New()
//				t.Cleanup(func() { _ = b.Close() })
//				return b
//			},
//		})
//	}
package storagetest

import (
	"testing"

	"github.com/r2kit/r2kit/storage"
)

// Harness describes a backend under test.
type Harness struct {
	// NewBucket returns a new, empty Bucket for one test and registers
	// its cleanup with t.Cleanup. The suite closes some buckets itself,
	// so the cleanup must tolerate a Bucket that is already closed (it
	// may ignore the second Close's error).
	NewBucket func(t testing.TB) storage.Bucket

	// RejectsKey reports keys from the suite's odd-key table that this
	// backend declares it cannot store (for example a filesystem-backed
	// store refusing "a//b" or "x/./y"). For such keys the suite checks
	// that Put fails (logging the error) and that nothing else in the
	// bucket changed, instead of round-tripping them. The listing tests
	// consult it too: their fixture holds both "a" and "a/b", and a key
	// declared rejected is left out of the fixture (and logged).
	// nil means every key of the table must round-trip.
	RejectsKey func(key string) bool

	// ConditionalDeleteNotAtomic, if not empty, declares (and says why)
	// that the store cannot make a conditional Delete atomic, as
	// Cloudflare R2, which documents no If-Match on DeleteObject. Racing
	// conditional deletes of one version may then all succeed: the suite
	// checks only that the object is gone and that no racer failed
	// otherwise, and logs the reason.
	ConditionalDeleteNotAtomic string
}

// rejects reports whether the harness declares key unstorable.
func (h Harness) rejects(key string) bool {
	return h.RejectsKey != nil && h.RejectsKey(key)
}

// RunConformanceTests runs the conformance suite against the backend h
// describes. Each test gets its own Bucket from h.NewBucket.
func RunConformanceTests(t *testing.T, h Harness) {
	if h.NewBucket == nil {
		t.Fatal("storagetest: Harness.NewBucket is nil")
	}
	s := &suite{h: h}
	t.Run("NotFound", s.testNotFound)
	t.Run("RoundTrip", s.testRoundTrip)
	t.Run("SizeMismatch", s.testSizeMismatch)
	t.Run("Range", s.testRange)
	t.Run("OddKeys", s.testOddKeys)
	t.Run("InvalidKeys", s.testInvalidKeys)
	t.Run("KeysAreExact", s.testKeysAreExact)
	t.Run("List", s.testList)
	t.Run("Metadata", s.testMetadata)
	t.Run("ETag", s.testETag)
	t.Run("GetIfNoneMatch", s.testGetIfNoneMatch)
	t.Run("PutIfNoneMatch", s.testPutIfNoneMatch)
	t.Run("PutIfMatch", s.testPutIfMatch)
	t.Run("DeleteIfMatch", s.testDeleteIfMatch)
	t.Run("Context", s.testContext)
	t.Run("Race", s.testRace)
	t.Run("Close", s.testClose)
}

// suite holds the harness for the test methods.
type suite struct {
	h Harness
}

// bucket returns a new, empty Bucket for t.
func (s *suite) bucket(t testing.TB) storage.Bucket {
	t.Helper()
	b := s.h.NewBucket(t)
	if b == nil {
		t.Fatal("Harness.NewBucket returned nil")
	}
	return b
}

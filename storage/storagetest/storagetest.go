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
// OddKeys, InvalidKeys, KeysAreExact, NestedKeys, List, Metadata, ETag,
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
	"strings"
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
	// backend declares it cannot store, although S3 and R2 do (for
	// example a test server that keeps objects as files refusing "a//b"
	// or "x/./y", or a wrapper whose prefix makes the longest keys too
	// long). For such keys the suite checks that Put fails (logging the
	// error) and that nothing else in the bucket changed, instead of
	// round-tripping them. The listing and NestedKeys tests leave a key
	// declared rejected out of their fixtures (and log it). nil means
	// every key must round-trip, as on S3 and R2.
	RejectsKey func(key string) bool

	// NestedKeysConflict, if not empty, declares (and says why) that the
	// store cannot hold a key together with keys that continue it past
	// a "/" ("a" with "a/b"), as an S3 test server that keeps objects as
	// files and directories. S3 and R2 hold both. The suite then leaves
	// such keys out of its fixtures that hold both, and logs the reason;
	// each key still round-trips alone.
	NestedKeysConflict string

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

// storable returns the keys of a fixture that the harness declares it
// can store together, logging those it leaves out and why.
func (h Harness) storable(t testing.TB, fixture string, keys []string) []string {
	t.Helper()
	var accepted []string
	for _, k := range keys {
		if h.rejects(k) {
			t.Logf("%s: key %q declared rejected by the harness, left out", fixture, k)
			continue
		}
		accepted = append(accepted, k)
	}
	if h.NestedKeysConflict == "" {
		return accepted
	}
	var out []string
	for _, k := range accepted {
		if continued(accepted, k) {
			t.Logf("%s: key %q left out: keys continue it past a \"/\", and the harness declares: %s",
				fixture, k, h.NestedKeysConflict)
			continue
		}
		out = append(out, k)
	}
	return out
}

// continued reports whether a key of keys continues k past a "/".
func continued(keys []string, k string) bool {
	for _, o := range keys {
		if strings.HasPrefix(o, k+"/") {
			return true
		}
	}
	return false
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
	t.Run("NestedKeys", s.testNestedKeys)
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

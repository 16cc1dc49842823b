package storagetest_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sync/atomic"
	"testing"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
	"github.com/r2kit/r2kit/storage/storagetest"
)

// auditedBucket is a user's own Bucket: a wrapper that counts the
// writes of another Bucket, as a metrics or audit layer would.
type auditedBucket struct {
	storage.Bucket
	puts atomic.Int64
}

func (a *auditedBucket) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	a.puts.Add(1)
	return a.Bucket.Put(ctx, key, r, opts)
}

// ExampleRunConformanceTests runs the conformance suite on a user's
// Bucket. In a project this is the body of a Test function:
//
//	func TestConformance(t *testing.T) {
//		storagetest.RunConformanceTests(t, storagetest.Harness{NewBucket: newAudited})
//	}
//
// The example runs that Test through testing.RunTests, so that it can
// print whether the wrapper conforms.
func ExampleRunConformanceTests() {
	newAudited := func(t testing.TB) storage.Bucket {
		b := &auditedBucket{Bucket: memstore.New()}
		t.Cleanup(func() { _ = b.Close() })
		return b
	}
	test := func(t *testing.T) {
		storagetest.RunConformanceTests(t, storagetest.Harness{NewBucket: newAudited})
	}

	// Run every subtest, quietly, whatever -run and -v this binary got.
	defer quietFlags()()
	all := func(_, _ string) (bool, error) { return true, nil }
	ok := testing.RunTests(all, []testing.InternalTest{{Name: "TestConformance", F: test}})
	fmt.Println("conformant:", ok)
	// Output: conformant: true
}

// quietFlags clears the test binary's -run, -skip and -v flags and
// returns a function that restores them.
func quietFlags() (restore func()) {
	var undo []func()
	for name, v := range map[string]string{"test.run": "", "test.skip": "", "test.v": "false"} {
		f := flag.Lookup(name)
		if f == nil {
			continue
		}
		old := f.Value.String()
		_ = flag.Set(name, v)
		undo = append(undo, func() { _ = flag.Set(name, old) })
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}
}

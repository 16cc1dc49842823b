package faultstore_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/faultstore"
	"github.com/r2kit/r2kit/storage/memstore"
	"github.com/r2kit/r2kit/storage/storagetest"
)

// With no rules the wrapper is transparent: it passes the conformance
// suite.
func TestConformanceWithoutFaults(t *testing.T) {
	storagetest.RunConformanceTests(t, storagetest.Harness{
		NewBucket: func(t testing.TB) storage.Bucket { return faultstore.New(memstore.New(), 1) },
	})
}

func TestKinds(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		kind      faultstore.Kind
		committed bool  // the put reached the inner bucket
		want      error // what the put's error matches
	}{
		{faultstore.Fail, false, storage.ErrTransient},
		{faultstore.Throttle, false, storage.ErrTransient},
		{faultstore.ServerError, false, storage.ErrAmbiguous},
		{faultstore.LostResponse, true, storage.ErrAmbiguous},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			inner := memstore.New()
			b := faultstore.New(inner, 1, faultstore.Rule{Kind: tc.kind, Probability: 1, Ops: []string{faultstore.OpPut}})
			_, err := b.Put(ctx, "k", strings.NewReader("v"), nil)
			var inj *faultstore.Injected
			if !errors.Is(err, tc.want) || !errors.As(err, &inj) {
				t.Fatalf("err = %v, want %v and *Injected", err, tc.want)
			}
			_, serr := inner.Stat(ctx, "k")
			if committed := serr == nil; committed != tc.committed {
				t.Fatalf("committed = %v, want %v", committed, tc.committed)
			}
			if _, err := b.Stat(ctx, "k"); tc.committed && err != nil {
				t.Fatalf("Stat is not faulted by a put-only rule: %v", err)
			}
			if got := b.Stats().Count(tc.kind, faultstore.OpPut); got != 1 {
				t.Fatalf("Count = %d, want 1", got)
			}
		})
	}
}

func TestTruncateAndLatency(t *testing.T) {
	ctx := t.Context()
	inner := memstore.New()
	if _, err := inner.Put(ctx, "k", strings.NewReader("0123456789"), nil); err != nil {
		t.Fatal(err)
	}
	b := faultstore.New(inner, 1,
		faultstore.Rule{Kind: faultstore.Latency, Probability: 1, Latency: 20 * time.Millisecond},
		faultstore.Rule{Kind: faultstore.Truncate, Probability: 1, KeyPrefix: "k"})
	start := time.Now()
	obj, err := b.Get(ctx, "k", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("Get took %v, want the injected 20ms latency", d)
	}
	got, err := io.ReadAll(obj.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) || string(got) != "01234" {
		t.Fatalf("read %q, %v; want half then ErrUnexpectedEOF", got, err)
	}
}

// TestReplay: the same seed and the same sequence of calls inject the
// same faults.
func TestReplay(t *testing.T) {
	run := func(seed uint64) string {
		b := faultstore.New(memstore.New(), seed,
			faultstore.Rule{Kind: faultstore.Fail, Probability: 0.3},
			faultstore.Rule{Kind: faultstore.LostResponse, Probability: 0.3, Ops: []string{faultstore.OpPut}})
		var trace strings.Builder
		for i := range 200 {
			_, err := b.Put(t.Context(), fmt.Sprintf("k%d", i%7), strings.NewReader("v"), nil)
			fmt.Fprintf(&trace, "%v,", err != nil)
		}
		return trace.String()
	}
	first, again, other := run(42), run(42), run(43)
	if first != again {
		t.Fatal("same seed gave different faults")
	}
	if first == other {
		t.Fatal("different seeds gave the same 200 faults")
	}
}

package storagetest

import (
	"bytes"
	"io"
	"sync/atomic"
	"testing"
)

// RunBenchmarks runs benchmarks of the basic operations against the
// backend h describes: Stat, Get and Put of a 1 KiB object, and a
// compare-and-swap increment (Get plus Put IfMatch of a small JSON
// counter).
func RunBenchmarks(b *testing.B, h Harness) {
	data := randomBytes(1<<10, 1)
	b.Run("Stat", func(b *testing.B) {
		bkt := h.NewBucket(b)
		put(b, bkt, "bench/object", data, nil)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := bkt.Stat(b.Context(), "bench/object"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Get", func(b *testing.B) {
		bkt := h.NewBucket(b)
		put(b, bkt, "bench/object", data, nil)
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			obj, err := bkt.Get(b.Context(), "bench/object", nil)
			if err != nil {
				b.Fatal(err)
			}
			_, err = io.Copy(io.Discard, obj.Body)
			obj.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Put", func(b *testing.B) {
		bkt := h.NewBucket(b)
		r := bytes.NewReader(data)
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			r.Reset(data)
			if _, err := bkt.Put(b.Context(), "bench/object", r, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CASIncrement", func(b *testing.B) {
		bkt := h.NewBucket(b)
		put(b, bkt, "bench/counter.json", []byte(`{"n":0}`), nil)
		var puts, conflicts atomic.Int64
		b.ReportAllocs()
		for b.Loop() {
			if err := increment(b, bkt, "bench/counter.json", &puts, &conflicts); err != nil {
				b.Fatal(err)
			}
		}
	})
}

//go:build !race

package vectorstore

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/memtest"
)

// textReader yields n bytes of generated words, never all in memory.
type textReader struct {
	r    *rand.Rand
	left int64
	buf  []byte
}

func (t *textReader) Read(p []byte) (int, error) {
	if t.left <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && t.left > 0 {
		if len(t.buf) == 0 {
			t.buf = fmt.Appendf(t.buf[:0], "w%d ", t.r.IntN(20000))
			if t.r.IntN(12) == 0 {
				t.buf = append(t.buf, ". "...)
			}
		}
		c := copy(p[n:min(len(p), n+int(t.left))], t.buf)
		t.buf = t.buf[c:]
		n += c
		t.left -= int64(c)
	}
	return n, nil
}

// Peak heap while ingesting a text file stays flat in the file's size:
// 100 MiB needs no more than a little over what 8 MiB needs. Not under
// -race, which makes tokenising 100 MiB too slow; run it with
//
//	go test -run TestIngestMemoryFlat -v ./vectorstore/
func TestIngestMemoryFlat(t *testing.T) {
	peaks := map[int64]uint64{}
	for _, size := range []int64{8 << 20, 100 << 20} {
		src := SourceFunc(func(_ context.Context, id string) (*SourceFile, error) {
			return &SourceFile{Filename: "big.txt", Size: size, Body: io.NopCloser(&textReader{r: rand.New(rand.NewPCG(1, 1)), left: size})}, nil
		})
		svc := New(backendtest.NewBucket(t, "file"), src, &Options{CacheBytes: -1})
		ctx := t.Context()
		vs := must(svc.Create(ctx, CreateParams{FileIDs: []string{"file-big"}}))
		start := time.Now()
		stop := memtest.HeapPeak()
		f := must(svc.Ingest(ctx, vs.ID, "file-big"))
		peak, live := stop()
		if f.Status != StatusCompleted {
			t.Fatalf("%+v", f)
		}
		peaks[size] = peak
		t.Logf("%3d MiB: %d chunks in %v, peak heap %.1f MiB, peak live %.1f MiB", size>>20, f.Chunks, time.Since(start).Round(time.Millisecond), float64(peak)/(1<<20), float64(live)/(1<<20))
	}
	if small, big := peaks[8<<20], peaks[100<<20]; big > small+small/2+16<<20 {
		t.Errorf("peak heap %d MiB for 100 MiB against %d MiB for 8 MiB: not flat", big>>20, small>>20)
	}
}

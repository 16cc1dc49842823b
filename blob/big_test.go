package blob_test

import (
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"r2kit/blob"
	"r2kit/internal/backendtest"
)

// bigBlobSize is the size of the streaming test's blob: 1 GiB, or
// R2KIT_BIG_BLOB_BYTES.
func bigBlobSize(t *testing.T) int64 {
	if v := os.Getenv("R2KIT_BIG_BLOB_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("R2KIT_BIG_BLOB_BYTES=%q: %v", v, err)
		}
		return n
	}
	return 1 << 30
}

// randomReader yields n pseudo-random bytes, generated as they are read.
type randomReader struct {
	rng  *rand.ChaCha8
	left int64
}

func (r *randomReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, _ := r.rng.Read(p)
	r.left -= int64(n)
	return n, nil
}

// heapPeak samples the heap every millisecond until stopped and returns
// the highest values seen, in bytes: of all heap objects (live and not
// yet collected), and of the live heap after a collection.
func heapPeak() (stop func() (peak, livePeak uint64)) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	done := make(chan struct{})
	var peak, livePeak uint64
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			livePeak = max(livePeak, sample[1].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() (uint64, uint64) {
		close(done)
		wg.Wait()
		return peak, livePeak
	}
}

// TestBigBlobStreams: a 1 GiB blob of unknown size streams through Put
// and Get on filestore and on the real S3 server with the heap staying
// under 64 MiB, and comes back byte-identical.
func TestBigBlobStreams(t *testing.T) {
	size := bigBlobSize(t)
	const limit = 64 << 20
	for _, backend := range []string{"file", "s3"} {
		t.Run(backend, func(t *testing.T) {
			b := backendtest.NewBucket(t, backend)
			ctx := t.Context()
			runtime.GC()
			stop := heapPeak()

			sent := sha256.New()
			src := io.TeeReader(&randomReader{rng: rand.NewChaCha8([32]byte{1}), left: size}, sent)
			a, err := blob.Put(ctx, b, "big/blob", src, &blob.PutOptions{ContentType: "application/octet-stream", Filename: "big.bin"})
			if err != nil {
				stop()
				t.Fatal(err)
			}
			r, err := blob.Get(ctx, b, "big/blob", nil)
			if err != nil {
				stop()
				t.Fatal(err)
			}
			got := sha256.New()
			n, err := io.Copy(got, r)
			r.Close()
			peak, live := stop()
			if err != nil {
				t.Fatal(err)
			}
			if n != size || a.Size != size || string(got.Sum(nil)) != string(sent.Sum(nil)) {
				t.Fatalf("read back %d bytes (Put said %d), want %d identical bytes", n, a.Size, size)
			}
			t.Logf("%s: %d MiB through Put and Get: peak heap %.1f MiB (live %.1f MiB)", backend, size>>20, float64(peak)/(1<<20), float64(live)/(1<<20))
			if peak > limit {
				t.Fatalf("peak heap %.1f MiB, want under %d MiB", float64(peak)/(1<<20), limit>>20)
			}
		})
	}
}

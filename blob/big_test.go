package blob_test

import (
	"crypto/sha256"
	"io"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/r2kit/r2kit/blob"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/memtest"
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
			stop := memtest.HeapPeak()

			sent := sha256.New()
			src := io.TeeReader(memtest.NewRandomReader(1, size), sent)
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

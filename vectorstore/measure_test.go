package vectorstore

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// countingBucket counts the requests made to a Bucket.
type countingBucket struct {
	storage.Bucket
	n atomic.Int64
}

func (c *countingBucket) Get(ctx context.Context, key string, opts *storage.GetOptions) (*storage.Object, error) {
	c.n.Add(1)
	return c.Bucket.Get(ctx, key, opts)
}

func (c *countingBucket) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	c.n.Add(1)
	return c.Bucket.Put(ctx, key, r, opts)
}

func (c *countingBucket) Stat(ctx context.Context, key string) (*storage.Attrs, error) {
	c.n.Add(1)
	return c.Bucket.Stat(ctx, key)
}

func (c *countingBucket) Delete(ctx context.Context, key string, opts *storage.DeleteOptions) error {
	c.n.Add(1)
	return c.Bucket.Delete(ctx, key, opts)
}

func (c *countingBucket) List(ctx context.Context, opts *storage.ListOptions) (*storage.ListPage, error) {
	c.n.Add(1)
	return c.Bucket.List(ctx, opts)
}

// Bucket requests per search: cold (a new Service) and warm.
func TestSearchRequests(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		b := newBucket(t)
		src := newMemSource()
		var ids []string
		for i := range 20 {
			id := fmt.Sprintf("file-%02d", i)
			src.add(id, id+".txt", fmt.Appendf(nil, "topic %d alpha beta gamma %d", i, i))
			ids = append(ids, id)
		}
		svc := New(b, src, nil)
		vs := must(svc.Create(ctx, CreateParams{FileIDs: ids}))
		if err := svc.IngestAll(ctx, vs.ID, 4); err != nil {
			t.Fatal(err)
		}
		cb := &countingBucket{Bucket: b}
		searcher := New(cb, nil, nil)
		p := SearchParams{Query: Query{"alpha topic"}}
		must(searcher.Search(ctx, vs.ID, p))
		cold := cb.n.Swap(0)
		for range 5 {
			must(searcher.Search(ctx, vs.ID, p))
		}
		warm := float64(cb.n.Swap(0)) / 5
		t.Logf("bucket requests per search over %d files: cold %d, warm %.1f", len(ids), cold, warm)
		if cold != int64(1+len(ids)) || warm != 1 {
			t.Errorf("cold %d (want %d), warm %.1f (want 1)", cold, 1+len(ids), warm)
		}
	})
}

// stubEmbedder returns fixed 768-dimension vectors at once.
type stubEmbedder struct{}

func (stubEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, 768)
		v[len(t)%768] = 1
		v[(len(t)*7)%768] += 0.5
		out[i] = v
	}
	return out, nil
}

// BenchmarkIngest measures ingestion on filestore and S3 with a
// stubbed embedder: 16 files of about 64 chunks each per iteration.
func BenchmarkIngest(b *testing.B) {
	src := newMemSource()
	const files = 16
	var text strings.Builder
	r := rand.New(rand.NewPCG(1, 2))
	for range 64 * 120 {
		fmt.Fprintf(&text, "w%d ", r.IntN(5000))
	}
	for i := range files {
		src.add(fmt.Sprintf("file-%02d", i), "f.txt", []byte(text.String()))
	}
	for _, backend := range []string{"file", "s3"} {
		b.Run(backend, func(b *testing.B) {
			bucket := backendtest.NewBucket(b, backend)
			svc := New(bucket, src, &Options{Embedder: stubEmbedder{}, CacheBytes: -1})
			ctx := b.Context()
			chunks := 0
			var elapsed time.Duration
			for b.Loop() {
				var ids []string
				for i := range files {
					ids = append(ids, fmt.Sprintf("file-%02d", i))
				}
				vs := must(svc.Create(ctx, CreateParams{}))
				start := time.Now()
				must(svc.CreateBatch(ctx, vs.ID, fileParamsOf(ids)))
				if err := svc.IngestAll(ctx, vs.ID, 8); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
				for _, id := range ids {
					chunks += must(svc.GetFile(ctx, vs.ID, id)).Chunks
				}
			}
			b.ReportMetric(float64(chunks)/elapsed.Seconds(), "chunks/s")
		})
	}
}

func fileParamsOf(ids []string) []FileParams {
	out := make([]FileParams, len(ids))
	for i, id := range ids {
		out[i] = FileParams{FileID: id}
	}
	return out
}

// vecCorpus is n random unit vectors of dims dimensions, and the
// segments (of 1024 chunks) holding them quantized.
type vecCorpus struct {
	dims int
	vecs [][]float32
	segs []*segment
}

func newVecCorpus(n, dims int) *vecCorpus {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	c := &vecCorpus{dims: dims}
	var sb *segmentBuilder
	for i := range n {
		v := make([]float32, dims)
		for j := range v {
			v[j] = float32(r.NormFloat64())
		}
		v = unit(v)
		c.vecs = append(c.vecs, v)
		if sb == nil {
			sb = newSegmentBuilder("f", i)
		}
		sb.add(Chunk{Text: "x"}, v)
		if sb.len() == 1024 || i == n-1 {
			c.segs = append(c.segs, sb.finish())
			sb = nil
		}
	}
	return c
}

func (c *vecCorpus) query(r *rand.Rand) []float32 {
	// A query near a stored vector, as real queries are near their answers.
	base := c.vecs[r.IntN(len(c.vecs))]
	q := make([]float32, c.dims)
	for j := range q {
		q[j] = base[j] + float32(r.NormFloat64())*0.05
	}
	return unit(q)
}

// exactTop returns the indexes of the k vectors with the largest dot
// product with q: the brute-force float32 baseline.
func exactTop(vecs [][]float32, q []float32, k int) []int {
	type sc struct {
		i int
		s float32
	}
	top := make([]sc, 0, k+1)
	for i, v := range vecs {
		var s float32
		for j, x := range v {
			s += x * q[j]
		}
		if len(top) < k || s > top[len(top)-1].s {
			top = append(top, sc{i, s})
			sort.Slice(top, func(a, b int) bool { return top[a].s > top[b].s })
			top = top[:min(k, len(top))]
		}
	}
	out := make([]int, len(top))
	for i, t := range top {
		out[i] = t.i
	}
	return out
}

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2], d[min(len(d)-1, len(d)*99/100)]
}

// BenchmarkSearchVectors measures the exact int8 scan of the index
// (rank, vectors only) against a brute-force float32 scan over the
// same 768-dimension vectors, at 10k and 100k chunks, and the recall@10
// of the int8 scan against the exact float32 answer.
func BenchmarkSearchVectors(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		c := newVecCorpus(n, 768)
		b.Run(fmt.Sprintf("index-int8/%dk", n/1000), func(b *testing.B) {
			r := rand.New(rand.NewPCG(3, 4))
			var lat []time.Duration
			var recall float64
			queries := 0
			for b.Loop() {
				q := c.query(r)
				start := time.Now()
				hits := rank(c.segs, "", q, 1, 10, 0)
				lat = append(lat, time.Since(start))
				want := map[int]bool{}
				for _, i := range exactTop(c.vecs, q, 10) {
					want[i] = true
				}
				got := 0
				for _, h := range hits {
					if want[h.seg*1024+h.chunk] {
						got++
					}
				}
				recall += float64(got) / 10
				queries++
			}
			p50, p99 := percentiles(lat)
			b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
			b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
			b.ReportMetric(recall/float64(queries), "recall@10")
		})
		b.Run(fmt.Sprintf("baseline-float32/%dk", n/1000), func(b *testing.B) {
			r := rand.New(rand.NewPCG(3, 4))
			var lat []time.Duration
			for b.Loop() {
				q := c.query(r)
				start := time.Now()
				exactTop(c.vecs, q, 10)
				lat = append(lat, time.Since(start))
			}
			p50, p99 := percentiles(lat)
			b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
			b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
		})
	}
}

var _ = math.Abs

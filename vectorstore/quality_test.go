//go:build !race

package vectorstore

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// evalCorpus is a generated retrieval benchmark: 200 topics with 6
// words each, 10 documents per topic (2,000) mixing 8 topic words with
// common filler and 2 words of a random other topic, and 100 queries
// of 3 topic words, half of them inflected ("-s", "-ing") so that exact
// term matching misses them. The relevant documents of a query are its
// topic's.
type evalCorpus struct {
	docs    map[string]string // file id -> text
	queries []evalQuery
}

type evalQuery struct {
	text     string
	relevant map[string]bool
}

func newEvalCorpus(seed uint64) *evalCorpus {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	syll := []string{"ka", "lo", "mi", "ra", "ten", "sor", "vex", "pul", "dri", "mon", "za", "qui", "bel", "tor", "nix", "gar", "fen", "hul", "jor", "wes"}
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		return b.String()
	}
	seen := map[string]bool{}
	uniq := func(n int) string {
		for {
			w := word(n)
			if !seen[w] {
				seen[w] = true
				return w
			}
		}
	}
	filler := make([]string, 1500)
	for i := range filler {
		filler[i] = uniq(3)
	}
	const topics, perTopic = 200, 10
	topicWords := make([][]string, topics)
	for i := range topicWords {
		for range 6 {
			topicWords[i] = append(topicWords[i], uniq(4))
		}
	}
	c := &evalCorpus{docs: map[string]string{}}
	for d := range topics * perTopic {
		tp := d % topics
		var ws []string
		for range 8 {
			ws = append(ws, topicWords[tp][r.IntN(6)])
		}
		other := topicWords[r.IntN(topics)]
		ws = append(ws, other[r.IntN(6)], other[r.IntN(6)])
		for range 32 {
			// Zipf-like filler: low indexes are frequent.
			ws = append(ws, filler[int(math.Pow(r.Float64(), 2)*float64(len(filler)))])
		}
		r.Shuffle(len(ws), func(i, j int) { ws[i], ws[j] = ws[j], ws[i] })
		c.docs[fmt.Sprintf("doc-%04d", d)] = strings.Join(ws, " ") + "."
	}
	for q := range 100 {
		tp := q * 2
		var ws []string
		for _, i := range r.Perm(6)[:3] {
			w := topicWords[tp][i]
			if q%2 == 1 {
				w += []string{"s", "ing"}[r.IntN(2)]
			}
			ws = append(ws, w)
		}
		rel := map[string]bool{}
		for d := tp; d < topics*perTopic; d += topics {
			rel[fmt.Sprintf("doc-%04d", d)] = true
		}
		c.queries = append(c.queries, evalQuery{text: strings.Join(ws, " "), relevant: rel})
	}
	return c
}

// metrics returns recall@10 and nDCG@10 of ranked file ids.
func metrics(ranked []string, rel map[string]bool) (recall, ndcg float64) {
	var hits, dcg, idcg float64
	for i, id := range ranked[:min(10, len(ranked))] {
		if rel[id] {
			hits++
			dcg += 1 / math.Log2(float64(i)+2)
		}
	}
	for i := range min(10, len(rel)) {
		idcg += 1 / math.Log2(float64(i)+2)
	}
	return hits / float64(min(10, len(rel))), dcg / idcg
}

func TestSearchQuality(t *testing.T) {
	corpus := newEvalCorpus(42)
	src := newMemSource()
	var ids []string
	for id, text := range corpus.docs {
		src.add(id, id+".txt", []byte(text))
		ids = append(ids, id)
	}
	// Floors a little under the measured figures (bm25 0.441/0.461,
	// vector 0.601/0.689, hybrid 0.689/0.755): half the queries are
	// inflected, which exact terms miss and hashed n-grams catch.
	floors := map[string][2]float64{"bm25": {0.42, 0.44}, "vector": {0.58, 0.66}, "hybrid": {0.66, 0.72}}
	answers := map[string]string{}
	first := ""
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		b := newBucket(t)
		emb := HashEmbedder{}
		ing := New(b, src, &Options{Embedder: emb})
		vs := must(ing.Create(ctx, CreateParams{}))
		for i := 0; i < len(ids); i += MaxBatchFiles {
			var fp []FileParams
			for _, id := range ids[i:min(i+MaxBatchFiles, len(ids))] {
				fp = append(fp, FileParams{FileID: id, Attributes: Attributes{"doc": id}})
			}
			must(ing.CreateBatch(ctx, vs.ID, fp))
		}
		if err := ing.IngestAll(ctx, vs.ID, 16); err != nil {
			t.Fatal(err)
		}
		if got := must(ing.Get(ctx, vs.ID)); got.FileCounts.Completed != len(ids) {
			t.Fatalf("file counts %+v", got.FileCounts)
		}
		rankers := map[string]*Service{
			"bm25":   New(b, nil, nil),
			"vector": New(b, nil, &Options{Embedder: emb, VectorWeight: 1}),
			"hybrid": New(b, nil, &Options{Embedder: emb}),
		}
		var answer strings.Builder
		for _, name := range []string{"bm25", "vector", "hybrid"} {
			svc := rankers[name]
			var rec, nd float64
			for _, q := range corpus.queries {
				res := must(svc.Search(ctx, vs.ID, SearchParams{Query: Query{q.text}}))
				var ranked []string
				for _, r := range res.Data {
					ranked = append(ranked, r.FileID)
					fmt.Fprintf(&answer, "%s:%.6f ", r.FileID, r.Score)
				}
				answer.WriteString("\n")
				r, n := metrics(ranked, q.relevant)
				rec += r
				nd += n
			}
			rec /= float64(len(corpus.queries))
			nd /= float64(len(corpus.queries))
			t.Logf("%-6s recall@10 %.3f  nDCG@10 %.3f  (%d docs, %d queries)", name, rec, nd, len(ids), len(corpus.queries))
			if f := floors[name]; rec < f[0] || nd < f[1] {
				t.Errorf("%s: recall@10 %.3f nDCG@10 %.3f below floors %v", name, rec, nd, f)
			}
		}
		if first == "" {
			first = t.Name()
		}
		answers[t.Name()] = answer.String()
		if answers[t.Name()] != answers[first] {
			t.Errorf("%s answers differently from %s", t.Name(), first)
		}
	})
}

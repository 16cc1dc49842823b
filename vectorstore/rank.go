package vectorstore

import (
	"math"
	"sort"
)

type hit struct {
	seg, chunk int
	score      float64
}

// rank scores every chunk of segs and returns the best k with a score
// above zero and at least min, best first, ties broken by segment and
// chunk order so that the answer is deterministic.
func rank(segs []*segment, query string, qvec []float32, w float64, k int, minScore float64) []hit {
	lex := bm25(segs, query)
	var hits []hit
	for si, s := range segs {
		useVec := qvec != nil && s.dims == len(qvec)
		for ci := range s.chunks {
			l := lex[si][ci]
			score := l
			if qvec != nil {
				v := 0.0
				if useVec {
					v = max(0, dotInt8(qvec, s.vecs[ci*s.dims:(ci+1)*s.dims], s.scales[ci]))
				}
				score = w*min(v, 1) + (1-w)*l
			}
			if score > 0 && score >= minScore {
				hits = append(hits, hit{si, ci, score})
			}
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if a.seg != b.seg {
			return a.seg < b.seg
		}
		return a.chunk < b.chunk
	})
	return hits[:min(k, len(hits))]
}

// bm25 returns each chunk's BM25 score normalised to [0,1), over the
// statistics of segs.
func bm25(segs []*segment, query string) [][]float64 {
	out := make([][]float64, len(segs))
	var n, total float64
	for i, s := range segs {
		out[i] = make([]float64, len(s.chunks))
		for _, c := range s.chunks {
			total += float64(c.length)
		}
		n += float64(len(s.chunks))
	}
	if n == 0 {
		return out
	}
	avgdl := math.Max(total/n, 1)
	seen := map[string]bool{}
	var terms []string
	analyze(query, func(t string) {
		if !seen[t] {
			seen[t] = true
			terms = append(terms, t)
		}
	})
	var bound float64
	for _, t := range terms {
		var df float64
		for _, s := range segs {
			df += float64(len(s.term(t)))
		}
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		bound += idf * (bm25K1 + 1)
		if df == 0 {
			continue
		}
		for i, s := range segs {
			for _, p := range s.term(t) {
				tf := float64(p.tf)
				dl := float64(s.chunks[p.chunk].length)
				out[i][p.chunk] += idf * tf * (bm25K1 + 1) / (tf + bm25K1*(1-bm25B+bm25B*dl/avgdl))
			}
		}
	}
	if bound > 0 {
		for i := range out {
			for j := range out[i] {
				out[i][j] /= bound
			}
		}
	}
	return out
}

// dotInt8 returns the dot product of a unit float32 query and an int8
// vector with its scale: the cosine similarity, as the stored vectors
// were unit length before quantization.
func dotInt8(q []float32, v []int8, scale float32) float64 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(v); i += 4 {
		s0 += q[i] * float32(v[i])
		s1 += q[i+1] * float32(v[i+1])
		s2 += q[i+2] * float32(v[i+2])
		s3 += q[i+3] * float32(v[i+3])
	}
	for ; i < len(v); i++ {
		s0 += q[i] * float32(v[i])
	}
	return float64((s0 + s1 + s2 + s3) * scale)
}

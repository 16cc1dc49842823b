package vectorstore

import (
	"context"
	"hash/fnv"
	"math"
	"strings"
	"unicode"
)

// HashEmbedder is a deterministic Embedder for tests and evaluation:
// each text becomes a bag of its lower-cased words and their
// character trigrams, hashed into Dims buckets with a hashed sign and
// L2-normalised. Texts sharing words or word stems get similar
// vectors; no model or network is involved.
type HashEmbedder struct {
	// Dims is the vector length. Zero means 768.
	Dims int
}

// Embed embeds each text.
func (h HashEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = h.embed(t)
	}
	return out, nil
}

func (h HashEmbedder) embed(text string) []float32 {
	dims := h.Dims
	if dims <= 0 {
		dims = 768
	}
	v := make([]float32, dims)
	add := func(s string, w float32) {
		f := fnv.New64a()
		f.Write([]byte(s))
		x := f.Sum64()
		sign := float32(1)
		if x>>63 == 1 {
			sign = -1
		}
		v[x%uint64(dims)] += sign * w
	}
	for _, word := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		add("w:"+word, 1)
		g := "<" + word + ">"
		rs := []rune(g)
		for i := 0; i+3 <= len(rs); i++ {
			add(string(rs[i:i+3]), 0.5)
		}
	}
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n > 0 {
		s := float32(1 / math.Sqrt(n))
		for i := range v {
			v[i] *= s
		}
	}
	return v
}

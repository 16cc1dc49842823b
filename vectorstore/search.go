package vectorstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/r2kit/r2kit/storage"
)

// Query is a search query: one string or several. It decodes from a
// JSON string or array of strings.
type Query []string

// UnmarshalJSON accepts "text" or ["text", ...].
func (q *Query) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*q = Query{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return errors.New("query must be a string or an array of strings")
	}
	*q = ss
	return nil
}

// RankingOptions are OpenAI's ranking_options. Ranker is "auto",
// "default-2024-11-15" or "none" (all rank the same way: there is no
// separate re-ranking stage); ScoreThreshold in 0..1 drops results
// scoring below it.
type RankingOptions struct {
	Ranker         string  `json:"ranker,omitempty"`
	ScoreThreshold float64 `json:"score_threshold,omitempty"`
}

// SearchParams are the parameters of a search.
type SearchParams struct {
	Query Query
	// MaxNumResults is 1..50; zero means 10.
	MaxNumResults  int
	RankingOptions *RankingOptions
	Filters        *Filter
	// RewriteQuery is accepted and ignored: queries are not rewritten.
	RewriteQuery bool
}

// Validate checks the parameters and fills in defaults.
func (p *SearchParams) Validate() error {
	if len(p.Query) == 0 {
		return paramErr("query", "is required")
	}
	for i, q := range p.Query {
		if strings.TrimSpace(q) == "" {
			return paramErr(fmt.Sprintf("query[%d]", i), "must not be empty")
		}
	}
	if p.MaxNumResults == 0 {
		p.MaxNumResults = 10
	}
	if p.MaxNumResults < 1 || p.MaxNumResults > 50 {
		return paramErr("max_num_results", "must be between 1 and 50, got %d", p.MaxNumResults)
	}
	if r := p.RankingOptions; r != nil {
		switch r.Ranker {
		case "", "auto", "default-2024-11-15", "none":
		default:
			return paramErr("ranking_options.ranker", "must be auto, default-2024-11-15 or none, not %q", r.Ranker)
		}
		if r.ScoreThreshold < 0 || r.ScoreThreshold > 1 || math.IsNaN(r.ScoreThreshold) {
			return paramErr("ranking_options.score_threshold", "must be between 0 and 1")
		}
	}
	if p.Filters != nil {
		return p.Filters.Validate("filters")
	}
	return nil
}

// SearchResult is one matching chunk.
type SearchResult struct {
	FileID     string     `json:"file_id"`
	Filename   string     `json:"filename"`
	Score      float64    `json:"score"`
	Attributes Attributes `json:"attributes"`
	Content    []Content  `json:"content"`
}

// Content is a piece of a result's content; Type is always "text".
type Content struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// SearchResults are a search's answer, best first.
type SearchResults struct {
	SearchQuery []string
	Data        []SearchResult
}

// BM25 parameters.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// Search ranks the chunks of a store's completed files that pass
// p.Filters against the query and returns the best MaxNumResults.
//
// Without an Embedder the score is BM25 divided by its upper bound for
// the query (the sum over query terms of idf*(k1+1)), so it lies in
// [0,1) and compares across queries. With one, chunks that have
// vectors are also scored by cosine similarity (negative as 0), and
// the two are fused as a weighted sum, again in [0,1]. Scoring is an
// exact scan of every selected segment. Multiple query strings are
// searched as one text.
//
// Costs: the manifest is one GET (a conditional one when the document
// cache has it); segments come from the segment cache, the rest are
// fetched in parallel. An expired store is ErrExpired.
func (s *Service) Search(ctx context.Context, vsID string, p SearchParams) (*SearchResults, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	d, err := s.load(ctx, vsID)
	if err != nil {
		return nil, err
	}
	m := &d.Value
	now := s.now()
	if m.expired(now) {
		return nil, fmt.Errorf("vector store %s: %w", vsID, ErrExpired)
	}
	if now-m.LastActiveAt >= int64(s.opts.TouchInterval.Seconds()) {
		if _, err := s.update(ctx, vsID, func(m *manifest) error {
			m.LastActiveAt = max(m.LastActiveAt, now)
			return nil
		}); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	var refs []segRef
	var owners []string
	// Segments in file id order, so that ties rank the same on every
	// server whatever the files' creation times.
	ids := make([]string, 0, len(m.Files))
	for id := range m.Files {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		e := m.Files[id]
		if e.Status != StatusCompleted || !p.Filters.Match(e.Attributes) {
			continue
		}
		for _, r := range e.refs(vsID, id) {
			refs = append(refs, r)
			owners = append(owners, id)
		}
	}
	segs, err := s.segments(ctx, refs)
	if err != nil {
		return nil, err
	}
	text := strings.Join(p.Query, " ")
	var qvec []float32
	if s.opts.Embedder != nil && hasVectors(segs) {
		vs, err := s.opts.Embedder.Embed(ctx, []string{text})
		if err != nil {
			return nil, fmt.Errorf("vectorstore: embedding the query: %w", err)
		}
		if len(vs) == 1 {
			qvec = unit(vs[0])
		}
	}
	hits := rank(segs, text, qvec, s.opts.VectorWeight, p.MaxNumResults, threshold(p))
	out := &SearchResults{SearchQuery: p.Query, Data: make([]SearchResult, 0, len(hits))}
	for _, h := range hits {
		fid := owners[h.seg]
		e := m.Files[fid]
		attrs := e.Attributes
		if attrs == nil {
			attrs = Attributes{}
		}
		out.Data = append(out.Data, SearchResult{
			FileID: fid, Filename: e.Filename, Score: h.score, Attributes: attrs,
			Content: []Content{{Type: "text", Text: segs[h.seg].chunks[h.chunk].text}},
		})
	}
	return out, nil
}

func threshold(p SearchParams) float64 {
	if p.RankingOptions == nil {
		return 0
	}
	return p.RankingOptions.ScoreThreshold
}

func hasVectors(segs []*segment) bool {
	for _, s := range segs {
		if s.dims > 0 {
			return true
		}
	}
	return false
}

func unit(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if n == 0 {
		return out
	}
	f := float32(1 / math.Sqrt(n))
	for i, x := range v {
		out[i] = x * f
	}
	return out
}

// segments returns the segments of refs, from the cache or fetched
// with at most Options.Fetchers reads in flight.
func (s *Service) segments(ctx context.Context, refs []segRef) ([]*segment, error) {
	out := make([]*segment, len(refs))
	var missing []int
	for i, r := range refs {
		if out[i] = s.cache.get(r.Key, r.ETag); out[i] == nil {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan int)
	for range min(s.opts.Fetchers, len(missing)) {
		wg.Go(func() {
			for i := range next {
				seg, err := s.segment(ctx, refs[i])
				mu.Lock()
				if err != nil && first == nil {
					first = err
					cancel()
				}
				out[i] = seg
				mu.Unlock()
			}
		})
	}
	for _, i := range missing {
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return out, nil
}

// segment reads one segment, from the cache if it holds that ETag.
func (s *Service) segment(ctx context.Context, r segRef) (*segment, error) {
	if seg := s.cache.get(r.Key, r.ETag); seg != nil {
		return seg, nil
	}
	o, err := s.b.Get(ctx, r.Key, nil)
	if err != nil {
		return nil, fmt.Errorf("vectorstore: reading segment: %w", err)
	}
	defer o.Body.Close()
	if !storage.ETagsEqual(o.ETag, r.ETag) {
		return nil, fmt.Errorf("vectorstore: segment %s changed (etag %s, manifest has %s)", r.Key, o.ETag, r.ETag)
	}
	data, err := io.ReadAll(io.LimitReader(o.Body, r.Size+1))
	if err != nil {
		return nil, fmt.Errorf("vectorstore: reading segment %s: %w", r.Key, err)
	}
	seg, err := decodeSegment(data)
	if err != nil {
		return nil, fmt.Errorf("vectorstore: segment %s: %w", r.Key, err)
	}
	s.cache.put(r.Key, r.ETag, seg)
	return seg, nil
}

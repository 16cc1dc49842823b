package vectorstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
)

// Options configures a Service. The zero value gives the defaults.
type Options struct {
	// Embedder, if set, embeds chunks at ingestion and queries at
	// search, which then ranks hybrid (vectors fused with BM25). Nil
	// means BM25 only.
	Embedder Embedder
	// VectorWeight is the weight of the vector score in hybrid
	// ranking, the rest going to BM25: 0 means 0.5, 1 ranks by vectors
	// alone. Values outside [0,1] are clamped.
	VectorWeight float64
	// EmbedBatch is how many chunks go to one Embed call. Zero means 64.
	EmbedBatch int
	// Extractors maps lower-case extensions to extractors. Nil means
	// DefaultExtractors().
	Extractors map[string]Extractor
	// SegmentChunks bounds the chunks of one segment object. Zero means
	// 1024.
	SegmentChunks int
	// CacheBytes bounds the memory of the segment cache. Zero means
	// 256 MiB; negative disables it.
	CacheBytes int64
	// Fetchers bounds the parallel segment reads of one search. Zero
	// means 8.
	Fetchers int
	// TouchInterval is how stale last_active_at may get before a search
	// writes it. Zero means 10 minutes.
	TouchInterval time.Duration
	// Docs, if set, is the document store for manifests, shared with
	// the caller so that all Updates of one manifest in this process go
	// through one Store (and are group-committed). Nil means a new one
	// over the bucket.
	Docs *doc.Store
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// LeaseDuration is how long a claim on a file lasts unless renewed
	// (every third of it, while indexing); past it, another worker may
	// take the file over. Zero means one minute.
	LeaseDuration time.Duration
	// MaxAttempts bounds the claims of one file generation: a file
	// whose indexing was interrupted (its worker died, or the bucket
	// failed) that many times ends failed with a server_error. Zero
	// means 3.
	MaxAttempts int
}

// Service manages the vector stores kept in one bucket: their
// manifests, ingestion into segments, and search. It is safe for
// concurrent use, also by many processes sharing the bucket.
type Service struct {
	b     storage.Bucket
	docs  *doc.Store
	src   Source
	opts  Options
	cache *segmentCache
	// manifests caches decoded manifests by ETag.
	manifests manifestCache
	// commits batches the manifest changes of each store.
	commits committer
	// id owns the leases Ingest takes.
	id string
	// workers are this Service's Workers, woken when files are added.
	wmu     sync.Mutex
	workers []*Worker
}

// New returns a Service over b. src opens the bytes of the files that
// Ingest indexes; it may be nil for a Service that only searches.
// opts may be nil.
func New(b storage.Bucket, src Source, opts *Options) *Service {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.VectorWeight == 0 {
		o.VectorWeight = 0.5
	}
	o.VectorWeight = min(max(o.VectorWeight, 0), 1)
	if o.EmbedBatch <= 0 {
		o.EmbedBatch = 64
	}
	if o.Extractors == nil {
		o.Extractors = DefaultExtractors()
	}
	if o.SegmentChunks <= 0 {
		o.SegmentChunks = 1024
	}
	if o.CacheBytes == 0 {
		o.CacheBytes = 256 << 20
	}
	if o.Fetchers <= 0 {
		o.Fetchers = 8
	}
	if o.TouchInterval <= 0 {
		o.TouchInterval = 10 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LeaseDuration <= 0 {
		o.LeaseDuration = time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	docs := o.Docs
	if docs == nil {
		docs = doc.New(b, &doc.Options{Now: o.Now})
	}
	return &Service{b: b, docs: docs, src: src, opts: o, cache: newSegmentCache(o.CacheBytes), id: NewID("vsw_")}
}

// wake asks this Service's Workers to look at the queue now.
func (s *Service) wake() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	for _, w := range s.workers {
		w.poke()
	}
}

func (s *Service) now() int64 { return s.opts.Now().Unix() }

// CreateParams are the fields of a new vector store. FileIDs are added
// in_progress at once (see AddFiles); ingesting them is up to the
// caller (Ingest).
type CreateParams struct {
	Name             string
	Metadata         map[string]string
	ExpiresAfter     *ExpiresAfter
	ChunkingStrategy ChunkingStrategy
	FileIDs          []string
}

// Create makes a new vector store with a new "vs_" id.
func (s *Service) Create(ctx context.Context, p CreateParams) (*VectorStore, error) {
	if err := ValidateMetadata("metadata", p.Metadata); err != nil {
		return nil, err
	}
	if err := validateExpiresAfter("expires_after", p.ExpiresAfter); err != nil {
		return nil, err
	}
	if err := p.ChunkingStrategy.Validate("chunking_strategy"); err != nil {
		return nil, err
	}
	files, err := fileParams("file_ids", p.FileIDs, p.ChunkingStrategy)
	if err != nil {
		return nil, err
	}
	now := s.now()
	m := manifest{
		ID: NewID(PrefixVectorStore), Name: p.Name, CreatedAt: now, LastActiveAt: now,
		Metadata: p.Metadata, ExpiresAfter: p.ExpiresAfter, Chunking: p.ChunkingStrategy,
		Files: map[string]*fileEntry{},
	}
	adds, err := s.enqueueAdds(ctx, m.ID, files, m.Chunking)
	if err != nil {
		return nil, err
	}
	addFiles(&m, adds, "", now)
	d, err := doc.PutIf(ctx, s.docs, manifestKey(m.ID), m, "", &doc.WriteOptions{Type: "vector_store"})
	if err != nil {
		s.dropAdds(ctx, m.ID, adds)
		return nil, fmt.Errorf("vectorstore: creating %s: %w", m.ID, err)
	}
	s.wake()
	return d.Value.public(now), nil
}

func fileParams(param string, ids []string, cs ChunkingStrategy) ([]FileParams, error) {
	out := make([]FileParams, len(ids))
	for i, id := range ids {
		if err := ValidateID(fmt.Sprintf("%s[%d]", param, i), "", id); err != nil {
			return nil, err
		}
		out[i] = FileParams{FileID: id, ChunkingStrategy: cs}
	}
	return out, nil
}

// load reads a store's manifest.
func (s *Service) load(ctx context.Context, vsID string) (*doc.Doc[manifest], error) {
	if err := ValidateID("vector_store_id", PrefixVectorStore, vsID); err != nil {
		return nil, err
	}
	d, err := s.readManifest(ctx, manifestKey(vsID))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound("vector store", vsID)
	}
	if err != nil {
		return nil, fmt.Errorf("vectorstore: reading %s: %w", vsID, err)
	}
	return d, nil
}

// Get returns a vector store.
func (s *Service) Get(ctx context.Context, vsID string) (*VectorStore, error) {
	d, err := s.load(ctx, vsID)
	if err != nil {
		return nil, err
	}
	return d.Value.public(s.now()), nil
}

// ModifyParams change a store; nil fields are left as they are. A
// non-nil ExpiresAfter with Days 0 removes the expiry.
type ModifyParams struct {
	Name         *string
	Metadata     map[string]string
	ExpiresAfter *ExpiresAfter
}

// Modify changes a store's name, metadata or expiry.
func (s *Service) Modify(ctx context.Context, vsID string, p ModifyParams) (*VectorStore, error) {
	if p.Metadata != nil {
		if err := ValidateMetadata("metadata", p.Metadata); err != nil {
			return nil, err
		}
	}
	if p.ExpiresAfter != nil && p.ExpiresAfter.Days != 0 {
		if err := validateExpiresAfter("expires_after", p.ExpiresAfter); err != nil {
			return nil, err
		}
	}
	m, err := s.update(ctx, vsID, func(m *manifest) error {
		if p.Name != nil {
			m.Name = *p.Name
		}
		if p.Metadata != nil {
			m.Metadata = p.Metadata
		}
		if p.ExpiresAfter != nil {
			if p.ExpiresAfter.Days == 0 {
				m.ExpiresAfter = nil
			} else {
				m.ExpiresAfter = p.ExpiresAfter
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m.public(s.now()), nil
}

// Delete removes a store: its manifest first (from then on it is not
// found), then every segment under its prefix. A missing store is
// ErrNotFound.
func (s *Service) Delete(ctx context.Context, vsID string) error {
	if _, err := s.load(ctx, vsID); err != nil {
		return err
	}
	s.manifests.drop(manifestKey(vsID))
	if err := doc.Delete(ctx, s.docs, manifestKey(vsID), ""); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("vectorstore: deleting %s: %w", vsID, err)
	}
	if err := s.deletePrefix(ctx, storesPrefix+vsID+"/"); err != nil {
		return err
	}
	return s.deletePrefix(ctx, QueuePrefix+vsID+"/")
}

func (s *Service) deletePrefix(ctx context.Context, prefix string) error {
	for a, err := range storage.Objects(ctx, s.b, &storage.ListOptions{Prefix: prefix}) {
		if err != nil {
			return fmt.Errorf("vectorstore: listing %s: %w", prefix, err)
		}
		if err := s.b.Delete(ctx, a.Key, nil); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("vectorstore: deleting %s: %w", a.Key, err)
		}
	}
	return nil
}

// ListParams page through stores or files: Limit 1..100 (default 20),
// Order "asc" or "desc" (default "desc", newest first), After and
// Before are ids from a previous page.
type ListParams struct {
	Limit  int
	Order  string
	After  string
	Before string
}

func (p *ListParams) validate() error {
	if p.Limit == 0 {
		p.Limit = 20
	}
	if p.Limit < 1 || p.Limit > 100 {
		return paramErr("limit", "must be between 1 and 100, got %d", p.Limit)
	}
	switch p.Order {
	case "":
		p.Order = "desc"
	case "asc", "desc":
	default:
		return paramErr("order", "must be asc or desc, not %q", p.Order)
	}
	return nil
}

// Page is one page of a listing.
type Page[T any] struct {
	Data    []T
	HasMore bool
}

// page cuts ids (in ascending order) per p.
func page(ids []string, p ListParams) ([]string, bool) {
	if p.Order == "desc" {
		r := make([]string, len(ids))
		for i, id := range ids {
			r[len(ids)-1-i] = id
		}
		ids = r
	}
	if p.After != "" {
		for i, id := range ids {
			if id == p.After {
				ids = ids[i+1:]
				break
			}
		}
	}
	if p.Before != "" {
		for i, id := range ids {
			if id == p.Before {
				ids = ids[:i]
				if len(ids) > p.Limit {
					return ids[len(ids)-p.Limit:], true
				}
				return ids, false
			}
		}
	}
	if len(ids) > p.Limit {
		return ids[:p.Limit], true
	}
	return ids, false
}

// List pages through the bucket's vector stores, which list in
// creation order because their ids are time-ordered.
func (s *Service) List(ctx context.Context, p ListParams) (*Page[*VectorStore], error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	var ids []string
	for pg, err := range storage.Pages(ctx, s.b, &storage.ListOptions{Prefix: storesPrefix, Delimiter: "/"}) {
		if err != nil {
			return nil, fmt.Errorf("vectorstore: listing stores: %w", err)
		}
		for _, pre := range pg.Prefixes {
			ids = append(ids, strings.TrimSuffix(strings.TrimPrefix(pre, storesPrefix), "/"))
		}
	}
	sort.Strings(ids)
	sel, more := page(ids, p)
	out := &Page[*VectorStore]{HasMore: more}
	for _, id := range sel {
		vs, err := s.Get(ctx, id)
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid) {
			continue // deleted meanwhile, or a stray prefix
		}
		if err != nil {
			return nil, err
		}
		out.Data = append(out.Data, vs)
	}
	return out, nil
}

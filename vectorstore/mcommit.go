package vectorstore

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"

	"github.com/r2kit/r2kit/doc"
)

// The manifest committer.
//
// doc.Update group-commits concurrent Updates of one key, but it still
// decodes and encodes the document once per Update function; for a
// manifest that grows with its files that made ingesting n files cost
// O(n^2) JSON work. So a Service funnels every change of a manifest
// through one committer per store: changes that arrive while a write
// is in flight wait, and the next write applies all of them to one
// decoded manifest, in arrival order, with one doc.Update (one decode,
// one encode, one conditional write). Each caller still gets its own
// error or the state after its own change, as with doc.Update.

// manifestChange is one caller's change, waiting for its write.
type manifestChange struct {
	ctx context.Context
	fn  func(m *manifest) error
	// inPlace, if set instead of fn, is a change that cannot fail and
	// reads what its caller needs itself: it is applied without a copy.
	inPlace func(m *manifest)
	done    chan struct{}
	m       *manifest
	err     error
}

type committer struct {
	mu      sync.Mutex
	pending map[string][]*manifestChange
	// hook, if set, is called with each write's number of changes.
	hook func(vsID string, n int)
}

// commitTimeout bounds one batched write, retries included.
const commitTimeout = 2 * time.Minute

// commitPolicy retries conflicts with other processes until the write
// goes through (within commitTimeout): contention must not fail a
// file's ingestion.
var commitPolicy = doc.Persistent

// update applies fn to a store's manifest (see the committer). fn must
// not have side effects beyond its return values (it may run again
// after a conflict); it gets a copy it may change. A missing store is
// ErrNotFound. A change whose ctx is done when its batch is formed is
// dropped with ctx's error; once in a batch, it is written (or fails)
// with the batch.
func (s *Service) update(ctx context.Context, vsID string, fn func(m *manifest) error) (*manifest, error) {
	if err := ValidateID("vector_store_id", PrefixVectorStore, vsID); err != nil {
		return nil, err
	}
	c := &manifestChange{ctx: ctx, fn: fn, done: make(chan struct{})}
	s.submitChange(vsID, c)
	return c.m, c.err
}

// updateInPlace is update for a change that cannot fail and captures
// its results itself: it costs no copy of the manifest.
func (s *Service) updateInPlace(ctx context.Context, vsID string, fn func(m *manifest)) error {
	if err := ValidateID("vector_store_id", PrefixVectorStore, vsID); err != nil {
		return err
	}
	c := &manifestChange{ctx: ctx, inPlace: fn, done: make(chan struct{})}
	s.submitChange(vsID, c)
	return c.err
}

// submitChange queues c and waits for its write.
func (s *Service) submitChange(vsID string, c *manifestChange) {
	s.commits.mu.Lock()
	if s.commits.pending == nil {
		s.commits.pending = map[string][]*manifestChange{}
	}
	q, running := s.commits.pending[vsID]
	s.commits.pending[vsID] = append(q, c)
	s.commits.mu.Unlock()
	if !running {
		go s.commitLoop(vsID)
	}
	<-c.done
}

// commitLoop writes the store's waiting changes, batch after batch,
// until none is left.
func (s *Service) commitLoop(vsID string) {
	for {
		s.commits.mu.Lock()
		batch := s.commits.pending[vsID]
		if len(batch) == 0 {
			delete(s.commits.pending, vsID)
			s.commits.mu.Unlock()
			return
		}
		s.commits.pending[vsID] = batch[:0:0]
		s.commits.mu.Unlock()
		s.commitBatch(vsID, batch)
	}
}

func (s *Service) commitBatch(vsID string, batch []*manifestChange) {
	live := batch[:0:0]
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.err = err
			close(c.done)
			continue
		}
		live = append(live, c)
	}
	if len(live) == 0 {
		return
	}
	if h := s.commits.hook; h != nil {
		h(vsID, len(live))
	}
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	_, err := doc.Update(ctx, s.docs, manifestKey(vsID), func(cur *manifest, exists bool) (manifest, error) {
		if !exists {
			return manifest{}, notFound("vector store", vsID)
		}
		// state is owned when no caller's result shares it, so that an
		// in-place change may modify it.
		state, owned := cur, true
		applied := false
		for _, c := range live {
			if c.inPlace != nil {
				if !owned {
					m := cloneManifest(state)
					state, owned = &m, true
				}
				c.inPlace(state)
				c.err, applied = nil, true
				continue
			}
			m := cloneManifest(state)
			if c.err = c.fn(&m); c.err != nil {
				c.m = nil
				continue
			}
			c.m, state, applied, owned = &m, &m, true, false
		}
		if !applied {
			return manifest{}, errNothingApplied
		}
		return *state, nil
	}, &doc.WriteOptions{Type: "vector_store", Policy: &commitPolicy})
	for _, c := range live {
		if err != nil && (c.err == nil || !errors.Is(err, errNothingApplied)) {
			c.err, c.m = err, nil
		}
		close(c.done)
	}
}

// errNothingApplied: every change of a batch failed, so there is
// nothing to write; each caller gets its own error.
var errNothingApplied = errorString("vectorstore: no change of the batch applies")

type errorString string

func (e errorString) Error() string { return string(e) }

// cloneManifest copies the manifest and its maps, not the entries:
// changes replace an entry they modify (mutable, mutableBatch), so a
// change that fails leaves the state before it untouched and copying
// costs one pointer per file.
func cloneManifest(cur *manifest) manifest {
	m := *cur
	m.Files = maps.Clone(cur.Files)
	if m.Files == nil {
		m.Files = map[string]*fileEntry{}
	}
	m.Batches = maps.Clone(cur.Batches)
	if m.Batches == nil {
		m.Batches = map[string]*batchEntry{}
	}
	return m
}

// mutable replaces file id's entry with a copy and returns it, or nil.
func (m *manifest) mutable(id string) *fileEntry {
	e := m.Files[id]
	if e == nil {
		return nil
	}
	c := *e
	m.Files[id] = &c
	return &c
}

// mutableBatch is mutable for a batch.
func (m *manifest) mutableBatch(id string) *batchEntry {
	b := m.Batches[id]
	if b == nil {
		return nil
	}
	c := *b
	m.Batches[id] = &c
	return &c
}

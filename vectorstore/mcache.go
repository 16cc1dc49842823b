package vectorstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
)

// manifestCache keeps the last decoded manifest of each store by ETag,
// so that a read revalidates with one conditional GET and decodes the
// JSON only when the manifest changed. Cached manifests are shared and
// must be treated as read-only.
type manifestCache struct {
	mu sync.Mutex
	m  map[string]*doc.Doc[manifest]
}

const manifestCacheEntries = 1024

func (c *manifestCache) get(key string) *doc.Doc[manifest] {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key]
}

func (c *manifestCache) put(d *doc.Doc[manifest]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= manifestCacheEntries {
		c.m = map[string]*doc.Doc[manifest]{}
	}
	if cur := c.m[d.Key]; cur == nil || cur.ETag != d.ETag {
		c.m[d.Key] = d
	}
}

func (c *manifestCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}

// readManifest reads a manifest, revalidating the cached one.
func (s *Service) readManifest(ctx context.Context, key string) (*doc.Doc[manifest], error) {
	cached := s.manifests.get(key)
	var opts storage.GetOptions
	if cached != nil {
		opts.IfNoneMatch = cached.ETag
	}
	o, err := s.b.Get(ctx, key, &opts)
	if errors.Is(err, storage.ErrNotModified) && cached != nil {
		return cached, nil
	}
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			s.manifests.drop(key)
		}
		return nil, err
	}
	defer o.Body.Close()
	data, err := io.ReadAll(io.LimitReader(o.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	d := &doc.Doc[manifest]{Key: key, ETag: o.ETag, Metadata: o.Metadata}
	if err := json.Unmarshal(data, &d.Value); err != nil {
		return nil, fmt.Errorf("vectorstore: decoding %s: %w", key, err)
	}
	s.manifests.put(d)
	return d, nil
}

package vectorstore

import (
	"container/list"
	"sync"
)

// segmentCache holds decoded segments by key and ETag, least recently
// used first out, within a byte budget. Segments are immutable, so an
// entry never needs revalidation: the manifest names the ETag it
// expects.
type segmentCache struct {
	mu    sync.Mutex
	limit int64
	used  int64
	ll    *list.List
	items map[string]*list.Element
}

type cacheEntry struct {
	id  string
	seg *segment
}

func newSegmentCache(limit int64) *segmentCache {
	return &segmentCache{limit: limit, ll: list.New(), items: map[string]*list.Element{}}
}

func cacheID(key, etag string) string { return key + "\x00" + etag }

func (c *segmentCache) get(key, etag string) *segment {
	if c.limit <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[cacheID(key, etag)]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*cacheEntry).seg
	}
	return nil
}

func (c *segmentCache) put(key, etag string, s *segment) {
	if c.limit <= 0 || s.bytes > c.limit {
		return
	}
	id := cacheID(key, etag)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[id]; ok {
		return
	}
	c.items[id] = c.ll.PushFront(&cacheEntry{id: id, seg: s})
	c.used += s.bytes
	for c.used > c.limit {
		e := c.ll.Back()
		ce := e.Value.(*cacheEntry)
		c.ll.Remove(e)
		delete(c.items, ce.id)
		c.used -= ce.seg.bytes
	}
}

package doc

import (
	"container/list"
	"sync"
)

// cached is what the Store remembers of a document: the ETag and bytes
// of the object as last read or written, and its metadata.
type cached struct {
	etag string
	body []byte
	md   map[string]string
}

// cache is a bounded LRU of documents by key. Values are never mutated
// after insertion, so they are shared without copying. A nil *cache is
// a disabled cache.
type cache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *cacheItem, most recent first
	items map[string]*list.Element
}

type cacheItem struct {
	key string
	val cached
}

// maxCachedBody keeps large documents out of the cache.
const maxCachedBody = 1 << 20

func newCache(max int) *cache {
	if max <= 0 {
		return nil
	}
	return &cache{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *cache) get(key string) (cached, bool) {
	if c == nil {
		return cached{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		return cached{}, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cacheItem).val, true
}

func (c *cache) put(key string, v cached) {
	if c == nil {
		return
	}
	if len(v.body) > maxCachedBody {
		c.drop(key)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		e.Value.(*cacheItem).val = v
		c.order.MoveToFront(e)
		return
	}
	c.items[key] = c.order.PushFront(&cacheItem{key: key, val: v})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheItem).key)
	}
}

func (c *cache) drop(key string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.order.Remove(e)
		delete(c.items, key)
	}
}

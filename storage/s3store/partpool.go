package s3store

// partPool keeps up to a fixed number of idle part buffers for reuse.
// Unlike a sync.Pool it neither drops buffers at garbage collection nor
// (under the race detector) at random, so a large upload reuses the same
// few buffers from start to end and the heap stays flat: at most
// Concurrency buffers per upload in flight, and at most Concurrency idle
// per Bucket.
type partPool struct {
	size int64
	idle chan *[]byte
}

func newPartPool(n int, size int64) partPool {
	return partPool{size: size, idle: make(chan *[]byte, n)}
}

// Get returns an idle buffer or a new one.
func (p partPool) Get() *[]byte {
	select {
	case buf := <-p.idle:
		return buf
	default:
		buf := make([]byte, p.size)
		return &buf
	}
}

// Put keeps buf for reuse if fewer than the pool's bound are idle.
func (p partPool) Put(buf *[]byte) {
	select {
	case p.idle <- buf:
	default:
	}
}

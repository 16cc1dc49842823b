// Package iox holds the small io.Reader adapters that several r2kit
// packages share.
package iox

import (
	"context"
	"io"
)

// ContextReader returns a reader of r whose reads fail with ctx's error
// once ctx is done, so that a copy from a reader that never blocks
// (a bytes.Reader, a file) still stops when asked.
func ContextReader(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// CapReader returns a reader of r that reads at most limit bytes of it:
// the read that would go past limit returns the bytes up to one past it
// with the error over(). It never reads more than one byte beyond the
// limit from r, so a body over the limit is noticed without reading it
// whole.
func CapReader(r io.Reader, limit int64, over func() error) io.Reader {
	return &capReader{r: r, left: limit, over: over}
}

type capReader struct {
	r    io.Reader
	left int64
	over func() error
}

func (c *capReader) Read(p []byte) (int, error) {
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, c.over()
	}
	return n, err
}

// Package userbucket is a user's own storage.Bucket, outside the r2kit
// module: a wrapper that counts the writes of another Bucket. The r2kit
// test script builds it in a scratch module that gets r2kit with
// go get (through a replace to the checkout), and runs r2kit's
// conformance suite on it.
package userbucket

import (
	"context"
	"io"
	"sync/atomic"

	"github.com/r2kit/r2kit/storage"
)

// Counting counts the Puts made through it.
type Counting struct {
	storage.Bucket
	Puts atomic.Int64
}

// Put counts the write and passes it on.
func (c *Counting) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	c.Puts.Add(1)
	return c.Bucket.Put(ctx, key, r, opts)
}

//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package filestore

import (
	"context"
	"errors"
	"io"
	"runtime"

	"github.com/r2kit/r2kit/storage"
)

var _ storage.Bucket = (*Bucket)(nil)

// errNoUnix is what Open returns on systems filestore does not support.
var errNoUnix = errors.New("filestore needs a unix system with flock (Linux, macOS or a BSD), not " + runtime.GOOS)

// Bucket is a storage.Bucket kept in a local directory. On this system
// it cannot be opened.
type Bucket struct{}

// Open returns an error: filestore needs Linux, macOS or a BSD.
func Open(dir string, opts *Options) (*Bucket, error) {
	return nil, errNoUnix
}

// Backend returns "file".
func (b *Bucket) Backend() string { return backendName }

// Close implements storage.Bucket.
func (b *Bucket) Close() error { return storage.Wrap("close", "", storage.ErrUnsupported, errNoUnix) }

// Stat implements storage.Bucket.
func (b *Bucket) Stat(ctx context.Context, key string) (*storage.Attrs, error) {
	return nil, storage.Wrap("stat", key, storage.ErrUnsupported, errNoUnix)
}

// Get implements storage.Bucket.
func (b *Bucket) Get(ctx context.Context, key string, opts *storage.GetOptions) (*storage.Object, error) {
	return nil, storage.Wrap("get", key, storage.ErrUnsupported, errNoUnix)
}

// Put implements storage.Bucket.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	return nil, storage.Wrap("put", key, storage.ErrUnsupported, errNoUnix)
}

// Delete implements storage.Bucket.
func (b *Bucket) Delete(ctx context.Context, key string, opts *storage.DeleteOptions) error {
	return storage.Wrap("delete", key, storage.ErrUnsupported, errNoUnix)
}

// List implements storage.Bucket.
func (b *Bucket) List(ctx context.Context, opts *storage.ListOptions) (*storage.ListPage, error) {
	prefix := ""
	if opts != nil {
		prefix = opts.Prefix
	}
	return nil, storage.Wrap("list", prefix, storage.ErrUnsupported, errNoUnix)
}

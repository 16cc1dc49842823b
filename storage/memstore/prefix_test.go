package memstore_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
	"github.com/r2kit/r2kit/storage/storagetest"
)

// prefixed is a minimal Bucket wrapper that keeps its keys under a
// prefix of another Bucket. It exists to show that the conformance
// suite runs on wrappers.
type prefixed struct {
	b      storage.Bucket
	prefix string
}

var _ storage.Unwrapper = (*prefixed)(nil)

func (p *prefixed) Unwrap() storage.Bucket { return p.b }

// key maps a caller's key to the inner Bucket's. It validates first:
// the prefix would make an empty key valid.
func (p *prefixed) key(op, key string) (string, error) {
	if err := storage.ValidateKey(key); err != nil {
		return "", storage.Wrap(op, key, nil, err)
	}
	return p.prefix + key, nil
}

// err restates an inner error with the caller's key.
func (p *prefixed) err(err error) error {
	var se *storage.Error
	if errors.As(err, &se) {
		return &storage.Error{Op: se.Op, Key: strings.TrimPrefix(se.Key, p.prefix), Err: se.Err}
	}
	return err
}

func (p *prefixed) attrs(a *storage.Attrs) *storage.Attrs {
	a.Key = strings.TrimPrefix(a.Key, p.prefix)
	return a
}

func (p *prefixed) Stat(ctx context.Context, key string) (*storage.Attrs, error) {
	k, err := p.key("stat", key)
	if err != nil {
		return nil, err
	}
	a, err := p.b.Stat(ctx, k)
	if err != nil {
		return nil, p.err(err)
	}
	return p.attrs(a), nil
}

func (p *prefixed) Get(ctx context.Context, key string, opts *storage.GetOptions) (*storage.Object, error) {
	k, err := p.key("get", key)
	if err != nil {
		return nil, err
	}
	obj, err := p.b.Get(ctx, k, opts)
	if err != nil {
		return nil, p.err(err)
	}
	p.attrs(&obj.Attrs)
	return obj, nil
}

func (p *prefixed) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	k, err := p.key("put", key)
	if err != nil {
		return nil, err
	}
	a, err := p.b.Put(ctx, k, r, opts)
	if err != nil {
		return nil, p.err(err)
	}
	return p.attrs(a), nil
}

func (p *prefixed) Delete(ctx context.Context, key string, opts *storage.DeleteOptions) error {
	k, err := p.key("delete", key)
	if err != nil {
		return err
	}
	return p.err(p.b.Delete(ctx, k, opts))
}

func (p *prefixed) List(ctx context.Context, opts *storage.ListOptions) (*storage.ListPage, error) {
	o := storage.ListOptions{}
	if opts != nil {
		o = *opts
	}
	o.Prefix = p.prefix + o.Prefix
	if o.StartAfter != "" {
		o.StartAfter = p.prefix + o.StartAfter
	}
	page, err := p.b.List(ctx, &o)
	if err != nil {
		return nil, p.err(err)
	}
	for _, a := range page.Objects {
		p.attrs(a)
	}
	for i, pre := range page.Prefixes {
		page.Prefixes[i] = strings.TrimPrefix(pre, p.prefix)
	}
	return page, nil
}

func (p *prefixed) Close() error { return p.b.Close() }

// TestConformancePrefixed runs the suite through the prefixed wrapper.
// The inner Bucket also holds objects outside the prefix, which the
// wrapper must never show.
func TestConformancePrefixed(t *testing.T) {
	const prefix = "tenant/one/"
	storagetest.RunConformanceTests(t, storagetest.Harness{
		NewBucket: func(t testing.TB) storage.Bucket {
			inner := memstore.New()
			t.Cleanup(func() { _ = inner.Close() })
			for _, k := range []string{"tenant/on", "tenant/one", "tenant/one0", "tenant/two/a", "zzz"} {
				if _, err := inner.Put(t.Context(), k, strings.NewReader("outside"), nil); err != nil {
					t.Fatal(err)
				}
			}
			return &prefixed{b: inner, prefix: prefix}
		},
		// The prefix makes the longest keys of the table too long.
		RejectsKey: func(key string) bool { return len(prefix)+len(key) > storage.MaxKeyLen },
	})
}

package storage_test

import (
	"errors"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
)

// sliceScan is a storage.Scan over sorted keys.
func sliceScan(keys []string) storage.Scan {
	return func(prefix, after string) iter.Seq2[*storage.Attrs, error] {
		return func(yield func(*storage.Attrs, error) bool) {
			for _, k := range keys {
				if strings.HasPrefix(k, prefix) && k > after && !yield(&storage.Attrs{Key: k}, nil) {
					return
				}
			}
		}
	}
}

// page is the expected content of one ListPage; more says a token
// follows.
type page struct {
	objs, prefixes []string
	more           bool
}

func TestPaginate(t *testing.T) {
	keys := []string{"a", "a/1", "a/2", "a/b/c", "b", "c/x", "c/y", "d"}
	tests := []struct {
		name  string
		opts  storage.ListOptions
		pages []page
	}{
		{"All", storage.ListOptions{}, []page{
			{objs: keys},
		}},
		{"Limit3", storage.ListOptions{Limit: 3}, []page{
			{objs: []string{"a", "a/1", "a/2"}, more: true},
			{objs: []string{"a/b/c", "b", "c/x"}, more: true},
			{objs: []string{"c/y", "d"}},
		}},
		{"LimitFillsLastPage", storage.ListOptions{Limit: 4}, []page{
			{objs: []string{"a", "a/1", "a/2", "a/b/c"}, more: true},
			{objs: []string{"b", "c/x", "c/y", "d"}},
		}},
		{"Delimiter", storage.ListOptions{Delimiter: "/"}, []page{
			{objs: []string{"a", "b", "d"}, prefixes: []string{"a/", "c/"}},
		}},
		{"DelimiterLimit1", storage.ListOptions{Delimiter: "/", Limit: 1}, []page{
			{objs: []string{"a"}, more: true},
			{prefixes: []string{"a/"}, more: true},
			{objs: []string{"b"}, more: true},
			{prefixes: []string{"c/"}, more: true},
			{objs: []string{"d"}},
		}},
		{"DelimiterLimit2", storage.ListOptions{Delimiter: "/", Limit: 2}, []page{
			{objs: []string{"a"}, prefixes: []string{"a/"}, more: true},
			{objs: []string{"b"}, prefixes: []string{"c/"}, more: true},
			{objs: []string{"d"}},
		}},
		{"DelimiterLastIsPrefix", storage.ListOptions{Prefix: "c", Delimiter: "/", Limit: 1}, []page{
			{prefixes: []string{"c/"}},
		}},
		{"PrefixDelimiter", storage.ListOptions{Prefix: "a/", Delimiter: "/"}, []page{
			{objs: []string{"a/1", "a/2"}, prefixes: []string{"a/b/"}},
		}},
		{"MultiByteDelimiter", storage.ListOptions{Delimiter: "/b/"}, []page{
			{objs: []string{"a", "a/1", "a/2", "b", "c/x", "c/y", "d"}, prefixes: []string{"a/b/"}},
		}},
		{"StartAfter", storage.ListOptions{StartAfter: "a/1", Limit: 5}, []page{
			{objs: []string{"a/2", "a/b/c", "b", "c/x", "c/y"}, more: true},
			{objs: []string{"d"}},
		}},
		{"StartAfterMissingKey", storage.ListOptions{StartAfter: "bb"}, []page{
			{objs: []string{"c/x", "c/y", "d"}},
		}},
		{"StartAfterEnd", storage.ListOptions{StartAfter: "z"}, []page{
			{},
		}},
		{"NoMatch", storage.ListOptions{Prefix: "zz", Delimiter: "/"}, []page{
			{},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := collect(t, keys, tt.opts)
			if !slices.EqualFunc(got, tt.pages, pageEqual) {
				t.Errorf("pages =\n\t%+v\nwant\n\t%+v", got, tt.pages)
			}
		})
	}
}

// collect lists keys with Paginate, following tokens.
func collect(t *testing.T, keys []string, o storage.ListOptions) []page {
	t.Helper()
	var pages []page
	for {
		p, err := storage.Paginate(&o, sliceScan(keys))
		if err != nil {
			t.Fatalf("Paginate(%+v): %v", o, err)
		}
		pages = append(pages, page{objectKeys(p.Objects), p.Prefixes, p.NextToken != ""})
		if p.NextToken == "" || len(pages) > len(keys)+1 {
			return pages
		}
		o.Token = p.NextToken
	}
}

func pageEqual(a, b page) bool {
	return slices.Equal(a.objs, b.objs) && slices.Equal(a.prefixes, b.prefixes) && a.more == b.more
}

func objectKeys(objs []*storage.Attrs) []string {
	var keys []string
	for _, a := range objs {
		keys = append(keys, a.Key)
	}
	return keys
}

// TestPaginateTokenAndStartAfter: a token continues after the later of
// itself and StartAfter.
func TestPaginateTokenAndStartAfter(t *testing.T) {
	keys := []string{"a", "b", "c", "d"}
	first, err := storage.Paginate(&storage.ListOptions{Limit: 1}, sliceScan(keys))
	if err != nil {
		t.Fatal(err)
	}
	p, err := storage.Paginate(&storage.ListOptions{Token: first.NextToken, StartAfter: "b"}, sliceScan(keys))
	if err != nil {
		t.Fatal(err)
	}
	if got := objectKeys(p.Objects); !slices.Equal(got, []string{"c", "d"}) {
		t.Errorf("token after a, StartAfter b: %q, want [c d]", got)
	}
}

func TestPaginateErrors(t *testing.T) {
	keys := []string{"a"}
	for _, o := range []storage.ListOptions{{Limit: -1}, {Token: "!!"}} {
		if _, err := storage.Paginate(&o, sliceScan(keys)); !errors.Is(err, storage.ErrInvalidArgument) {
			t.Errorf("Paginate(%+v) = %v, want an error matching ErrInvalidArgument", o, err)
		}
	}
	boom := errors.New("boom")
	failing := func(string, string) iter.Seq2[*storage.Attrs, error] {
		return func(yield func(*storage.Attrs, error) bool) { yield(nil, boom) }
	}
	if _, err := storage.Paginate(nil, failing); !errors.Is(err, boom) {
		t.Errorf("Paginate with a failing scan = %v, want boom", err)
	}
}

// TestPagesAndObjects: the iterators follow tokens to the end and stop
// when the loop does.
func TestPagesAndObjects(t *testing.T) {
	ctx := t.Context()
	b := memstore.New()
	defer b.Close()
	var want []string
	for _, k := range []string{"p/1", "p/2", "p/3", "p/4", "p/5", "q"} {
		if _, err := b.Put(ctx, k, strings.NewReader(k), nil); err != nil {
			t.Fatal(err)
		}
		if k != "q" {
			want = append(want, k)
		}
	}
	opts := &storage.ListOptions{Prefix: "p/", Limit: 2}
	n := 0
	for p, err := range storage.Pages(ctx, b, opts) {
		if err != nil {
			t.Fatal(err)
		}
		n += len(p.Objects)
	}
	var got []string
	for a, err := range storage.Objects(ctx, b, opts) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.Key)
		if len(got) == 3 {
			break
		}
	}
	if n != len(want) || !slices.Equal(got, want[:3]) {
		t.Errorf("Pages saw %d objects, Objects (stopped at 3) %q; want %d, %q", n, got, len(want), want[:3])
	}
	b.Close()
	for _, err := range storage.Objects(ctx, b, opts) {
		if !errors.Is(err, storage.ErrClosed) {
			t.Errorf("Objects on a closed bucket yielded %v, want ErrClosed", err)
		}
	}
}

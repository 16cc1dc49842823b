package storagetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
)

// listFixture holds keys whose byte order differs from the order of a
// directory walk: "a.b" < "a/b" < "a0", and "a" is both an object and
// the start of deeper keys.
var listFixture = []string{
	"A", "a", "a b", "a-b", "a.b", "a/b", "a/d/e", "a0",
	"b", "b/1/x", "b/2", "z~", "é",
}

// testList: List returns keys in byte order and applies Prefix,
// Delimiter, StartAfter, Token and Limit; every page of a listing
// together is the whole listing.
func (s *suite) testList(t *testing.T) {
	t.Run("EmptyBucket", func(t *testing.T) {
		b := s.bucket(t)
		for _, o := range []*storage.ListOptions{nil, {Delimiter: "/"}, {Prefix: "a", Limit: 1}} {
			page, err := b.List(t.Context(), o)
			if err != nil {
				t.Fatalf("List(%+v): %v", o, err)
			}
			if len(page.Objects) != 0 || len(page.Prefixes) != 0 || page.NextToken != "" {
				t.Errorf("List(%+v) on an empty bucket = %+v", o, page)
			}
		}
	})

	b := s.bucket(t)
	keys := s.h.storable(t, "listing fixture", listFixture)
	stored := map[string]*storage.Attrs{}
	for _, k := range keys {
		stored[k] = put(t, b, k, []byte("content of "+k), nil)
	}

	t.Run("Order", func(t *testing.T) {
		page, err := b.List(t.Context(), nil)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		want := slices.Sorted(slices.Values(keys))
		if got := objectKeys(page.Objects); !slices.Equal(got, want) {
			t.Errorf("List keys =\n\t%q\nwant (byte order)\n\t%q", got, want)
		}
		if len(page.Prefixes) != 0 || page.NextToken != "" {
			t.Errorf("List: Prefixes %q, NextToken %q; want none", page.Prefixes, page.NextToken)
		}
	})
	t.Run("Attrs", func(t *testing.T) {
		page, err := b.List(t.Context(), nil)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		for _, a := range page.Objects {
			w := stored[a.Key]
			if w == nil {
				continue
			}
			if a.Size != w.Size || a.ETag != w.ETag {
				t.Errorf("List: %q has Size, ETag %d, %s; Put returned %d, %s", a.Key, a.Size, a.ETag, w.Size, w.ETag)
			}
			checkModTime(t, "List: "+a.Key, a.ModTime)
		}
	})
	for _, c := range listCases() {
		t.Run(c.name, func(t *testing.T) { checkListing(t, b, keys, c.opts) })
	}
	t.Run("Objects", func(t *testing.T) {
		var got []string
		for a, err := range storage.Objects(t.Context(), b, &storage.ListOptions{Prefix: "a", Limit: 3}) {
			if err != nil {
				t.Fatalf("Objects: %v", err)
			}
			got = append(got, a.Key)
		}
		want, _ := listModel(keys, storage.ListOptions{Prefix: "a"})
		if !slices.Equal(got, want) {
			t.Errorf("Objects(Prefix a) = %q, want %q", got, want)
		}
	})
}

// listCase is a listing checked against listModel.
type listCase struct {
	name string
	opts storage.ListOptions
}

// listCases are the listings checked against listModel, each collected
// with storage.Pages at Limit 1, 2 and 1000.
func listCases() []listCase {
	return []listCase{
		{"All", storage.ListOptions{}},
		{"Prefix", storage.ListOptions{Prefix: "a"}},
		{"PrefixDir", storage.ListOptions{Prefix: "a/"}},
		{"PrefixDeep", storage.ListOptions{Prefix: "b/1/"}},
		{"PrefixMultibyte", storage.ListOptions{Prefix: "é"}},
		{"PrefixNoMatch", storage.ListOptions{Prefix: "nothing"}},
		{"Delimiter", storage.ListOptions{Delimiter: "/"}},
		{"DelimiterPrefix", storage.ListOptions{Prefix: "a", Delimiter: "/"}},
		{"DelimiterPrefixDir", storage.ListOptions{Prefix: "a/", Delimiter: "/"}},
		{"DelimiterPrefixDirNested", storage.ListOptions{Prefix: "b/", Delimiter: "/"}},
		{"StartAfterBeforeAll", storage.ListOptions{StartAfter: "0"}},
		{"StartAfterKey", storage.ListOptions{StartAfter: "a"}},
		{"StartAfterDeepKey", storage.ListOptions{StartAfter: "a/b"}},
		{"StartAfterNotAKey", storage.ListOptions{StartAfter: "a/c"}},
		{"StartAfterLast", storage.ListOptions{StartAfter: "é"}},
		{"StartAfterPrefix", storage.ListOptions{Prefix: "a/", StartAfter: "a/b"}},
		{"StartAfterDelimiter", storage.ListOptions{StartAfter: "a0", Delimiter: "/"}},
	}
}

// checkListing collects the listing o describes, in pages of several
// sizes, and compares it with listModel.
func checkListing(t *testing.T, b storage.Bucket, keys []string, o storage.ListOptions) {
	wantObjs, wantPrefixes := listModel(keys, o)
	for _, limit := range []int{1, 2, 1000} {
		o.Limit = limit
		var objs, prefixes []string
		pages := 0
		for page, err := range storage.Pages(t.Context(), b, &o) {
			if err != nil {
				t.Fatalf("List(%+v) page %d: %v", o, pages+1, err)
			}
			pages++
			if n := len(page.Objects) + len(page.Prefixes); n > limit {
				t.Errorf("List(%+v) page %d has %d entries, more than the limit", o, pages, n)
			}
			if pages > len(keys)+2 {
				t.Fatalf("List(%+v): more than %d pages; tokens do not advance", o, pages)
			}
			objs = append(objs, objectKeys(page.Objects)...)
			prefixes = append(prefixes, page.Prefixes...)
		}
		if !slices.Equal(objs, wantObjs) || !slices.Equal(prefixes, wantPrefixes) {
			t.Errorf("List(%+v) in %d pages:\n\tobjects %q\n\tprefixes %q\nwant\n\tobjects %q\n\tprefixes %q",
				o, pages, objs, prefixes, wantObjs, wantPrefixes)
		}
	}
}

// listModel is the meaning of ListOptions over a set of keys: the
// objects and common prefixes of the whole listing, in byte order.
func listModel(keys []string, o storage.ListOptions) (objs, prefixes []string) {
	for _, k := range slices.Sorted(slices.Values(keys)) {
		if !strings.HasPrefix(k, o.Prefix) || k <= o.StartAfter {
			continue
		}
		if i := strings.Index(k[len(o.Prefix):], o.Delimiter); o.Delimiter != "" && i >= 0 {
			p := k[:len(o.Prefix)+i+len(o.Delimiter)]
			if len(prefixes) == 0 || prefixes[len(prefixes)-1] != p {
				prefixes = append(prefixes, p)
			}
			continue
		}
		objs = append(objs, k)
	}
	return objs, prefixes
}

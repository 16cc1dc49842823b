//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/filestore"
)

// TestListModel: listings of a tree of random keys, whose names sort
// differently from a naive directory walk ("a-" < "a." < "a/" < "a0" <
// "é"), with empty, dot and over-long segments, and keys that are also
// the start of other keys ("a" and "a/b"), match the model of ListOptions for many prefixes, start points,
// delimiters and page sizes.
func TestListModel(t *testing.T) {
	b := openBucket(t, t.TempDir(), &filestore.Options{NoSync: true})
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "a-", "a.b", "a0", "b", "é", "a b", "", ".", "..", "%2F", strings.Repeat("L", 300)}
	var keys []string
	for len(keys) < 150 {
		var segs []string
		for range 1 + rng.IntN(4) {
			segs = append(segs, names[rng.IntN(len(names))])
		}
		key := strings.Join(segs, "/")
		if slices.Contains(keys, key) || storage.ValidateKey(key) != nil {
			continue
		}
		keys = append(keys, key)
		put(t, b, key, key, nil)
	}
	slices.Sort(keys)
	if got := listKeys(t, b); !slices.Equal(got, keys) {
		t.Fatalf("List =\n\t%q\nwant\n\t%q", got, keys)
	}

	probes := []string{"", "a", "a/", "a-", "a.", "a/a", "a/a/", "a0/", "b/é", "é", "é/", "z", "a b/", "/", "//", "./", "../", "LL", "a/LLL"}
	for range 40 {
		probes = append(probes, keys[rng.IntN(len(keys))])
	}
	for _, prefix := range probes {
		for _, after := range []string{"", probes[rng.IntN(len(probes))], keys[rng.IntN(len(keys))]} {
			for _, delim := range []string{"", "/", "a"} {
				o := storage.ListOptions{Prefix: prefix, StartAfter: after, Delimiter: delim}
				wantObjs, wantPrefixes := listModel(keys, o)
				for _, limit := range []int{1, 3, 1000} {
					o.Limit = limit
					var objs, prefixes []string
					for page, err := range storage.Pages(t.Context(), b, &o) {
						if err != nil {
							t.Fatal(err)
						}
						for _, a := range page.Objects {
							objs = append(objs, a.Key)
						}
						prefixes = append(prefixes, page.Prefixes...)
					}
					if !slices.Equal(objs, wantObjs) || !slices.Equal(prefixes, wantPrefixes) {
						t.Fatalf("List(%+v):\n\tobjects %q\n\tprefixes %q\nwant\n\tobjects %q\n\tprefixes %q",
							o, objs, prefixes, wantObjs, wantPrefixes)
					}
				}
			}
		}
	}
}

// listModel is what a listing of keys with o returns: its objects and
// common prefixes, in order.
func listModel(keys []string, o storage.ListOptions) (objs, prefixes []string) {
	for _, k := range keys {
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

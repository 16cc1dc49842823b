package storagetest

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
)

// namedKey is a test key with a subtest name.
type namedKey struct{ name, key string }

// oddKeys are keys every S3-compatible store accepts but that a naive
// backend (a filesystem, a URL builder) may mangle. A harness may declare
// some of them rejected with Harness.RejectsKey.
func oddKeys() []namedKey {
	return []namedKey{
		{"Unicode", "日本語/ключ/emoji-🙂.json"},
		{"Spaces", "with space/and  two spaces .txt"},
		{"DeepPath", "deep/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/file.txt"},
		{"DoubleSlash", "a//b"},
		{"DotSegment", "x/./y"},
		{"DotDotSegment", "x/../y"},
		{"DotSegmentBeforeKey", "a/./b"},
		{"DotDotSegmentBeforeKey", "a/../b"},
		{"DotDotUp", "a/b/../../c"},
		{"DotsOnly", "./../."},
		{"LeadingDotDot", "../x"},
		{"LeadingDot", "./x"},
		{"LeadingSlash", "/leading"},
		{"TrailingSlash", "dir/"},
		{"TrailingSlashDeep", "a/b/"},
		{"TrailingSlashes", "dir//"},
		{"Slash", "/"},
		{"Dots", "..."},
		{"ReservedLooking", ".r2kit/tmp/x"},
		{"HiddenSegments", ".git/.env"},
		{"PercentEncoded", "%2F"},
		{"PercentInPath", "a%2Fb%20c"},
		{"URLSyntax", "#?&=+"},
		{"Punctuation", "!$'()*,;:@[]{}|^`~\"<>"},
		{"Backslash", `back\slash`},
		{"LineSeparator", "line\u2028separator"},
		{"ByteOrderMark", "\ufeffbom"},
		{"NonASCII", "ключ/値/😀/é"},
		{"LongSegment", "seg/" + strings.Repeat("L", 300) + "/end"},
		{"LongSegmentLast", "seg/" + strings.Repeat("L", 300)},
		{"LongSegmentMultibyte", strings.Repeat("é", 150) + "/x"},
		{"MaxLength", longKey("k", storage.MaxKeyLen, storage.MaxKeyLen)},
		{"MaxLengthSegmented", longKey("s", storage.MaxKeyLen, 200)},
		{"MaxLengthMultibyte", longKey("é", storage.MaxKeyLen, 200)},
	}
}

// plainKeys are stored with the odd keys in OddKeys/Together: a backend
// that normalises "a//b", "x/./y" or "a/b/../../c" stores them at the
// same place.
var plainKeys = []string{"a/b", "x/y", "y", "b", "c", "dir", "seg/" + strings.Repeat("L", 299) + "/end"}

// invalidKeys are refused by every backend with ErrInvalidKey.
func invalidKeys() []namedKey {
	return []namedKey{
		{"Empty", ""},
		{"TooLong", longKey("k", storage.MaxKeyLen+1, 200)},
		{"TooLongMultibyte", strings.Repeat("é", storage.MaxKeyLen/2+1)},
		{"NUL", "nul\x00byte"},
		{"Newline", "line\nfeed"},
		{"CarriageReturn", "cr\rlf"},
		{"Tab", "tab\there"},
		{"Escape", "\x1b[31mred"},
		{"DEL", "del\x7f"},
		{"InvalidUTF8", "bad\xff\xfe"},
		{"TruncatedUTF8", "cut\xe6\x97"},
		{"Surrogate", "\xed\xa0\x80"},
	}
}

// longKey returns a key of exactly n bytes made of unit, with a "/" after
// at most seg bytes, never splitting a character and never ending in
// "/".
func longKey(unit string, n, seg int) string {
	var b strings.Builder
	run := 0
	for b.Len() < n {
		switch {
		case run+len(unit) > seg && n-b.Len() > 1:
			b.WriteByte('/')
			run = 0
		case b.Len()+len(unit) <= n:
			b.WriteString(unit)
			run += len(unit)
		default:
			b.WriteByte('x')
			run++
		}
	}
	return b.String()
}

// testOddKeys: each odd key round-trips through Put, Stat, Get, List and
// Delete, alone and together with the others; a key the harness declares
// rejected fails at Put and changes nothing.
func (s *suite) testOddKeys(t *testing.T) {
	b := s.bucket(t)
	const sentinel = "sentinel.txt"
	put(t, b, sentinel, []byte(sentinel), nil)
	var accepted []string
	for _, k := range oddKeys() {
		if s.h.rejects(k.key) {
			t.Run(k.name, func(t *testing.T) { checkRejected(t, b, k.key) })
			continue
		}
		accepted = append(accepted, k.key)
		t.Run(k.name, func(t *testing.T) { checkKeyRoundTrip(t, b, k.key) })
	}
	t.Run("Together", func(t *testing.T) {
		keys := append([]string{sentinel}, accepted...)
		for _, k := range plainKeys {
			if !slices.Contains(keys, k) && !s.h.rejects(k) {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			put(t, b, k, []byte(k), nil)
		}
		for _, k := range keys {
			if _, got := get(t, b, k, nil); string(got) != k {
				t.Errorf("Get(%q) = %q: another key's object", k, got)
			}
		}
		slices.Sort(keys)
		var listed []string
		for page, err := range storage.Pages(t.Context(), b, &storage.ListOptions{Limit: 7}) {
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			for _, a := range page.Objects {
				listed = append(listed, a.Key)
			}
		}
		if !slices.Equal(listed, keys) {
			t.Errorf("List (pages of 7) =\n\t%q\nwant\n\t%q", listed, keys)
		}
	})
}

// checkKeyRoundTrip stores key (its own bytes as the body), reads it back
// every way, and deletes it.
func checkKeyRoundTrip(t *testing.T, b storage.Bucket, key string) {
	a := put(t, b, key, []byte(key), nil)
	if sa := stat(t, b, key); sa.ETag != a.ETag || sa.Size != a.Size {
		t.Errorf("Stat(%q): Size, ETag = %d, %s; Put returned %d, %s", key, sa.Size, sa.ETag, a.Size, a.ETag)
	}
	checkBody(t, b, key, []byte(key), a.ETag)
	page, err := b.List(t.Context(), &storage.ListOptions{Prefix: key})
	if err != nil {
		t.Fatalf("List(Prefix %q): %v", key, err)
	}
	if len(page.Objects) != 1 || page.Objects[0].Key != key || len(page.Prefixes) != 0 {
		t.Errorf("List(Prefix %q) = %q, prefixes %q; want just the key", key, objectKeys(page.Objects), page.Prefixes)
	}
	if err := b.Delete(t.Context(), key, nil); err != nil {
		t.Fatalf("Delete(%q): %v", key, err)
	}
	checkMissing(t, b, key)
}

// checkRejected checks that a Put of a key the harness declares rejected
// fails and leaves the bucket unchanged.
func checkRejected(t *testing.T, b storage.Bucket, key string) {
	before := snapshot(t, b)
	_, err := b.Put(t.Context(), key, strings.NewReader(key), nil)
	if err == nil {
		t.Errorf("Put(%q) succeeded, but the harness declares the key rejected", key)
		_ = b.Delete(t.Context(), key, nil)
		return
	}
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:100] + "..." + msg[len(msg)-100:]
	}
	t.Logf("declared rejected by the harness: %s", msg)
	checkStorageError(t, err, "put", key)
	if after := snapshot(t, b); !maps.Equal(after, before) {
		t.Errorf("a rejected Put(%q) changed the bucket: before %q, after %q", key, before, after)
	}
}

// testInvalidKeys: keys no backend accepts fail with ErrInvalidKey on
// every operation and store nothing.
func (s *suite) testInvalidKeys(t *testing.T) {
	b := s.bucket(t)
	put(t, b, "sentinel.txt", []byte("x"), nil)
	before := snapshot(t, b)
	for _, k := range invalidKeys() {
		t.Run(k.name, func(t *testing.T) {
			ctx := t.Context()
			_, err := b.Put(ctx, k.key, strings.NewReader("x"), nil)
			checkErr(t, err, storage.ErrInvalidKey, "put", k.key)
			_, err = b.Get(ctx, k.key, nil)
			checkErr(t, err, storage.ErrInvalidKey, "get", k.key)
			_, err = b.Stat(ctx, k.key)
			checkErr(t, err, storage.ErrInvalidKey, "stat", k.key)
			err = b.Delete(ctx, k.key, nil)
			checkErr(t, err, storage.ErrInvalidKey, "delete", k.key)
		})
	}
	if after := snapshot(t, b); !maps.Equal(after, before) {
		t.Errorf("invalid keys changed the bucket: before %q, after %q", before, after)
	}
}

// testKeysAreExact: keys are byte strings. Keys differing only in case,
// or in Unicode normalisation form, are different objects.
func (s *suite) testKeysAreExact(t *testing.T) {
	b := s.bucket(t)
	keys := []string{"Case.txt", "case.txt", "CASE.TXT", "caf\u00e9", "cafe\u0301"}
	for _, k := range keys {
		put(t, b, k, []byte(k), nil)
	}
	for _, k := range keys {
		if _, got := get(t, b, k, nil); string(got) != k {
			t.Errorf("Get(%q) = %q: another key's object", k, got)
		}
	}
	want := slices.Sorted(slices.Values(keys))
	if got := slices.Sorted(maps.Keys(snapshot(t, b))); !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
}

// nestedKeys are keys that continue one another past a "/": S3 and R2
// hold them together as distinct objects.
var nestedKeys = []string{
	"a", "a/", "a/b", "a//b", "a/b/", "a/./b", "a/../a/b", "a/" + strings.Repeat("L", 300), "b", "b/é", "b/é/",
}

// testNestedKeys: a key and keys that continue it past a "/" ("a" and
// "a/b", "a/" and "a//b") are distinct objects: each holds its own body,
// List returns all of them in byte order and groups them by delimiter,
// and deleting one leaves the others.
func (s *suite) testNestedKeys(t *testing.T) {
	b := s.bucket(t)
	keys := s.h.storable(t, "nested keys", nestedKeys)
	for _, k := range keys {
		put(t, b, k, []byte(k), &storage.PutOptions{IfNoneMatch: "*"})
	}
	for _, k := range keys {
		if _, got := get(t, b, k, nil); string(got) != k {
			t.Errorf("Get(%q) = %q: another key's object", k, got)
		}
	}
	for _, o := range []storage.ListOptions{{}, {Delimiter: "/"}, {Prefix: "a/", Delimiter: "/"}, {Prefix: "a/b"}, {Prefix: "a", StartAfter: "a/"}} {
		checkListing(t, b, keys, o)
	}
	for i, k := range keys {
		if err := b.Delete(t.Context(), k, nil); err != nil {
			t.Fatalf("Delete(%q): %v", k, err)
		}
		checkMissing(t, b, k)
		want := map[string]string{}
		for _, other := range keys[i+1:] {
			want[other] = storage.MD5ETag([]byte(other))
		}
		if got := snapshot(t, b); !maps.Equal(got, want) {
			t.Fatalf("after deleting %q, the bucket holds %q, want %q", k, got, want)
		}
	}
}

// objectKeys returns the keys of a listing.
func objectKeys(objs []*storage.Attrs) []string {
	keys := make([]string, len(objs))
	for i, a := range objs {
		keys[i] = a.Key
	}
	return keys
}

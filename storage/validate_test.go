package storage_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/r2kit/r2kit/storage"
)

func TestValidateKey(t *testing.T) {
	valid := []string{
		"a", "assistants/asst_1.json", "日本語/🙂", "a b", "~", "a//b", "../x", "dir/",
		strings.Repeat("k", storage.MaxKeyLen), strings.Repeat("é", storage.MaxKeyLen/2),
		"line\u2028sep", "\u0085next-line",
	}
	for _, k := range valid {
		if err := storage.ValidateKey(k); err != nil {
			t.Errorf("ValidateKey(%q) = %v, want nil", k, err)
		}
	}
	invalid := []string{
		"", strings.Repeat("k", storage.MaxKeyLen+1), strings.Repeat("é", storage.MaxKeyLen/2+1),
		"nul\x00", "\n", "tab\t", "\x1f", "del\x7f", "\xff", "cut\xc3", "\xed\xa0\x80",
	}
	for _, k := range invalid {
		if err := storage.ValidateKey(k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, want an error matching ErrInvalidKey", k, err)
		}
	}
}

func FuzzValidateKey(f *testing.F) {
	for _, k := range []string{"", "a", "a/b", "nul\x00", "\xff", "日本", "del\x7f", strings.Repeat("k", 1025)} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		ok := key != "" && len(key) <= storage.MaxKeyLen && utf8.ValidString(key) &&
			!strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f })
		err := storage.ValidateKey(key)
		switch {
		case ok && err != nil:
			t.Errorf("ValidateKey(%q) = %v for a valid key", key, err)
		case !ok && err == nil:
			t.Errorf("ValidateKey(%q) accepted an invalid key", key)
		case err != nil && !errors.Is(err, storage.ErrInvalidKey):
			t.Errorf("ValidateKey(%q) = %v, does not match ErrInvalidKey", key, err)
		}
	})
}

func TestValidateMetadata(t *testing.T) {
	full := strings.Repeat("v", storage.MaxMetadataSize-1)
	valid := []map[string]string{
		nil, {}, {"a": "b"}, {"Write-Id": "w 1", "trace_id": "~!@#"}, {"k": ""}, {"k": full},
	}
	for _, md := range valid {
		if err := storage.ValidateMetadata(md); err != nil {
			t.Errorf("ValidateMetadata(%q) = %v, want nil", md, err)
		}
	}
	invalid := []map[string]string{
		{"": "x"}, {"bad key": "x"}, {"clé": "x"}, {"a:b": "x"}, {"a.b": "x"},
		{"k": "a\nb"}, {"k": "café"}, {"k": "\x7f"}, {"Owner": "a", "owner": "b"}, {"k": full + "v"},
	}
	for _, md := range invalid {
		if err := storage.ValidateMetadata(md); !errors.Is(err, storage.ErrInvalidArgument) {
			t.Errorf("ValidateMetadata(%q) = %v, want an error matching ErrInvalidArgument", md, err)
		}
	}
}

func TestNormalizeETag(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"abc", `"abc"`},
		{`"abc"`, `"abc"`},
		{`W/"abc"`, `"abc"`},
		{` "abc" `, `"abc"`},
		{`"abc-2"`, `"abc-2"`},
	}
	for _, tt := range tests {
		if got := storage.NormalizeETag(tt.in); got != tt.want {
			t.Errorf("NormalizeETag(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if storage.ETagsEqual("", "") || !storage.ETagsEqual("abc", `"abc"`) || storage.ETagsEqual(`"abc"`, `"abd"`) {
		t.Error("ETagsEqual is wrong")
	}
}

func TestClipRange(t *testing.T) {
	const size = 10
	tests := []struct {
		r           *storage.Range
		off, length int64
		err         error
	}{
		{nil, 0, size, nil},
		{&storage.Range{Offset: 0, Length: -1}, 0, size, nil},
		{&storage.Range{Offset: 2, Length: 3}, 2, 3, nil},
		{&storage.Range{Offset: 8, Length: 5}, 8, 2, nil},
		{&storage.Range{Offset: 4, Length: 0}, 4, 0, nil},
		{&storage.Range{Offset: size, Length: -1}, size, 0, nil},
		{&storage.Range{Offset: size + 1, Length: -1}, 0, 0, storage.ErrInvalidRange},
	}
	for _, tt := range tests {
		off, n, err := storage.ClipRange(tt.r, size)
		if off != tt.off || n != tt.length || !errors.Is(err, tt.err) {
			t.Errorf("ClipRange(%+v, %d) = %d, %d, %v; want %d, %d, %v", tt.r, size, off, n, err, tt.off, tt.length, tt.err)
		}
	}
	if err := storage.ValidateRange(&storage.Range{Offset: -1}); !errors.Is(err, storage.ErrInvalidArgument) {
		t.Errorf("ValidateRange(negative offset) = %v", err)
	}
}

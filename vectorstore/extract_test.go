package vectorstore

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestExtract(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		data       []byte
		want       []string
		not        []string
	}{
		{"txt", "a.txt", []byte("plain text ünïcode"), []string{"plain text ünïcode"}, nil},
		{"md", "a.MD", []byte("# Title\n\nbody"), []string{"# Title", "body"}, nil},
		{"json", "a.json", []byte(`{"k":"value"}`), []string{`"value"`}, nil},
		{"csv", "a.csv", []byte("a,b\n1,2\n"), []string{"a,b\n1,2"}, nil},
		{"go", "main.go", []byte("package main\nfunc main() {}\n"), []string{"func main()"}, nil},
		{"html", "a.html", []byte(`<html><head><title>T</title><style>p{color:red}</style><script>var x = "hidden";</script></head><body><p>Hello &amp; <b>world</b></p><div>next</div></body></html>`),
			[]string{"Hello & world", "next", "T"}, []string{"hidden", "color", "<p>"}},
		{"pdf", "a.pdf", minimalPDF("Hello PDF world"), []string{"Hello PDF world"}, nil},
		{"docx", "a.docx", minimalDOCX("First paragraph", "Second &amp; last"), []string{"First paragraph\nSecond & last"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := extractString(t, tc.file, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("text %q lacks %q", got, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
					t.Errorf("text %q has %q", got, w)
				}
			}
		})
	}
}

func TestExtractErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		data       []byte
		code       string
	}{
		{"unknown extension", "a.exe", []byte("MZ"), CodeUnsupportedFile},
		{"no extension", "README", []byte("x"), CodeUnsupportedFile},
		{"binary as text", "a.txt", []byte{0xff, 0xfe, 0, 1}, CodeInvalidFile},
		{"nul in text", "a.txt", []byte("abc\x00def"), CodeInvalidFile},
		{"truncated utf8", "a.txt", []byte("abc\xe2\x82"), CodeInvalidFile},
		{"corrupt pdf", "a.pdf", []byte("%PDF-1.4\nthis is not a pdf at all"), CodeInvalidFile},
		{"truncated pdf", "a.pdf", minimalPDF("cut")[:200], CodeInvalidFile},
		{"corrupt docx", "a.docx", []byte("PK not a zip"), CodeInvalidFile},
		{"docx without document", "a.docx", func() []byte {
			b := minimalDOCX()
			return []byte(strings.Replace(string(b), "word/document.xml", "word/documenX.xml", -1))
		}(), CodeInvalidFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := extractString(t, tc.file, tc.data)
			var fe *FileError
			if !errors.As(err, &fe) || fe.Code != tc.code {
				t.Fatalf("err = %v, want a FileError with code %s", err, tc.code)
			}
			if fe.Message == "" {
				t.Error("empty message")
			}
		})
	}
}

// A UTF-8 sequence split across reads must pass.
func TestUTF8CheckerSplitRunes(t *testing.T) {
	s := strings.Repeat("héllo wörld € 😀 ", 5000)
	u := &utf8Checker{r: &oneByteReader{s: s}, name: "x"}
	got, err := io.ReadAll(u)
	if err != nil || string(got) != s {
		t.Fatalf("err %v, equal %v", err, string(got) == s)
	}
}

type oneByteReader struct {
	s string
	i int
}

func (r *oneByteReader) Read(p []byte) (int, error) {
	if r.i >= len(r.s) {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 3)], r.s[r.i:])
	r.i += n
	return n, nil
}

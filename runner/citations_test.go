package runner

import (
	"testing"
	"unicode/utf16"

	"github.com/r2kit/r2kit/assistants"
)

// TestCitations: each marker naming a result becomes an annotation
// whose UTF-16 indexes cut exactly the marker out of the text (after
// characters of one, two and four bytes, and one outside the BMP);
// markers naming no result, and look-alikes, stay plain text.
func TestCitations(t *testing.T) {
	sources := [][]assistants.FileSearchResult{{{FileID: "file-a"}, {FileID: "file-b"}}, {{FileID: "file-c"}}}
	text := "é 😀 日本 【0:1†b.txt】 x【1:0】 no【2:0†c】 【0:9†z】 [0:0] 【0:0†a.md】"
	got := citations(text, sources)
	want := []struct{ text, file string }{{"【0:1†b.txt】", "file-b"}, {"【1:0】", "file-c"}, {"【0:0†a.md】", "file-a"}}
	if len(got) != len(want) {
		t.Fatalf("%d annotations: %+v", len(got), got)
	}
	units := utf16.Encode([]rune(text))
	for i, a := range got {
		cut := string(utf16.Decode(units[a.StartIndex:a.EndIndex]))
		if cut != want[i].text || a.Text != want[i].text || a.FileCitation.FileID != want[i].file || a.Type != assistants.AnnotationFileCitation {
			t.Errorf("annotation %d: %+v cuts %q; want %q of %s", i, a, cut, want[i].text, want[i].file)
		}
	}
	if citations(text, nil) != nil {
		t.Error("annotations without any search")
	}
}

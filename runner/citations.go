package runner

import (
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/r2kit/r2kit/assistants"
)

// markerPattern matches a citation marker as the model writes it:
// 【c:i†name】, the name optional (see searchOutput).
var markerPattern = regexp.MustCompile(`【(\d{1,4}):(\d{1,3})(?:†[^】\n]{0,256})?】`)

// citations returns the file_citation annotations of text: one per
// marker that names a result of the run's file_search calls (sources,
// by call number), with start_index and end_index in UTF-16 code units
// (as JavaScript and the SDKs index strings) such that they cut exactly
// the marker out of text. Markers naming no result are left as text.
func citations(text string, sources [][]assistants.FileSearchResult) []assistants.Annotation {
	if len(sources) == 0 {
		return nil
	}
	var out []assistants.Annotation
	pos, units := 0, 0 // a byte offset of text and its UTF-16 offset
	for _, m := range markerPattern.FindAllStringSubmatchIndex(text, -1) {
		c, _ := strconv.Atoi(text[m[2]:m[3]])
		i, _ := strconv.Atoi(text[m[4]:m[5]])
		if c >= len(sources) || i >= len(sources[c]) {
			continue
		}
		start := units + utf16Len(text[pos:m[0]])
		end := start + utf16Len(text[m[0]:m[1]])
		pos, units = m[1], end
		out = append(out, assistants.Annotation{
			Type: assistants.AnnotationFileCitation, Text: text[m[0]:m[1]],
			StartIndex: start, EndIndex: end,
			FileCitation: &assistants.FileRef{FileID: sources[c][i].FileID},
		})
	}
	return out
}

// utf16Len returns the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

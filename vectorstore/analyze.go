package vectorstore

import (
	"strings"
	"unicode"
)

// analyze calls emit for each BM25 term of text: lower-cased runs of
// letters and digits, stop words left out, at most 64 bytes each.
func analyze(text string, emit func(term string)) {
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := text[start:end]
		start = -1
		if len(w) > 64 {
			return
		}
		w = strings.ToLower(w)
		if stopWords[w] {
			return
		}
		emit(w)
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
}

var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an and are as at be but by for if in into is it no not of on or such
		that the their then there these they this to was will with from has have had were which what who how`) {
		stopWords[w] = true
	}
}

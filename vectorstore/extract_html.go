package vectorstore

import (
	"context"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// extractHTML streams the text of an HTML document: tags are dropped,
// entities decoded, script/style/template/noscript contents skipped,
// and block-level elements end a line. It uses golang.org/x/net/html's
// tokenizer, which reads the input incrementally.
func extractHTML(_ context.Context, f *SourceFile) (io.ReadCloser, error) {
	return pipeText(f.Filename, func(w io.Writer) error {
		z := html.NewTokenizer(&utf8Checker{r: f.Body, name: f.Filename})
		skip := 0
		for {
			tt := z.Next()
			switch tt {
			case html.ErrorToken:
				if err := z.Err(); err != io.EOF {
					return err
				}
				return nil
			case html.TextToken:
				if skip > 0 {
					continue
				}
				if _, err := io.WriteString(w, collapseSpace(string(z.Text()))); err != nil {
					return err
				}
			case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
				name, _ := z.TagName()
				a := atom.Lookup(name)
				switch a {
				case atom.Script, atom.Style, atom.Template, atom.Noscript:
					switch tt {
					case html.StartTagToken:
						skip++
					case html.EndTagToken:
						skip = max(skip-1, 0)
					}
					continue
				}
				if blockAtoms[a] {
					if _, err := io.WriteString(w, "\n"); err != nil {
						return err
					}
				}
			}
		}
	}, func() {}), nil
}

var blockAtoms = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Li: true, atom.Tr: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Pre: true, atom.Blockquote: true,
	atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true, atom.Table: true,
	atom.Ul: true, atom.Ol: true, atom.Hr: true, atom.Title: true, atom.Td: true, atom.Th: true,
}

// collapseSpace replaces each run of white space with one space.
func collapseSpace(s string) string {
	if strings.TrimSpace(s) == "" {
		if s == "" {
			return ""
		}
		return " "
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

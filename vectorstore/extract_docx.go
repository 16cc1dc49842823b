package vectorstore

import (
	"archive/zip"
	"context"
	"encoding/xml"
	"io"
)

// extractDOCX streams the text of a Word document's main part,
// word/document.xml, with archive/zip and encoding/xml from the
// standard library: <w:t> runs become text, <w:tab/> a tab, <w:br/> and
// the end of each paragraph <w:p> a newline. No Go DOCX library served
// here is both well kept and free (unioffice needs a paid licence,
// gooxml and godocx are not served), and reading the text runs of one
// XML part needs no more than this. The XML is decoded as a stream, so
// memory stays bounded even for a large document.
func extractDOCX(_ context.Context, f *SourceFile) (io.ReadCloser, error) {
	ra, size, cleanup, err := randomAccess(f)
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		cleanup()
		return nil, fileErr(CodeInvalidFile, err, "file %q is not a readable DOCX (zip): %v", f.Filename, err)
	}
	var part *zip.File
	for _, zf := range zr.File {
		if zf.Name == "word/document.xml" {
			part = zf
			break
		}
	}
	if part == nil {
		cleanup()
		return nil, fileErr(CodeInvalidFile, nil, "file %q has no word/document.xml", f.Filename)
	}
	rc, err := part.Open()
	if err != nil {
		cleanup()
		return nil, fileErr(CodeInvalidFile, err, "file %q: opening word/document.xml: %v", f.Filename, err)
	}
	return pipeText(f.Filename, func(w io.Writer) error {
		return docxText(rc, w)
	}, func() { rc.Close(); cleanup() }), nil
}

const wordNS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

func docxText(r io.Reader, w io.Writer) error {
	d := xml.NewDecoder(r)
	inText := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var out string
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != wordNS {
				continue
			}
			switch t.Name.Local {
			case "t":
				inText = true
			case "tab":
				out = "\t"
			case "br", "cr":
				out = "\n"
			}
		case xml.EndElement:
			if t.Name.Space != wordNS {
				continue
			}
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				out = "\n"
			}
		case xml.CharData:
			if inText {
				out = string(t)
			}
		}
		if out != "" {
			if _, err := io.WriteString(w, out); err != nil {
				return err
			}
		}
	}
}

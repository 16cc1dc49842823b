package vectorstore

import (
	"context"
	"io"

	"github.com/ledongthuc/pdf"
)

// extractPDF streams the text of a PDF page by page with
// github.com/ledongthuc/pdf (pure Go, a maintained fork of rsc.io/pdf):
// only one page's text is in memory at a time. A file it cannot open
// (corrupt, encrypted) is invalid_file.
func extractPDF(ctx context.Context, f *SourceFile) (io.ReadCloser, error) {
	ra, size, cleanup, err := randomAccess(f)
	if err != nil {
		return nil, err
	}
	r, err := openPDF(ra, size)
	if err != nil {
		cleanup()
		return nil, fileErr(CodeInvalidFile, err, "file %q is not a readable PDF: %v", f.Filename, err)
	}
	return pipeText(f.Filename, func(w io.Writer) error {
		for i := 1; i <= r.NumPage(); i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			p := r.Page(i)
			if p.V.IsNull() {
				continue
			}
			text, err := p.GetPlainText(nil)
			if err != nil {
				return fileErr(CodeInvalidFile, err, "page %d of %q could not be read: %v", i, f.Filename, err)
			}
			if _, err := io.WriteString(w, text+"\n"); err != nil {
				return err
			}
		}
		return nil
	}, cleanup), nil
}

// openPDF opens a PDF reader, turning a parser panic into an error.
func openPDF(ra io.ReaderAt, size int64) (r *pdf.Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, errPDFPanic
		}
	}()
	return pdf.NewReader(ra, size)
}

type pdfPanic struct{}

func (pdfPanic) Error() string { return "malformed PDF structure" }

var errPDFPanic error = pdfPanic{}

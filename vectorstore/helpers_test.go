package vectorstore

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// memSource is a Source over files held in memory.
type memSource struct {
	mu    sync.Mutex
	files map[string]memFile
	opens int
}

type memFile struct {
	name string
	data []byte
}

func newMemSource() *memSource { return &memSource{files: map[string]memFile{}} }

func (m *memSource) add(id, name string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[id] = memFile{name, data}
}

type readerAtCloser struct{ *bytes.Reader }

func (readerAtCloser) Close() error { return nil }

func (m *memSource) Open(_ context.Context, id string) (*SourceFile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.opens++
	f, ok := m.files[id]
	if !ok {
		return nil, notFound("file", id)
	}
	return &SourceFile{Filename: f.name, Size: int64(len(f.data)), Body: readerAtCloser{bytes.NewReader(f.data)}}, nil
}

// minimalPDF returns a one-page PDF showing text in Helvetica.
func minimalPDF(text string) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
	content := fmt.Sprintf("BT /F1 24 Tf 72 700 Td (%s) Tj ET", text)
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

// minimalDOCX returns a DOCX whose paragraphs are paras.
func minimalDOCX(paras ...string) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, _ := z.Create("[Content_Types].xml")
	io.WriteString(w, `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)
	w, _ = z.Create("word/document.xml")
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	for _, p := range paras {
		fmt.Fprintf(w, `<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>`, p)
	}
	io.WriteString(w, `</w:body></w:document>`)
	z.Close()
	return b.Bytes()
}

func extractString(t *testing.T, name string, data []byte) (string, error) {
	t.Helper()
	rc, err := Extract(t.Context(), nil, &SourceFile{Filename: name, Size: int64(len(data)), Body: readerAtCloser{bytes.NewReader(data)}})
	if err != nil {
		return "", err
	}
	defer rc.Close()
	out, err := io.ReadAll(rc)
	return string(out), err
}

func memBucket(t testing.TB) storage.Bucket {
	return backendtest.NewBucket(t, "mem")
}

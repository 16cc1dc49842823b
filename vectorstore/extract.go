package vectorstore

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path"
	"strings"
	"unicode/utf8"
)

// A Source opens the bytes of a file by id. The API layer plugs its
// Files store in here; tests use a map. Open must return an error
// matching ErrNotFound for an unknown file id.
type Source interface {
	Open(ctx context.Context, fileID string) (*SourceFile, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context, fileID string) (*SourceFile, error)

// Open calls f.
func (f SourceFunc) Open(ctx context.Context, fileID string) (*SourceFile, error) {
	return f(ctx, fileID)
}

// SourceFile is an open file: its name (whose extension picks the
// extractor), its size in bytes if known (0 if not) and its bytes.
// The caller of Open closes Body. If Body also implements io.ReaderAt
// and Size is set, the formats that need random access (.pdf, .docx)
// read it in place; otherwise they spool it to a temporary file first,
// so memory stays bounded either way.
type SourceFile struct {
	Filename string
	Size     int64
	Body     io.ReadCloser
}

// An Extractor turns a file's bytes into its plain text, streamed: the
// returned reader yields UTF-8 text and must not hold the whole file
// in memory. Errors it returns (from Extract or while reading) that
// are *FileError become the file's last_error; others become
// server_error.
type Extractor interface {
	Extract(ctx context.Context, f *SourceFile) (io.ReadCloser, error)
}

// ExtractorFunc adapts a function to Extractor.
type ExtractorFunc func(ctx context.Context, f *SourceFile) (io.ReadCloser, error)

// Extract calls f.
func (f ExtractorFunc) Extract(ctx context.Context, sf *SourceFile) (io.ReadCloser, error) {
	return f(ctx, sf)
}

// plainExts are the extensions read as UTF-8 text as they are: prose,
// data and the source code languages OpenAI's file_search lists.
var plainExts = map[string]bool{
	".txt": true, ".md": true, ".markdown": true, ".json": true, ".jsonl": true, ".csv": true, ".tsv": true,
	".xml": true, ".yaml": true, ".yml": true, ".toml": true, ".ini": true, ".log": true, ".rst": true, ".tex": true,
	".c": true, ".h": true, ".cc": true, ".cpp": true, ".hpp": true, ".cs": true, ".css": true, ".go": true,
	".java": true, ".js": true, ".mjs": true, ".ts": true, ".tsx": true, ".jsx": true, ".php": true, ".py": true,
	".rb": true, ".rs": true, ".sh": true, ".bash": true, ".swift": true, ".kt": true, ".scala": true, ".sql": true,
	".lua": true, ".pl": true, ".r": true, ".m": true, ".hs": true, ".ex": true, ".exs": true, ".erl": true,
	".clj": true, ".dart": true, ".vue": true, ".svelte": true, ".proto": true, ".graphql": true,
}

// DefaultExtractors maps lower-case file extensions to the built-in
// extractors: plain text and source code, .html/.htm, .pdf and .docx.
func DefaultExtractors() map[string]Extractor {
	m := make(map[string]Extractor, len(plainExts)+4)
	for ext := range plainExts {
		m[ext] = ExtractorFunc(extractPlain)
	}
	m[".html"] = ExtractorFunc(extractHTML)
	m[".htm"] = ExtractorFunc(extractHTML)
	m[".pdf"] = ExtractorFunc(extractPDF)
	m[".docx"] = ExtractorFunc(extractDOCX)
	return m
}

// Extract picks the extractor for f's extension in m (DefaultExtractors
// when m is nil) and opens f's text. An extension with no extractor is
// a *FileError with CodeUnsupportedFile.
func Extract(ctx context.Context, m map[string]Extractor, f *SourceFile) (io.ReadCloser, error) {
	if m == nil {
		m = DefaultExtractors()
	}
	ext := strings.ToLower(path.Ext(f.Filename))
	x, ok := m[ext]
	if !ok {
		if ext == "" {
			return nil, fileErr(CodeUnsupportedFile, nil, "file %q has no extension; supported are .txt, .md, .html, .json, .csv, .pdf, .docx and source code", f.Filename)
		}
		return nil, fileErr(CodeUnsupportedFile, nil, "file type %s is not supported", ext)
	}
	return x.Extract(ctx, f)
}

// extractPlain streams the bytes as they are, checking they are UTF-8.
func extractPlain(_ context.Context, f *SourceFile) (io.ReadCloser, error) {
	return &utf8Checker{r: f.Body, name: f.Filename}, nil
}

// utf8Checker passes bytes through and fails with invalid_file at the
// first byte sequence that is not UTF-8, or a NUL byte (a binary file
// with a text extension). A sequence cut at a read boundary is carried
// over to the next read.
type utf8Checker struct {
	r     io.Reader
	name  string
	buf   []byte
	out   []byte
	carry []byte
	err   error
}

func (u *utf8Checker) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		if u.buf == nil {
			u.buf = make([]byte, 32<<10)
		}
		n := copy(u.buf, u.carry)
		m, err := u.r.Read(u.buf[n:])
		b := u.buf[:n+m]
		cut := completeRunes(b)
		if err != nil && cut != len(b) {
			u.err = fileErr(CodeInvalidFile, nil, "file %q is not valid UTF-8 text", u.name)
			return 0, u.err
		}
		if !utf8.Valid(b[:cut]) || bytes.IndexByte(b[:cut], 0) >= 0 {
			u.err = fileErr(CodeInvalidFile, nil, "file %q is not valid UTF-8 text", u.name)
			return 0, u.err
		}
		u.carry = append(u.carry[:0], b[cut:]...)
		u.out = b[:cut]
		u.err = err
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// completeRunes returns the length of b without an incomplete UTF-8
// sequence at its end.
func completeRunes(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}

func (u *utf8Checker) Close() error { return nil }

// randomAccess returns f's bytes as an io.ReaderAt and its size,
// spooling the body to a temporary file when it is not one. cleanup
// removes the temporary file.
func randomAccess(f *SourceFile) (ra io.ReaderAt, size int64, cleanup func(), err error) {
	if r, ok := f.Body.(io.ReaderAt); ok && f.Size > 0 {
		return r, f.Size, func() {}, nil
	}
	tmp, err := os.CreateTemp("", "r2kit-extract-*")
	if err != nil {
		return nil, 0, nil, fileErr(CodeServerError, err, "spooling %q: %v", f.Filename, err)
	}
	cleanup = func() { tmp.Close(); os.Remove(tmp.Name()) }
	n, err := io.Copy(tmp, bufio.NewReaderSize(f.Body, 64<<10))
	if err != nil {
		cleanup()
		return nil, 0, nil, fileErr(CodeServerError, err, "reading %q: %v", f.Filename, err)
	}
	return tmp, n, cleanup, nil
}

// pipeText runs produce in a goroutine writing to a pipe and returns
// the read end; closing it stops the producer at its next write.
// A panic in a third-party parser becomes invalid_file.
func pipeText(name string, produce func(w io.Writer) error, cleanup func()) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		defer cleanup()
		var err error
		defer func() {
			if r := recover(); r != nil {
				err = fileErr(CodeInvalidFile, nil, "file %q could not be parsed", name)
			}
			pw.CloseWithError(err)
		}()
		err = produce(pw)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) && !errors.Is(err, io.ErrClosedPipe) {
				err = fileErr(CodeInvalidFile, err, "file %q could not be parsed: %v", name, err)
			}
		}
	}()
	return pr
}

package api

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/storage"
)

// fileContent: GET /v1/files/{file_id}/content, the file's bytes,
// streamed from blob storage with Content-Length, Content-Type (as
// uploaded), Content-Disposition (attachment, with the filename) and
// Accept-Ranges. A single byte range ("Range: bytes=a-b", "a-" or "-n")
// answers 206 with Content-Range; a range starting past the end answers
// 416 with "Content-Range: bytes */SIZE". A malformed Range header or
// one with several ranges is ignored (the whole file, 200), as RFC 9110
// allows.
func (s *Server) fileContent(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "file_id", assistants.PrefixFile)
	if err != nil {
		return err
	}
	ctx := r.Context()
	f, err := s.store.Files.GetMetadata(ctx, id)
	if err != nil {
		return err
	}
	size := f.Value.Bytes
	rng, ok := parseRange(r.Header.Get("Range"), size)
	if !ok {
		w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		return rangeNotSatisfiable(size)
	}
	body, err := s.store.Files.GetBlob(ctx, id, rng)
	if err != nil {
		return err
	}
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", body.ContentType)
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/octet-stream")
	}
	h.Set("Content-Length", strconv.FormatInt(body.Length, 10))
	h.Set("Accept-Ranges", "bytes")
	if d := mime.FormatMediaType("attachment", map[string]string{"filename": f.Value.Filename}); d != "" {
		h.Set("Content-Disposition", d)
	}
	status := http.StatusOK
	if rng != nil {
		status = http.StatusPartialContent
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", body.Offset, body.Offset+body.Length-1, body.Size))
	}
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err = io.Copy(w, body)
	return err
}

// rangeNotSatisfiable is the 416 answer for a range outside a file of
// size bytes.
func rangeNotSatisfiable(size int64) *Error {
	return InvalidRequest("", "The requested range is not satisfiable: the file has %d bytes.", size).
		withStatus(http.StatusRequestedRangeNotSatisfiable).withCode("range_not_satisfiable")
}

// parseRange reads a Range header for an object of size bytes. It
// returns the range to read (nil: the whole object, for no header, a
// malformed one, or several ranges) and false if the range cannot be
// satisfied (it starts at or after the end, or asks for the last 0
// bytes).
func parseRange(header string, size int64) (*storage.Range, bool) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil, true
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, true
	}
	if first == "" { // suffix: the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		switch {
		case err != nil || n < 0:
			return nil, true
		case n == 0 || size == 0:
			return nil, false
		}
		n = min(n, size)
		return &storage.Range{Offset: size - n, Length: n}, true
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return nil, true
	}
	end := size - 1
	if last != "" {
		if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
			return nil, true
		}
		end = min(end, size-1)
	}
	if start >= size {
		return nil, false
	}
	return &storage.Range{Offset: start, Length: end - start + 1}, true
}

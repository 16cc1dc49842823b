package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/iox"
)

// maxFieldBytes bounds the value of a multipart field other than the
// file (purpose).
const maxFieldBytes = 256

// upload is the state of one POST /v1/files as its parts arrive.
type upload struct {
	purpose    string
	hasPurpose bool
	file       *assistants.File // set once the file part is stored
}

// uploadFile: POST /v1/files, a multipart/form-data body with the parts
// "file" (with a filename) and "purpose", in either order. The file is
// streamed to blob storage as it arrives, never held whole, and capped
// at Config.MaxUploadBytes (413). The purpose is checked before the
// bytes are stored when it comes first, else right after. A failed
// upload (bad purpose, missing part, malformed body, oversize file, the
// client gone) leaves neither bytes nor a file object. OpenAI's
// expires_after is refused (400): files are kept until deleted.
func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request) (err error) {
	mr, err := multipartReader(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var up upload
	defer func() {
		if err != nil && up.file != nil {
			s.dropBlob(ctx, up.file.ID)
		}
	}()
	for {
		part, err := mr.NextPart()
		if err == io.EOF { // the final boundary; a body cut short is a wrapped EOF
			break
		}
		if err != nil {
			return malformedMultipart(err)
		}
		err = s.uploadPart(ctx, &up, part)
		part.Close()
		if err != nil {
			return err
		}
	}
	f, err := up.finish()
	if err != nil {
		return err
	}
	d, err := s.store.Files.PutMetadata(ctx, *f)
	if err != nil {
		return err
	}
	up.file = nil // stored: it stays, even if the answer cannot be sent
	return WriteJSON(w, http.StatusOK, d.Value)
}

// multipartReader returns the reader of r's multipart/form-data body:
// 415 for another Content-Type, 400 for a missing boundary.
func multipartReader(r *http.Request) (*multipart.Reader, error) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "multipart/form-data" {
		got := "Missing Content-Type"
		if ct != "" {
			got = "Unsupported Content-Type '" + quote(ct) + "'"
		}
		return nil, InvalidRequest("", "%s: upload files as multipart/form-data with the parts 'file' and 'purpose'.", got).
			withStatus(http.StatusUnsupportedMediaType).withCode("unsupported_media_type")
	}
	if params["boundary"] == "" {
		return nil, InvalidRequest("", "Invalid multipart/form-data body: the Content-Type has no boundary.").withCode("invalid_multipart")
	}
	return multipart.NewReader(r.Body, params["boundary"]), nil
}

// malformedMultipart is the answer for a body the multipart reader
// refused: 413 if the body limit was hit, else 400.
func malformedMultipart(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return bodyTooLarge(mb.Limit)
	}
	return InvalidRequest("", "Invalid multipart/form-data body: %s.", strings.TrimPrefix(err.Error(), "multipart: ")).
		withCode("invalid_multipart")
}

// uploadPart handles one part.
func (s *Server) uploadPart(ctx context.Context, up *upload, part *multipart.Part) error {
	switch name := part.FormName(); name {
	case "purpose":
		if up.hasPurpose {
			return InvalidRequest("purpose", "Invalid multipart/form-data body: more than one 'purpose' part.")
		}
		v, err := readField(part, name)
		if err != nil {
			return err
		}
		up.purpose, up.hasPurpose = v, true
		if up.file != nil {
			return checkPurpose(v)
		}
		return nil
	case "file":
		if up.file != nil {
			return InvalidRequest("file", "Invalid multipart/form-data body: more than one 'file' part.")
		}
		return s.storeFilePart(ctx, up, part)
	case "expires_after[anchor]", "expires_after[seconds]", "expires_after":
		return InvalidRequest("expires_after", "Invalid 'expires_after': not supported by this server; files are kept until they are deleted.")
	case "":
		return InvalidRequest("", "Invalid multipart/form-data body: a part has no form-data name.").withCode("invalid_multipart")
	default:
		return InvalidRequest(name, "Unrecognized request argument supplied: %s", quote(name))
	}
}

// readField reads the value of a small part.
func readField(part *multipart.Part, name string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
	switch {
	case err != nil:
		return "", malformedMultipart(err)
	case len(b) > maxFieldBytes:
		return "", InvalidRequest(name, "Invalid '%s': longer than %d bytes.", name, maxFieldBytes)
	}
	return string(b), nil
}

// checkPurpose is OpenAI's 400 for a purpose uploads do not take.
func checkPurpose(p string) error {
	if !slices.Contains(assistants.UploadPurposes, p) {
		return invalidValue("purpose", p, assistants.UploadPurposes)
	}
	return nil
}

// storeFilePart streams the file part to a new file id's blob. The file
// object is checked first (name, and purpose if known), so that a bad
// request stores nothing.
func (s *Server) storeFilePart(ctx context.Context, up *upload, part *multipart.Part) error {
	name := part.FileName()
	if name == "" {
		return InvalidRequest("file", "Invalid 'file': the file part has no filename.")
	}
	if up.hasPurpose {
		if err := checkPurpose(up.purpose); err != nil {
			return err
		}
	}
	f := &assistants.File{ID: assistants.NewID(assistants.PrefixFile), Object: assistants.ObjectFile,
		CreatedAt: s.unixNow(), Filename: name, Purpose: assistants.PurposeAssistants, Status: assistants.FileProcessed}
	if err := f.Validate(); err != nil {
		return err
	}
	body := newRecordingReader(part, s.cfg.MaxUploadBytes)
	attrs, err := s.store.Files.PutBlob(ctx, f.ID, body, &store.BlobOptions{
		ContentType: mediaType(part.Header.Get("Content-Type")), Filename: name})
	if err != nil {
		switch {
		case errors.Is(body.err, errUploadTooLarge):
			return fileTooLarge(s.cfg.MaxUploadBytes)
		case body.err != nil:
			return malformedMultipart(body.err)
		}
		return err
	}
	f.Bytes = attrs.Size
	if !attrs.ExpiresAt.IsZero() {
		f.ExpiresAt = assistants.Ptr(attrs.ExpiresAt.Unix())
	}
	up.file = f
	return nil
}

// finish checks that both parts came and returns the file object.
func (up *upload) finish() (*assistants.File, error) {
	switch {
	case up.file == nil:
		return nil, missingParam("file")
	case !up.hasPurpose:
		return nil, missingParam("purpose")
	}
	if err := checkPurpose(up.purpose); err != nil {
		return nil, err
	}
	up.file.Purpose = up.purpose
	return up.file, nil
}

// dropBlob deletes the bytes of a failed upload.
func (s *Server) dropBlob(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := s.store.Files.Delete(ctx, id); err != nil {
		s.log.ErrorContext(ctx, "could not delete the bytes of a failed upload", "file_id", id,
			"request_id", RequestID(ctx), "error", err.Error())
	}
}

// mediaType returns the part's Content-Type in canonical form, or
// application/octet-stream if it has none or an invalid one.
func mediaType(ct string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil {
		if out := mime.FormatMediaType(mt, params); out != "" {
			return out
		}
	}
	return "application/octet-stream"
}

// errUploadTooLarge marks a file part longer than Config.MaxUploadBytes.
var errUploadTooLarge = errors.New("api: file part over the upload limit")

// recordingReader reads the file part (capped at the upload limit, see
// newRecordingReader) and keeps the first read error: a failure of the
// request body (too large, malformed, cut off) is then told apart from a
// failure of storage, whatever the backend makes of it.
type recordingReader struct {
	r   io.Reader
	err error
}

// newRecordingReader reads r, failing with errUploadTooLarge once more
// than limit bytes came.
func newRecordingReader(r io.Reader, limit int64) *recordingReader {
	return &recordingReader{r: iox.CapReader(r, limit, func() error { return errUploadTooLarge })}
}

func (c *recordingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && c.err == nil {
		c.err = err
	}
	return n, err
}

// fileTooLarge is the 413 answer for a file over limit bytes.
func fileTooLarge(limit int64) *Error {
	return InvalidRequest("file", "File too large: the limit is %d bytes.", limit).
		withStatus(http.StatusRequestEntityTooLarge).withCode("file_too_large")
}

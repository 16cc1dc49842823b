package runner

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/storage"
)

// Images.
//
// A user message's image_url parts reach the model as chat image_url
// parts, URL and detail as they are. Its image_file parts (a file of
// purpose vision or assistants) become image_url parts too: a data URL
// of the file's bytes (data:image/png;base64,...), or, with
// Options.ImageURLs and a bucket that can presign (R2, S3), a presigned
// URL of the bytes valid for Options.ImageURLExpiry. A file that is
// missing, of another purpose, not an image, or larger than
// MaxImageBytes fails the run with last_error invalid_prompt. A model
// that rejects images fails the run with the model's message.

// MaxImageBytes is the largest image file sent to the model (OpenAI's
// limit for one image).
const MaxImageBytes = 20 << 20

// promptError fails the run with last_error invalid_prompt and its
// message.
type promptError struct{ msg string }

func (e *promptError) Error() string { return e.msg }

// images makes the URLs of the image_file parts of msgs.
func (x *execution) images(ctx context.Context, msgs []ChatMessage) error {
	for i := range msgs {
		for j := range msgs[i].Parts {
			p := &msgs[i].Parts[j]
			if p.fileID == "" {
				continue
			}
			url, err := x.imageURL(ctx, p.fileID)
			if err != nil {
				return err
			}
			p.ImageURL.URL = url
		}
	}
	return nil
}

// imageURL returns the URL the model reads image file id from.
func (x *execution) imageURL(ctx context.Context, id string) (string, error) {
	files := x.w.store.Files
	d, err := files.GetMetadata(ctx, id)
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrInvalidKey) {
		return "", &promptError{fmt.Sprintf("image file %s not found", id)}
	}
	if err != nil {
		return "", err
	}
	if p := d.Value.Purpose; p != assistants.PurposeVision && p != assistants.PurposeAssistants {
		return "", &promptError{fmt.Sprintf("image file %s has purpose %s; images need purpose vision or assistants", id, p)}
	}
	if d.Value.Bytes > MaxImageBytes {
		return "", &promptError{fmt.Sprintf("image file %s is %d bytes, above the limit of %d", id, d.Value.Bytes, MaxImageBytes)}
	}
	if x.w.opts.ImageURLs {
		url, err := files.BlobURL(ctx, id, x.w.opts.ImageURLExpiry)
		if err == nil {
			return url, nil
		}
		if !errors.Is(err, storage.ErrUnsupported) {
			return "", err
		}
	}
	return x.dataURL(ctx, id)
}

// dataURL returns the bytes of image file id as a data URL.
func (x *execution) dataURL(ctx context.Context, id string) (string, error) {
	rd, err := x.w.store.Files.GetBlob(ctx, id, nil)
	if errors.Is(err, storage.ErrNotFound) {
		return "", &promptError{fmt.Sprintf("image file %s has no bytes", id)}
	}
	if err != nil {
		return "", err
	}
	defer rd.Close()
	b, err := io.ReadAll(io.LimitReader(rd, MaxImageBytes+1))
	if err != nil {
		return "", fmt.Errorf("read image file %s: %w", id, err)
	}
	if len(b) > MaxImageBytes {
		return "", &promptError{fmt.Sprintf("image file %s is larger than %d bytes", id, MaxImageBytes)}
	}
	typ := rd.ContentType
	if !strings.HasPrefix(typ, "image/") {
		typ = http.DetectContentType(b)
	}
	if !strings.HasPrefix(typ, "image/") {
		return "", &promptError{fmt.Sprintf("image file %s is not an image (%s)", id, typ)}
	}
	typ, _, _ = strings.Cut(typ, ";")
	return "data:" + typ + ";base64," + base64.StdEncoding.EncodeToString(b), nil
}

// defaultImageURLExpiry is how long a presigned image URL is valid.
const defaultImageURLExpiry = time.Hour

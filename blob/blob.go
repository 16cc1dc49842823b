// Package blob stores files in a storage.Bucket: streaming puts and gets
// of any size with bounded memory, a content type, the original file
// name, user metadata and an optional TTL. It is the Go form of the
// seed's putFile, getFile and deleteFile.
package blob

import (
	"context"
	"errors"
	"io"
	"maps"
	"net/url"
	"strings"
	"time"

	"github.com/r2kit/r2kit/storage"
)

// MetaFilename is the metadata key holding the file name, percent-encoded
// so that any UTF-8 name survives the ASCII-only metadata of S3 and R2.
const MetaFilename = "r2kit-filename"

// PutOptions modifies Put. The zero value stores the bytes with no
// content type, name or TTL.
type PutOptions struct {
	// ContentType is the MIME type; empty means
	// application/octet-stream.
	ContentType string
	// Filename is the file's original name.
	Filename string
	// Metadata is user metadata (keys must not use the "r2kit-" prefix).
	Metadata map[string]string
	// TTL, if positive, makes the blob expire TTL after the write.
	TTL time.Duration
	// Size is the body's length if known; zero means unknown (the body
	// is streamed either way).
	Size int64
	// IfNoneMatch "*" stores the blob only if the key is free.
	IfNoneMatch string
	// Now returns the current time for the TTL. Nil means time.Now.
	Now func() time.Time
}

// Attrs describes a stored blob.
type Attrs struct {
	Key         string
	Size        int64
	ETag        string
	ContentType string
	Filename    string
	ModTime     time.Time
	// ExpiresAt is the expiry instant, zero if none.
	ExpiresAt time.Time
	// Metadata is the user metadata, without r2kit's own keys.
	Metadata map[string]string
}

// Reader is an open blob. The caller must Close it.
type Reader struct {
	io.ReadCloser
	// Attrs are the attributes of the whole blob.
	Attrs
	// Offset and Length describe the bytes the Reader yields.
	Offset, Length int64
}

// Put streams r into the blob at key and returns its attributes. Memory
// stays bounded whatever the size: the bytes go straight to the Bucket,
// which streams them (in parts for large or unknown sizes on s3store).
// opts may be nil.
func Put(ctx context.Context, b storage.Bucket, key string, r io.Reader, opts *PutOptions) (*Attrs, error) {
	o := PutOptions{}
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if err := storage.CheckUserMetadata(o.Metadata); err != nil {
		return nil, storage.Wrap("put", key, nil, err)
	}
	md := storage.CreateMetadata("file", o.Now(), o.TTL, o.Metadata)
	if o.Filename != "" {
		md[MetaFilename] = url.PathEscape(o.Filename)
	}
	ct := o.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	a, err := b.Put(ctx, key, r, &storage.PutOptions{
		ContentType: ct, Metadata: md, Size: o.Size, IfNoneMatch: o.IfNoneMatch,
	})
	if err != nil {
		return nil, err
	}
	out := fromStorage(a)
	out.ContentType, out.Filename = ct, o.Filename
	out.ExpiresAt, _ = storage.ExpiresAt(md)
	out.Metadata = userMetadata(storage.NormalizeMetadata(md))
	return out, nil
}

// Get opens the blob at key; rng, if not nil, selects a byte range. A
// missing blob is an error matching storage.ErrNotFound; an expired one
// matches storage.ErrExpired (and ErrNotFound).
func Get(ctx context.Context, b storage.Bucket, key string, rng *storage.Range) (*Reader, error) {
	obj, err := b.Get(ctx, key, &storage.GetOptions{Range: rng})
	if err != nil {
		return nil, err
	}
	if storage.IsExpired(obj.Metadata, time.Now()) {
		obj.Body.Close()
		return nil, expired("get", key, obj.Metadata)
	}
	return &Reader{ReadCloser: obj.Body, Attrs: *fromStorage(&obj.Attrs), Offset: obj.Offset, Length: obj.Length}, nil
}

// Stat returns the attributes of the blob at key.
func Stat(ctx context.Context, b storage.Bucket, key string) (*Attrs, error) {
	a, err := b.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	if storage.IsExpired(a.Metadata, time.Now()) {
		return nil, expired("stat", key, a.Metadata)
	}
	return fromStorage(a), nil
}

// Exists reports whether a live blob is at key.
func Exists(ctx context.Context, b storage.Bucket, key string) (bool, error) {
	_, err := Stat(ctx, b, key)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, storage.ErrNotFound):
		return false, nil
	}
	return false, err
}

// Delete removes the blob at key. It reports whether there was one to
// delete, like the seed's deleteFile.
func Delete(ctx context.Context, b storage.Bucket, key string) (bool, error) {
	err := b.Delete(ctx, key, nil)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, storage.ErrNotFound):
		return false, nil
	}
	return false, err
}

// SignedURL returns a URL that reads the blob without credentials until
// expiry has passed. Backends that cannot presign (memstore, filestore)
// return an error matching storage.ErrUnsupported.
func SignedURL(ctx context.Context, b storage.Bucket, key string, expiry time.Duration) (string, error) {
	if err := storage.ValidateKey(key); err != nil {
		return "", storage.Wrap("presign", key, nil, err)
	}
	return storage.PresignGet(ctx, b, key, expiry)
}

func expired(op, key string, md map[string]string) error {
	at, _ := storage.ExpiresAt(md)
	return storage.Errorf(op, key, storage.ErrExpired, "expired at %s", at.UTC().Format(time.RFC3339))
}

func fromStorage(a *storage.Attrs) *Attrs {
	out := &Attrs{Key: a.Key, Size: a.Size, ETag: a.ETag, ContentType: a.ContentType, ModTime: a.ModTime,
		Metadata: userMetadata(a.Metadata)}
	out.ExpiresAt, _ = storage.ExpiresAt(a.Metadata)
	if name, ok := a.Metadata[MetaFilename]; ok {
		if dec, err := url.PathUnescape(name); err == nil {
			out.Filename = dec
		}
	}
	return out
}

// userMetadata returns md without r2kit's own keys.
func userMetadata(md map[string]string) map[string]string {
	out := maps.Clone(md)
	for k := range out {
		if strings.HasPrefix(k, "r2kit-") {
			delete(out, k)
		}
	}
	return out
}

package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/internal/iox"

	"github.com/r2kit/r2kit/blob"
	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
)

// Files keeps files: the file object (metadata) at files/{id}.json,
// with a desc index marker, and the bytes at blobs/{id}: the seed's
// FileStorage. Every method validates the id (ParseID with "file-")
// before it becomes a key, and every metadata write validates the file
// object first.
//
// Bytes stream in and out (PutBlob, GetBlob) with bounded memory,
// whatever their size, up to Options.MaxFileBytes. Delete removes
// the metadata first (the file is then gone for readers and listings),
// then its marker, then the bytes; an interrupted delete leaves an
// orphan blob (or marker) that (*DB).Repair removes.
type Files struct {
	s *DB
	k kind
}

func (st *Files) ref(op, id string) (ref, error) {
	key, err := FileKey(id)
	if err != nil {
		return ref{}, invalidID(op, err)
	}
	return ref{id: id, key: key, marker: fileScope().marker(id), what: entity{assistants.ObjectFile, id}}, nil
}

func (st *Files) blobKey(op, id string) (string, error) {
	key, err := FileBlobKey(id)
	if err != nil {
		return "", invalidID(op, err)
	}
	return key, nil
}

func fileKeyOf(f *assistants.File) (string, error) { return FileKey(f.ID) }

// GetMetadata returns the file object with id. A missing (or expired)
// file is a *NotFoundError (matching ErrNotFound).
func (st *Files) GetMetadata(ctx context.Context, id string) (*doc.Doc[assistants.File], error) {
	r, err := st.ref("get file", id)
	if err != nil {
		return nil, err
	}
	return getEntity[assistants.File](ctx, st.k, r)
}

// Exists reports whether a live file object with id exists.
func (st *Files) Exists(ctx context.Context, id string) (bool, error) {
	r, err := st.ref("stat file", id)
	if err != nil {
		return false, err
	}
	return existsEntity(ctx, st.k, r)
}

// PutMetadata writes f, creating or replacing the file object f.ID (two
// PUTs: the marker, then the object).
func (st *Files) PutMetadata(ctx context.Context, f assistants.File) (*doc.Doc[assistants.File], error) {
	r, err := st.ref("put file", f.ID)
	if err != nil {
		return nil, err
	}
	return create(ctx, st.k, "put file", r, f, overwrite, createOptions{})
}

// UpdateMetadata applies fn to the file object with id and writes the
// result conditionally, retrying after conflicts. It does not create.
func (st *Files) UpdateMetadata(ctx context.Context, id string, fn func(*assistants.File) error) (*doc.Doc[assistants.File], error) {
	r, err := st.ref("update file", id)
	if err != nil {
		return nil, err
	}
	return update(ctx, st.k, "update file", r, fileKeyOf, nil, fn)
}

// BlobOptions describe the bytes of PutBlob. The zero value stores them
// as application/octet-stream with no name.
type BlobOptions struct {
	ContentType string
	Filename    string
	// Size is the body's length when known; zero means unknown (it is
	// still streamed).
	Size int64
	// Metadata is user metadata stored with the bytes (keys must not
	// start with "r2kit-").
	Metadata map[string]string
}

// ErrFileTooLarge is matched by the error of a file body longer than
// Options.MaxFileBytes. It also matches storage.ErrInvalidArgument.
var ErrFileTooLarge = fmt.Errorf("%w: file too large", storage.ErrInvalidArgument)

// tooLarge is the cause of a body longer than limit bytes.
func tooLarge(limit int64) error {
	return fmt.Errorf("%w: larger than %d bytes", ErrFileTooLarge, limit)
}

// PutBlob streams body into the bytes of file id, replacing any there,
// with the file TTL. Memory stays bounded whatever the size; a body
// longer than Options.MaxFileBytes fails with an error matching
// ErrFileTooLarge and stores nothing. opts may be nil.
func (st *Files) PutBlob(ctx context.Context, id string, body io.Reader, opts *BlobOptions) (*blob.Attrs, error) {
	key, err := st.blobKey("put file blob", id)
	if err != nil {
		return nil, err
	}
	o := BlobOptions{}
	if opts != nil {
		o = *opts
	}
	if o.Size == 0 {
		o.Size = max(storage.BodySize(body, nil), 0)
	}
	limit := st.s.opts.MaxFileBytes
	if o.Size > limit {
		return nil, storage.Wrap("put", key, nil, tooLarge(limit))
	}
	return blob.Put(ctx, st.s.b, key, iox.CapReader(body, limit, func() error { return tooLarge(limit) }), &blob.PutOptions{
		ContentType: o.ContentType, Filename: o.Filename, Metadata: o.Metadata,
		Size: o.Size, TTL: st.k.ttl, Now: st.s.opts.Now,
	})
}

// GetBlob opens the bytes of file id; rng, if not nil, selects a byte
// range. The caller must close the reader. Missing (or expired) bytes
// are a *NotFoundError (matching ErrNotFound).
func (st *Files) GetBlob(ctx context.Context, id string, rng *storage.Range) (*blob.Reader, error) {
	key, err := st.blobKey("get file blob", id)
	if err != nil {
		return nil, err
	}
	rd, err := blob.Get(ctx, st.s.b, key, rng)
	return rd, entity{assistants.ObjectFile, id}.notFound(err)
}

// BlobURL returns a presigned URL that reads the bytes of file id
// without credentials until expiry has passed. Backends that cannot
// presign (memstore, filestore) return an error matching
// storage.ErrUnsupported. It does not check that the file exists.
func (st *Files) BlobURL(ctx context.Context, id string, expiry time.Duration) (string, error) {
	key, err := st.blobKey("presign file blob", id)
	if err != nil {
		return "", err
	}
	return blob.SignedURL(ctx, st.s.b, key, expiry)
}

// Delete removes file id: the file object, then its index marker, then
// its bytes. It fails with a *NotFoundError (matching ErrNotFound) only if
// there was neither an object nor bytes.
func (st *Files) Delete(ctx context.Context, id string) error {
	const op = "delete file"
	r, err := st.ref(op, id)
	if err != nil {
		return err
	}
	key, err := st.blobKey(op, id)
	if err != nil {
		return err
	}
	hadMeta := true
	if err := remove(ctx, st.k, r, ""); errors.Is(err, storage.ErrNotFound) {
		hadMeta = false
	} else if err != nil {
		return err
	}
	hadBlob, err := blob.Delete(ctx, st.s.b, key)
	switch {
	case err != nil:
		return storage.Wrap(op, r.key, nil, err)
	case !hadMeta && !hadBlob:
		return r.what.notFound(storage.Errorf(op, r.key, storage.ErrNotFound, "no file %s", id))
	}
	return nil
}

// FileUpload describes a file for Create.
type FileUpload struct {
	// Filename is the file's name (required).
	Filename string
	// Purpose is one of UploadPurposes.
	Purpose string
	// ContentType of the bytes; empty means application/octet-stream.
	ContentType string
	// Size is the body's length if known.
	Size int64
}

// Create stores a new file: a new id, the bytes streamed from body
// (PutBlob), then the file object (status processed, bytes the stored
// length, expires_at when the file TTL is on). The purpose and name are
// validated before anything is written. If the object cannot be
// written, the bytes are deleted again.
func (st *Files) Create(ctx context.Context, body io.Reader, up FileUpload) (*doc.Doc[assistants.File], error) {
	const op = "create file"
	if err := assistants.ValidateUploadPurpose(up.Purpose); err != nil {
		return nil, invalidParams(op, err)
	}
	now := st.s.now()
	f := assistants.File{ID: assistants.NewID(assistants.PrefixFile), Object: assistants.ObjectFile, CreatedAt: now.Unix(),
		Filename: up.Filename, Purpose: up.Purpose, Status: assistants.FileProcessed}
	if st.k.ttl > 0 {
		f.ExpiresAt = assistants.Ptr(now.Add(st.k.ttl).Unix())
	}
	if err := validateValue(op, "", &f); err != nil {
		return nil, err
	}
	a, err := st.PutBlob(ctx, f.ID, body, &BlobOptions{ContentType: up.ContentType, Filename: up.Filename, Size: up.Size})
	if err != nil {
		return nil, err
	}
	f.Bytes = a.Size
	d, err := st.PutMetadata(ctx, f)
	if err != nil {
		_, _ = blob.Delete(context.WithoutCancel(ctx), st.s.b, a.Key)
		return nil, err
	}
	return d, nil
}

// List returns a page of files, newest first by default, optionally of
// one purpose (filtered after the Gets). GET /files allows up to 10,000
// files a page: a page lists at most 1,000 keys per List call, so a page
// of n files costs about n/1,000 List calls and n+1 Gets in waves.
func (st *Files) List(ctx context.Context, p assistants.FileListParams) (assistants.List[assistants.File], error) {
	const op = "list files"
	p, err := p.Normalize()
	if err != nil {
		return assistants.List[assistants.File]{}, invalidParams(op, err)
	}
	q := query[assistants.File]{
		sc: fileScope(), p: assistants.ListParams{Limit: p.Limit, Order: p.Order, After: p.After},
		idOf: func(f *assistants.File) string { return f.ID },
	}
	if purpose := p.Purpose; purpose != "" {
		q.keep = func(f *assistants.File) bool { return f.Purpose == purpose }
	}
	return listPage(ctx, st.s, op, q)
}

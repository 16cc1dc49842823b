package store_test

import (
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/memtest"
	"github.com/r2kit/r2kit/storage"
)

func digest(t *testing.T, r io.Reader) ([32]byte, int64) {
	t.Helper()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return [32]byte(h.Sum(nil)), n
}

func TestFileBlobs(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		b := newBucket(t)
		s := store.Open(b, nil)
		const size = 6<<20 + 12345
		want, _ := digest(t, memtest.NewRandomReader(1, size))

		// Create streams a body of unknown length.
		f, err := s.Files.Create(ctx, io.MultiReader(memtest.NewRandomReader(1, size)), store.FileUpload{
			Filename: "report ü.bin", Purpose: assistants.PurposeAssistants, ContentType: "application/x-test"})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		id := f.Value.ID
		if f.Value.Bytes != size || f.Value.Status != assistants.FileProcessed || f.Value.ExpiresAt == nil {
			t.Fatalf("file object = %+v", f.Value)
		}
		r, err := s.Files.GetBlob(ctx, id, nil)
		if err != nil {
			t.Fatalf("GetBlob: %v", err)
		}
		got, n := digest(t, r)
		r.Close()
		if n != size || got != want || r.Filename != "report ü.bin" || r.ContentType != "application/x-test" {
			t.Fatalf("round trip: %d bytes, same %v, name %q, type %q", n, got == want, r.Filename, r.ContentType)
		}
		// A range read.
		r, err = s.Files.GetBlob(ctx, id, &storage.Range{Offset: size - 10, Length: 100})
		if err != nil {
			t.Fatal(err)
		}
		tail, _ := io.ReadAll(r)
		r.Close()
		all, _ := io.ReadAll(memtest.NewRandomReader(1, size))
		if !slices.Equal(tail, all[size-10:]) {
			t.Fatalf("range read = %x", tail)
		}
		// A known length streams too; replacing the bytes.
		if _, err := s.Files.PutBlob(ctx, id, memtest.NewRandomReader(2, 1000), &store.BlobOptions{Size: 1000}); err != nil {
			t.Fatalf("PutBlob: %v", err)
		}
		r, _ = s.Files.GetBlob(ctx, id, nil)
		_, n = digest(t, r)
		r.Close()
		if n != 1000 {
			t.Fatalf("replaced blob has %d bytes", n)
		}

		// Presigned URLs where the backend can sign.
		url, err := s.Files.BlobURL(ctx, id, time.Minute)
		switch {
		case strings.HasPrefix(t.Name(), "TestFileBlobs/s3"), strings.HasPrefix(t.Name(), "TestFileBlobs/r2"):
			if err != nil {
				t.Fatalf("BlobURL: %v", err)
			}
			resp, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || len(body) != 1000 {
				t.Fatalf("GET presigned URL: %s, %d bytes", resp.Status, len(body))
			}
		case !errors.Is(err, storage.ErrUnsupported):
			t.Fatalf("BlobURL on %s: err = %v, want ErrUnsupported", t.Name(), err)
		}

		if err := s.Files.Delete(ctx, id); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if got := allKeys(t, b); len(got) != 0 {
			t.Fatalf("keys after Delete: %q", got)
		}
		if _, err := s.Files.GetBlob(ctx, id, nil); !errors.Is(err, doc.ErrNotFound) {
			t.Fatalf("GetBlob after Delete: err = %v", err)
		}
		if err := s.Files.Delete(ctx, id); !errors.Is(err, doc.ErrNotFound) {
			t.Fatalf("second Delete: err = %v", err)
		}
	})
}

func TestFileList(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		s := store.Open(newBucket(t), nil)
		var all, vision []string
		for i := range 12 {
			purpose := assistants.PurposeAssistants
			if i%4 == 1 {
				purpose = assistants.PurposeVision
			}
			f, err := s.Files.Create(ctx, strings.NewReader("x"), store.FileUpload{Filename: "f", Purpose: purpose})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, f.Value.ID)
			if purpose == assistants.PurposeVision {
				vision = append(vision, f.Value.ID)
			}
		}
		fileID := func(f *assistants.File) string { return f.ID }
		l, err := s.Files.List(ctx, assistants.FileListParams{})
		if err != nil || !slices.Equal(ids(l, fileID), reversed(all)) || l.HasMore {
			t.Fatalf("List = %q, %v", ids(l, fileID), err)
		}
		var got []string
		after := ""
		for {
			l, err := s.Files.List(ctx, assistants.FileListParams{Purpose: assistants.PurposeVision, Order: "asc", Limit: 2, After: after})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(l, fileID)...)
			if !l.HasMore {
				break
			}
			after = *l.LastID
		}
		if !slices.Equal(got, vision) {
			t.Fatalf("vision files = %q, want %q", got, vision)
		}
		if _, err := s.Files.List(ctx, assistants.FileListParams{Purpose: "nonsense"}); !errors.Is(err, doc.ErrValidation) {
			t.Fatalf("bad purpose: err = %v", err)
		}
	})
}

// Options.MaxFileBytes is the file size limit: a body up to it is
// stored, a longer one fails with ErrFileTooLarge and leaves nothing.
func TestFileSizeLimit(t *testing.T) {
	ctx := t.Context()
	b := backendtest.NewBucket(t, "mem")
	s := store.Open(b, &store.Options{MaxFileBytes: 100})
	up := store.FileUpload{Filename: "f.bin", Purpose: assistants.PurposeAssistants}
	f, err := s.Files.Create(ctx, io.MultiReader(memtest.NewRandomReader(1, 100)), up)
	if err != nil || f.Value.Bytes != 100 {
		t.Fatalf("Create of 100 bytes: %v", err)
	}
	_, err = s.Files.Create(ctx, io.MultiReader(memtest.NewRandomReader(1, 101)), up)
	if !errors.Is(err, store.ErrFileTooLarge) || !errors.Is(err, storage.ErrInvalidArgument) {
		t.Fatalf("Create of 101 bytes: %v", err)
	}
	_, err = s.Files.PutBlob(ctx, "file-x", strings.NewReader(strings.Repeat("x", 101)), nil)
	if !errors.Is(err, store.ErrFileTooLarge) {
		t.Fatalf("PutBlob of 101 known bytes: %v", err)
	}
	page, err := b.List(ctx, &storage.ListOptions{Prefix: store.BlobsPrefix})
	if err != nil || len(page.Objects) != 1 {
		t.Fatalf("blobs after the refused creates: %+v, %v", page, err)
	}
}

//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/filestore"
)

func Example() {
	dir, err := os.MkdirTemp("", "filestore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	b, err := filestore.Open(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()

	// Create a document only if it does not exist yet.
	a, err := b.Put(ctx, "threads/t1.json", strings.NewReader(`{"title":"hi"}`),
		&storage.PutOptions{ContentType: "application/json", IfNoneMatch: "*"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created, etag", a.ETag)

	// Replace it only if nobody changed it since.
	_, err = b.Put(ctx, "threads/t1.json", strings.NewReader(`{"title":"hello"}`),
		&storage.PutOptions{ContentType: "application/json", IfMatch: a.ETag})
	fmt.Println("first update:", err)
	_, err = b.Put(ctx, "threads/t1.json", strings.NewReader(`{"title":"lost"}`),
		&storage.PutOptions{IfMatch: a.ETag})
	fmt.Println("stale update lost:", errors.Is(err, storage.ErrPreconditionFailed))

	obj, err := b.Get(ctx, "threads/t1.json", nil)
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	fmt.Println(obj.ContentType, string(body))

	// The key's directories end in %2F under the directory.
	_, err = os.Stat(filepath.Join(dir, "threads%2F", "t1.json"))
	fmt.Println("file exists:", err == nil)

	// Every key S3 and R2 accept is a key, even one that looks like a
	// path out of the directory: it stays inside.
	_, err = b.Put(ctx, "../outside", strings.NewReader("x"), nil)
	fmt.Println("put ../outside:", err)
	_, err = os.Stat(filepath.Join(dir, "%2E.%2F", "outside"))
	fmt.Println("stored inside:", err == nil)

	// Output:
	// created, etag "2bd028e6cffe66f3471ccaf4cf8a739d"
	// first update: <nil>
	// stale update lost: true
	// application/json {"title":"hello"}
	// file exists: true
	// put ../outside: <nil>
	// stored inside: true
}

package blob_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/r2kit/r2kit/blob"
	"github.com/r2kit/r2kit/storage/memstore"
)

func Example() {
	ctx := context.Background()
	b := memstore.New()

	_, err := blob.Put(ctx, b, "blobs/file-abc", strings.NewReader("hello, world"), &blob.PutOptions{
		ContentType: "text/plain", Filename: "hello.txt",
	})
	if err != nil {
		panic(err)
	}
	r, err := blob.Get(ctx, b, "blobs/file-abc", nil)
	if err != nil {
		panic(err)
	}
	defer r.Close()
	body, _ := io.ReadAll(r)
	fmt.Println(r.Filename, r.ContentType, r.Size, string(body))

	deleted, _ := blob.Delete(ctx, b, "blobs/file-abc")
	fmt.Println(deleted)
	// Output:
	// hello.txt text/plain 12 hello, world
	// true
}

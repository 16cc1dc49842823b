package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
)

// A create-only write, a compare-and-swap update and a read.
func Example() {
	ctx := context.Background()
	b := memstore.New()
	defer b.Close()

	const key = "assistants/asst_1.json"
	created, err := b.Put(ctx, key, strings.NewReader(`{"name":"helper"}`),
		&storage.PutOptions{ContentType: "application/json", IfNoneMatch: "*"})
	if err != nil {
		panic(err)
	}
	fmt.Println("created", created.Size, "bytes, etag", created.ETag)

	_, err = b.Put(ctx, key, strings.NewReader(`{"name":"again"}`), &storage.PutOptions{IfNoneMatch: "*"})
	fmt.Println(err)
	fmt.Println(errors.Is(err, storage.ErrPreconditionFailed))

	_, err = b.Put(ctx, key, strings.NewReader(`{"name":"renamed"}`),
		&storage.PutOptions{ContentType: "application/json", IfMatch: created.ETag})
	if err != nil {
		panic(err)
	}
	obj, err := b.Get(ctx, key, nil)
	if err != nil {
		panic(err)
	}
	defer obj.Body.Close()
	body, _ := io.ReadAll(obj.Body)
	fmt.Println(obj.ContentType, string(body))
	// Output:
	// created 17 bytes, etag "8624bf922db4bf2363de9723615cfe6d"
	// put assistants/asst_1.json: precondition failed: key exists
	// true
	// application/json {"name":"renamed"}
}

// Opening a bucket by URL: every mem:// URL is a new, empty bucket.
func Example_open() {
	ctx := context.Background()
	b, err := storage.Open(ctx, "mem://")
	if err != nil {
		panic(err)
	}
	defer b.Close()
	for _, k := range []string{"threads/t2.json", "threads/t1.json", "messages/t1/m1.json"} {
		if _, err := b.Put(ctx, k, strings.NewReader("{}"), nil); err != nil {
			panic(err)
		}
	}
	for a, err := range storage.Objects(ctx, b, &storage.ListOptions{Prefix: "threads/"}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(a.Key)
	}
	// Output:
	// threads/t1.json
	// threads/t2.json
}

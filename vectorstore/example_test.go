package vectorstore_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/r2kit/r2kit/storage/memstore"
	"github.com/r2kit/r2kit/vectorstore"
)

func Example() {
	ctx := context.Background()
	files := map[string]string{
		"file-1": "Goroutines are cheap threads managed by the Go runtime.",
		"file-2": "Rust's ownership rules give memory safety without a garbage collector.",
	}
	src := vectorstore.SourceFunc(func(_ context.Context, id string) (*vectorstore.SourceFile, error) {
		text, ok := files[id]
		if !ok {
			return nil, vectorstore.ErrNotFound
		}
		return &vectorstore.SourceFile{Filename: id + ".txt", Body: io.NopCloser(strings.NewReader(text))}, nil
	})
	svc := vectorstore.New(memstore.New(), src, nil)

	vs, _ := svc.Create(ctx, vectorstore.CreateParams{Name: "docs", FileIDs: []string{"file-1", "file-2"}})
	for _, id := range []string{"file-1", "file-2"} {
		f, _ := svc.Ingest(ctx, vs.ID, id)
		fmt.Println(f.ID, f.Status)
	}
	res, _ := svc.Search(ctx, vs.ID, vectorstore.SearchParams{Query: vectorstore.Query{"memory safety"}})
	for _, r := range res.Data {
		fmt.Printf("%s %s %.2f\n", r.FileID, r.Filename, r.Score)
	}
	// Output:
	// file-1 completed
	// file-2 completed
	// file-2 file-2.txt 0.41
}

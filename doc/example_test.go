package doc_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
)

type Assistant struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Model string `json:"model"`
}

func (a Assistant) Validate() error {
	if a.Model == "" {
		return errors.New("model: required")
	}
	return nil
}

func ExampleGet() {
	ctx := context.Background()
	s := doc.New(memstore.New(), nil)

	if _, err := doc.Put(ctx, s, "assistants/asst_123.json", Assistant{ID: "asst_123", Name: "Helper", Model: "gpt-4o"}, nil); err != nil {
		panic(err)
	}
	d, err := doc.Get[Assistant](ctx, s, "assistants/asst_123.json")
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Value.Name, d.Value.Model)

	_, err = doc.Get[Assistant](ctx, s, "assistants/asst_404.json")
	fmt.Println(errors.Is(err, doc.ErrNotFound))
	// Output:
	// Helper gpt-4o
	// true
}

func ExampleUpdate() {
	ctx := context.Background()
	s := doc.New(memstore.New(), nil)

	type Counter struct{ N int }
	for range 3 {
		_, err := doc.Update(ctx, s, "counters/visits.json", func(c *Counter, exists bool) (Counter, error) {
			return Counter{N: c.N + 1}, nil
		}, nil)
		if err != nil {
			panic(err)
		}
	}
	d, _ := doc.Get[Counter](ctx, s, "counters/visits.json")
	fmt.Println(d.Value.N)
	// Output: 3
}

func ExamplePutIf() {
	ctx := context.Background()
	s := doc.New(memstore.New(), nil)

	first, _ := doc.PutIf(ctx, s, "locks/job.json", "owner-a", "", nil) // create-only
	_, err := doc.PutIf(ctx, s, "locks/job.json", "owner-b", "", nil)
	fmt.Println(errors.Is(err, doc.ErrConflict))
	_, err = doc.PutIf(ctx, s, "locks/job.json", "owner-a-renewed", first.ETag, nil)
	fmt.Println(err)
	// Output:
	// true
	// <nil>
}

func ExampleCollection() {
	ctx := context.Background()
	s := doc.New(memstore.New(), nil)
	assistants := doc.NewCollection[Assistant](s, func(id string) (string, error) {
		if err := storage.ValidateKey(id); err != nil {
			return "", err
		}
		return "assistants/" + id + ".json", nil
	}, &doc.CollectionOptions[Assistant]{Type: "assistant", TTL: storage.RecommendedTTL("assistant")})

	d, err := assistants.Put(ctx, "asst_1", Assistant{ID: "asst_1", Model: "gpt-4o"}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Key, time.Until(d.ExpiresAt) > 29*24*time.Hour)

	_, err = assistants.Put(ctx, "asst_2", Assistant{ID: "asst_2"}, nil)
	fmt.Println(err)
	// Output:
	// assistants/asst_1.json true
	// put assistants/asst_2.json: validation failed: model: required
}

// Delete with an etag removes the document only if it is still the
// version read: a concurrent change wins over a stale delete.
func ExampleDelete() {
	ctx := context.Background()
	b := memstore.New()
	defer b.Close()
	s := doc.New(b, nil)
	type note struct{ Text string }
	d, err := doc.Put(ctx, s, "notes/a.json", note{"draft"}, nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := doc.Put(ctx, s, "notes/a.json", note{"edited"}, nil); err != nil {
		log.Fatal(err)
	}
	err = doc.Delete(ctx, s, "notes/a.json", d.ETag) // the etag of "draft"
	fmt.Println(errors.Is(err, doc.ErrConflict))
	cur, _ := doc.Get[note](ctx, s, "notes/a.json")
	fmt.Println(cur.Value.Text)
	fmt.Println(doc.Delete(ctx, s, "notes/a.json", cur.ETag))
	// Output:
	// true
	// edited
	// <nil>
}

package assistants_test

import (
	"context"
	"fmt"
	"log"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/storage/memstore"
)

func ExampleOpen() {
	ctx := context.Background()
	bucket := memstore.New() // or filestore.Open, s3store.Open, storage.Open
	defer bucket.Close()
	// Keep everything until it is deleted, as a self-hosted server does;
	// nil options keep the seed's recommended TTLs instead.
	s := assistants.Open(bucket, &assistants.StoreOptions{TTL: assistants.KeepUntilDeleted})

	thread, err := s.Threads.Create(ctx, &assistants.ThreadCreateRequest{})
	if err != nil {
		log.Fatal(err)
	}
	for _, text := range []string{"first", "second", "third"} {
		req := &assistants.MessageCreateRequest{Role: assistants.RoleUser, Content: assistants.TextInput(text)}
		if _, err := s.Messages.Create(ctx, thread.Value.ID, req); err != nil {
			log.Fatal(err)
		}
	}

	// Newest first by default; the next page starts after last_id.
	page, err := s.Messages.List(ctx, thread.Value.ID, assistants.MessageListParams{
		ListParams: assistants.ListParams{Limit: 2}})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range page.Data {
		fmt.Println(m.Content[0].Text.Value)
	}
	fmt.Println("has_more:", page.HasMore)
	page, err = s.Messages.List(ctx, thread.Value.ID, assistants.MessageListParams{
		ListParams: assistants.ListParams{Limit: 2, After: *page.LastID}})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range page.Data {
		fmt.Println(m.Content[0].Text.Value)
	}
	fmt.Println("has_more:", page.HasMore)
	// Output:
	// third
	// second
	// has_more: true
	// first
	// has_more: false
}

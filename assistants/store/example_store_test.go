package store_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
)

func ExampleOpen() {
	ctx := context.Background()
	bucket := memstore.New() // or filestore.Open, s3store.Open, storage.Open
	defer bucket.Close()
	// Keep everything until it is deleted, as a self-hosted server does;
	// nil options keep the seed's recommended TTLs instead.
	s := store.Open(bucket, &store.Options{TTL: store.KeepUntilDeleted})

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
	page, err := s.Messages.List(ctx, thread.Value.ID, store.MessageListParams{
		ListParams: assistants.ListParams{Limit: 2}})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range page.Data {
		fmt.Println(m.Content[0].Text.Value)
	}
	fmt.Println("has_more:", page.HasMore)
	page, err = s.Messages.List(ctx, thread.Value.ID, store.MessageListParams{
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

func ExampleMessageKey() {
	key, _ := store.MessageKey("thread_456", "msg_789")
	fmt.Println(key)
	_, err := store.MessageKey("thread_456", "msg_789/../../assistants/asst_1")
	fmt.Println(err)
	fmt.Println(errors.Is(err, storage.ErrInvalidKey))
	// Output:
	// messages/thread_456/msg_789.json
	// invalid id "msg_789/../../assistants/asst_1": character '/' at byte 7 is not an ASCII letter, digit, '_' or '-'
	// true
}

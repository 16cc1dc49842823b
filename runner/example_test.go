package runner_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/runner"
	"github.com/r2kit/r2kit/storage/memstore"
)

// A run executed against a chat-completions endpoint (here a scripted
// one; Ollama, vLLM or OpenAI in production), its events streamed as
// they happen. A server runs Worker.Run in the background instead, and
// hands it runs with Enqueue.
func Example() {
	model := httptest.NewServer(fakemodel.New(fakemodel.Reply{Content: "Hello! How can I help?"}))
	defer model.Close()
	b := memstore.New()
	defer b.Close()
	db := store.Open(b, nil)
	ctx := context.Background()
	if _, err := db.Assistants.Put(ctx, assistants.Assistant{ID: "asst_1", Model: "llama3", CreatedAt: time.Now().Unix()}); err != nil {
		log.Fatal(err)
	}
	th, err := db.Threads.Create(ctx, &assistants.ThreadCreateRequest{Messages: []assistants.MessageCreateRequest{
		{Role: assistants.RoleUser, Content: assistants.TextInput("Hi")}}})
	if err != nil {
		log.Fatal(err)
	}
	run, err := db.Runs.Start(ctx, th.Value.ID, &assistants.RunCreateRequest{AssistantID: "asst_1"})
	if err != nil {
		log.Fatal(err)
	}

	w := runner.New(db, &runner.Client{BaseURL: model.URL + "/v1"}, nil)
	err = w.Stream(ctx, th.Value.ID, run.Value.ID, func(event string, data any) error {
		switch v := data.(type) {
		case assistants.Message:
			if event == "thread.message.completed" {
				fmt.Println(event+":", v.Content[0].Text.Value)
			}
		case assistants.Run:
			fmt.Println(event)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// thread.run.created
	// thread.run.queued
	// thread.run.in_progress
	// thread.message.completed: Hello! How can I help?
	// thread.run.completed
}

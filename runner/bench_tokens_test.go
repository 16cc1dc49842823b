package runner_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/runner"
)

// benchText is a message of about 45 o200k_base tokens.
func benchText(i int) string {
	return fmt.Sprintf("message %d: %s", i, strings.Repeat("lorem ipsum dolor sit amet ", 7))
}

// BenchmarkCountTokens measures counting the prompt tokens of a
// 1,000-message thread (about 45,000 tokens), as truncation does.
//
//	go test -run '^$' -bench CountTokens ./runner
func BenchmarkCountTokens(b *testing.B) {
	msgs := make([]runner.ChatMessage, 1000)
	for i := range msgs {
		s := benchText(i)
		msgs[i] = runner.ChatMessage{Role: "user", Content: &s}
	}
	var n int
	for b.Loop() {
		n = runner.CountTokens("gpt-4o", msgs)
	}
	b.ReportMetric(float64(n), "tokens/thread")
}

// BenchmarkTruncationTurnaround measures a streamed run's turnaround on
// a 1,000-message thread (memstore, fake model answering at once):
// "none" sends the whole thread (no context window known: nothing is
// counted), "auto" counts every message and drops the oldest to fit an
// 8,000-token window, "last_messages" keeps the last 20 without
// counting. auto minus none is what token accounting adds.
//
//	go test -run '^$' -bench TruncationTurnaround -benchtime 20x ./runner
func BenchmarkTruncationTurnaround(b *testing.B) {
	for _, mode := range []string{"none", "auto", "last_messages"} {
		b.Run(mode, func(b *testing.B) { benchTruncation(b, mode) })
	}
}

func benchTruncation(b *testing.B, mode string) {
	fm := fakemodel.New()
	fm.Default = func(fakemodel.Request) fakemodel.Reply { return fakemodel.Reply{Content: "ok"} }
	srv := httptest.NewServer(fm)
	defer srv.Close()
	bucket := backendtest.NewBucket(b, "mem")
	db := store.Open(bucket, nil)
	o := fastOptions
	if mode == "auto" {
		o.ContextTokens = 8000
	}
	w := runner.New(store.Open(bucket, nil), &runner.Client{BaseURL: srv.URL + "/v1"}, &o)
	ctx := context.Background()
	td, err := db.Threads.Create(ctx, &assistants.ThreadCreateRequest{})
	if err != nil {
		b.Fatal(err)
	}
	thread := td.Value.ID
	for i := range 1000 {
		role := assistants.RoleUser
		if i%2 == 0 {
			role = assistants.RoleAssistant
		}
		if _, err := db.Messages.Create(ctx, thread, &assistants.MessageCreateRequest{Role: role, Content: assistants.TextInput(benchText(i))}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		b.StopTimer()
		settle(b, bucket)
		now := time.Now().Unix()
		run := assistants.Run{ID: assistants.NewID(assistants.PrefixRun), Object: assistants.ObjectRun, CreatedAt: now,
			ThreadID: thread, AssistantID: testAssistant, Status: assistants.RunQueued, Instructions: "Be brief.",
			ExpiresAt: assistants.Ptr(now + 600), Model: "local-model", Tools: []assistants.Tool{},
			TruncationStrategy: &assistants.TruncationStrategy{Type: assistants.TruncationAuto}}
		if mode == "last_messages" {
			run.TruncationStrategy = &assistants.TruncationStrategy{Type: assistants.TruncationLastMessages, LastMessages: assistants.Ptr(20)}
		}
		if _, err := db.Runs.Create(ctx, run); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := w.Stream(ctx, thread, run.ID, func(string, any) error { return nil }); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		// The reply joins the thread: drop it to keep 1,000 messages.
		d, err := db.Runs.Get(ctx, thread, run.ID)
		if err != nil || d.Value.Status != assistants.RunCompleted {
			b.Fatalf("run %+v, %v", d, err)
		}
		for _, m := range replies(listAll(b, db, thread), run.ID) {
			if err := db.Messages.Delete(ctx, thread, m.ID, ""); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
	}
	reqs := fm.Requests()
	b.ReportMetric(float64(reqs[len(reqs)-1].Messages), "messages-sent")
}

// listAll returns a thread's messages.
func listAll(b *testing.B, db *store.DB, thread string) []assistants.Message {
	var out []assistants.Message
	p := store.MessageListParams{ListParams: assistants.ListParams{Limit: 100, Order: assistants.OrderAsc}}
	for {
		page, err := db.Messages.List(context.Background(), thread, p)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, page.Data...)
		if !page.HasMore {
			return out
		}
		p.After = *page.LastID
	}
}

//lint:file-ignore SA1019 OpenAI deprecated the Assistants API that r2kit serves; the official client's methods for it are what these tests drive.

package api_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// The official client drives the real handler over every backend.
func TestOpenAIClient(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		t.Parallel()
		srv := startServer(t, newBucket(t), api.Config{})
		c := openaiClient(t, srv.URL, testKey)
		t.Run("assistants", func(t *testing.T) { clientAssistants(t, c) })
		t.Run("threads and messages", func(t *testing.T) { clientThreads(t, c) })
		t.Run("250 messages paged", func(t *testing.T) { clientPaging(t, c, 250) })
		t.Run("runs", func(t *testing.T) { clientRuns(t, c) })
		t.Run("files", func(t *testing.T) { clientFiles(t, c) })
		t.Run("errors", func(t *testing.T) { clientErrors(t, c, srv.URL) })
	})
}

func clientAssistants(t *testing.T, c openai.Client) {
	ctx := t.Context()
	params := openai.BetaAssistantNewParams{
		Model: "gpt-4o-mini", Name: openai.String("Math tutor"), Instructions: openai.String("Answer with numbers."),
		Description: openai.String("Helps with sums"), Temperature: openai.Float(0.5),
		Metadata: shared.Metadata{"team": "a"},
		Tools: []openai.AssistantToolUnionParam{
			{OfCodeInterpreter: &openai.CodeInterpreterToolParam{}},
			{OfFunction: &openai.FunctionToolParam{Function: shared.FunctionDefinitionParam{
				Name: "get_weather", Description: openai.String("Weather of a city"),
				Parameters: shared.FunctionParameters{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}},
			}}},
		},
	}
	a, err := c.Beta.Assistants.New(ctx, params)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if !strings.HasPrefix(a.ID, "asst_") || a.Object != "assistant" || a.Name != "Math tutor" || a.Model != "gpt-4o-mini" ||
		a.Instructions != "Answer with numbers." || a.Temperature != 0.5 || len(a.Tools) != 2 ||
		a.Tools[1].Function.Name != "get_weather" || a.Metadata["team"] != "a" || a.CreatedAt == 0 {
		t.Fatalf("New = %s", a.RawJSON())
	}
	got, err := c.Beta.Assistants.Get(ctx, a.ID)
	if err != nil || got.RawJSON() != a.RawJSON() {
		t.Fatalf("Get = %v, %v; want %s", got, err, a.RawJSON())
	}
	upd, err := c.Beta.Assistants.Update(ctx, a.ID, openai.BetaAssistantUpdateParams{
		Name: openai.String("Renamed"), Metadata: shared.Metadata{"team": "b"}})
	if err != nil || upd.Name != "Renamed" || upd.Metadata["team"] != "b" || upd.Instructions != a.Instructions || len(upd.Tools) != 2 {
		t.Fatalf("Update = %v, %v", upd, err)
	}
	ids := []string{a.ID}
	for i := range 2 {
		b, err := c.Beta.Assistants.New(ctx, openai.BetaAssistantNewParams{Model: "m", Name: openai.String(fmt.Sprint(i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID)
	}
	page, err := c.Beta.Assistants.List(ctx, openai.BetaAssistantListParams{Limit: openai.Int(2), Order: openai.BetaAssistantListParamsOrderAsc})
	if err != nil || len(page.Data) != 2 || !page.HasMore || page.Data[0].ID != ids[0] || page.Data[1].ID != ids[1] {
		t.Fatalf("List(limit 2, asc) = %v, %v", page, err)
	}
	var listed []string
	for it := c.Beta.Assistants.ListAutoPaging(ctx, openai.BetaAssistantListParams{Limit: openai.Int(1)}); it.Next(); {
		listed = append(listed, it.Current().ID)
	}
	if slices.Reverse(ids); !slices.Equal(listed, ids) {
		t.Fatalf("ListAutoPaging = %v, want %v", listed, ids)
	}
	for _, id := range ids {
		del, err := c.Beta.Assistants.Delete(ctx, id)
		if err != nil || !del.Deleted || del.ID != id || del.Object != "assistant.deleted" {
			t.Fatalf("Delete = %v, %v", del, err)
		}
	}
	_, err = c.Beta.Assistants.Get(ctx, a.ID)
	wantAPIError(t, err, 404, "invalid_request_error", "No assistant found with id '"+a.ID+"'.")
}

func textOf(m *openai.Message) string {
	if len(m.Content) == 0 {
		return ""
	}
	return m.Content[0].Text.Value
}

func userMessage(text string) openai.BetaThreadNewParamsMessage {
	return openai.BetaThreadNewParamsMessage{Role: "user", Content: openai.BetaThreadNewParamsMessageContentUnion{OfString: openai.String(text)}}
}

func clientThreads(t *testing.T, c openai.Client) {
	ctx := t.Context()
	th, err := c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{
		Messages: []openai.BetaThreadNewParamsMessage{userMessage("hello"), {Role: "assistant",
			Content: openai.BetaThreadNewParamsMessageContentUnion{OfString: openai.String("hi, how can I help?")}}},
		Metadata: shared.Metadata{"user": "u1"},
	})
	if err != nil || !strings.HasPrefix(th.ID, "thread_") || th.Metadata["user"] != "u1" {
		t.Fatalf("New = %v, %v", th, err)
	}
	page, err := c.Beta.Threads.Messages.List(ctx, th.ID, openai.BetaThreadMessageListParams{Order: openai.BetaThreadMessageListParamsOrderAsc})
	if err != nil || len(page.Data) != 2 || textOf(&page.Data[0]) != "hello" || page.Data[1].Role != "assistant" || page.HasMore {
		t.Fatalf("messages = %v, %v", page, err)
	}
	if got, err := c.Beta.Threads.Get(ctx, th.ID); err != nil || got.ID != th.ID {
		t.Fatalf("Get = %v, %v", got, err)
	}
	upd, err := c.Beta.Threads.Update(ctx, th.ID, openai.BetaThreadUpdateParams{Metadata: shared.Metadata{"user": "u2"}})
	if err != nil || upd.Metadata["user"] != "u2" {
		t.Fatalf("Update = %v, %v", upd, err)
	}
	m, err := c.Beta.Threads.Messages.New(ctx, th.ID, openai.BetaThreadMessageNewParams{
		Role: openai.BetaThreadMessageNewParamsRoleUser,
		Content: openai.BetaThreadMessageNewParamsContentUnion{OfArrayOfContentParts: []openai.MessageContentPartParamUnion{
			{OfText: &openai.TextContentBlockParam{Text: "look at this"}},
			{OfImageURL: &openai.ImageURLContentBlockParam{ImageURL: openai.ImageURLParam{URL: "https://example.com/cat.png"}}},
		}},
		Metadata: shared.Metadata{"n": "3"},
	})
	if err != nil || m.ThreadID != th.ID || m.Status != "completed" || len(m.Content) != 2 || textOf(m) != "look at this" ||
		m.Content[1].ImageURL.URL != "https://example.com/cat.png" {
		t.Fatalf("Messages.New = %v, %v", m, err)
	}
	if got, err := c.Beta.Threads.Messages.Get(ctx, th.ID, m.ID); err != nil || got.RawJSON() != m.RawJSON() {
		t.Fatalf("Messages.Get = %v, %v", got, err)
	}
	mu, err := c.Beta.Threads.Messages.Update(ctx, th.ID, m.ID, openai.BetaThreadMessageUpdateParams{Metadata: shared.Metadata{"n": "4"}})
	if err != nil || mu.Metadata["n"] != "4" || textOf(mu) != "look at this" {
		t.Fatalf("Messages.Update = %v, %v", mu, err)
	}
	md, err := c.Beta.Threads.Messages.Delete(ctx, th.ID, m.ID)
	if err != nil || !md.Deleted || md.ID != m.ID || md.Object != "thread.message.deleted" {
		t.Fatalf("Messages.Delete = %v, %v", md, err)
	}
	_, err = c.Beta.Threads.Messages.Get(ctx, th.ID, m.ID)
	wantAPIError(t, err, 404, "invalid_request_error", "No message found with id '"+m.ID+"'.")
	del, err := c.Beta.Threads.Delete(ctx, th.ID)
	if err != nil || !del.Deleted || del.Object != "thread.deleted" {
		t.Fatalf("Delete = %v, %v", del, err)
	}
	_, err = c.Beta.Threads.Get(ctx, th.ID)
	wantAPIError(t, err, 404, "invalid_request_error", "No thread found with id '"+th.ID+"'.")
	_, err = c.Beta.Threads.Messages.List(ctx, th.ID, openai.BetaThreadMessageListParams{})
	wantAPIError(t, err, 404, "invalid_request_error", "No thread found with id '"+th.ID+"'.")
	_, err = c.Beta.Threads.Messages.New(ctx, th.ID, openai.BetaThreadMessageNewParams{Role: "user",
		Content: openai.BetaThreadMessageNewParamsContentUnion{OfString: openai.String("late")}})
	wantAPIError(t, err, 404, "invalid_request_error", "No thread found with id '"+th.ID+"'.")
}

// clientPaging creates n messages one by one and lists them with the
// auto-pager in both orders: each exactly once, in order.
func clientPaging(t *testing.T, c openai.Client, n int) {
	ctx := t.Context()
	th, err := c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	for i := range n {
		m, err := c.Beta.Threads.Messages.New(ctx, th.ID, openai.BetaThreadMessageNewParams{Role: "user",
			Content: openai.BetaThreadMessageNewParamsContentUnion{OfString: openai.String(fmt.Sprintf("message %d", i))}})
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		ids[i] = m.ID
	}
	for _, order := range []openai.BetaThreadMessageListParamsOrder{openai.BetaThreadMessageListParamsOrderAsc, openai.BetaThreadMessageListParamsOrderDesc} {
		var got []string
		it := c.Beta.Threads.Messages.ListAutoPaging(ctx, th.ID, openai.BetaThreadMessageListParams{Order: order})
		for it.Next() {
			m := it.Current()
			i := len(got)
			if order == openai.BetaThreadMessageListParamsOrderDesc {
				i = n - 1 - i
			}
			if i < 0 || i >= n || textOf(&m) != fmt.Sprintf("message %d", i) {
				t.Fatalf("%s: item %d is %q", order, len(got), textOf(&m))
			}
			got = append(got, m.ID)
		}
		if err := it.Err(); err != nil {
			t.Fatalf("%s: %v", order, err)
		}
		want := slices.Clone(ids)
		if order == openai.BetaThreadMessageListParamsOrderDesc {
			slices.Reverse(want)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: listed %d messages, want the %d created, each once, in order", order, len(got), n)
		}
	}
	// A page before a cursor, and between two.
	page, err := c.Beta.Threads.Messages.List(ctx, th.ID, openai.BetaThreadMessageListParams{
		Order: openai.BetaThreadMessageListParamsOrderAsc, Before: openai.String(ids[10]), Limit: openai.Int(3)})
	if err != nil || len(page.Data) != 3 || page.Data[0].ID != ids[7] || page.Data[2].ID != ids[9] || !page.HasMore {
		t.Fatalf("before page = %v, %v", page, err)
	}
}

func clientRuns(t *testing.T, c openai.Client) {
	ctx := t.Context()
	a, err := c.Beta.Assistants.New(ctx, openai.BetaAssistantNewParams{Model: "gpt-4o", Instructions: openai.String("Be kind.")})
	if err != nil {
		t.Fatal(err)
	}
	th, err := c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{Messages: []openai.BetaThreadNewParamsMessage{userMessage("2+2?")}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := c.Beta.Threads.Runs.New(ctx, th.ID, openai.BetaThreadRunNewParams{
		AssistantID: a.ID, AdditionalInstructions: openai.String("Be brief."), Metadata: shared.Metadata{"try": "1"},
		Include: []openai.RunStepInclude{openai.RunStepIncludeStepDetailsToolCallsFileSearchResultsContent},
	})
	if err != nil {
		t.Fatalf("Runs.New: %v", err)
	}
	if !strings.HasPrefix(run.ID, "run_") || run.Status != openai.RunStatusQueued || run.ThreadID != th.ID || run.AssistantID != a.ID ||
		run.Model != "gpt-4o" || run.Instructions != "Be kind.\n\nBe brief." || run.ExpiresAt != run.CreatedAt+600 ||
		run.Metadata["try"] != "1" || run.TruncationStrategy.Type != "auto" || !run.ParallelToolCalls {
		t.Fatalf("Runs.New = %s", run.RawJSON())
	}
	if got, err := c.Beta.Threads.Runs.Get(ctx, th.ID, run.ID); err != nil || got.Status != openai.RunStatusQueued {
		t.Fatalf("Runs.Get = %v, %v", got, err)
	}
	_, err = c.Beta.Threads.Runs.New(ctx, th.ID, openai.BetaThreadRunNewParams{AssistantID: a.ID})
	wantAPIError(t, err, 400, "invalid_request_error", "Thread "+th.ID+" already has an active run "+run.ID+".")
	_, err = c.Beta.Threads.Messages.New(ctx, th.ID, openai.BetaThreadMessageNewParams{Role: "user",
		Content: openai.BetaThreadMessageNewParamsContentUnion{OfString: openai.String("more")}})
	wantAPIError(t, err, 400, "invalid_request_error", "Can't add messages to "+th.ID+" while a run "+run.ID+" is active.")
	_, err = c.Beta.Threads.Runs.SubmitToolOutputs(ctx, th.ID, run.ID, openai.BetaThreadRunSubmitToolOutputsParams{
		ToolOutputs: []openai.BetaThreadRunSubmitToolOutputsParamsToolOutput{{ToolCallID: openai.String("call_1"), Output: openai.String("4")}}})
	wantAPIError(t, err, 400, "invalid_request_error", `Runs in status "queued" do not accept tool outputs.`)
	if upd, err := c.Beta.Threads.Runs.Update(ctx, th.ID, run.ID, openai.BetaThreadRunUpdateParams{Metadata: shared.Metadata{"try": "2"}}); err != nil || upd.Metadata["try"] != "2" {
		t.Fatalf("Runs.Update = %v, %v", upd, err)
	}
	steps, err := c.Beta.Threads.Runs.Steps.List(ctx, th.ID, run.ID, openai.BetaThreadRunStepListParams{
		Include: []openai.RunStepInclude{openai.RunStepIncludeStepDetailsToolCallsFileSearchResultsContent}})
	if err != nil || len(steps.Data) != 0 || steps.HasMore {
		t.Fatalf("Steps.List = %v, %v", steps, err)
	}
	cancelled, err := c.Beta.Threads.Runs.Cancel(ctx, th.ID, run.ID)
	if err != nil || cancelled.Status != openai.RunStatusCancelled || cancelled.CancelledAt == 0 || cancelled.ExpiresAt != 0 {
		t.Fatalf("Cancel = %v, %v", cancelled, err)
	}
	_, err = c.Beta.Threads.Runs.Cancel(ctx, th.ID, run.ID)
	wantAPIError(t, err, 400, "invalid_request_error", "Cannot cancel run with status 'cancelled'.")
	// The slot is free again: a message, then a second run.
	if _, err := c.Beta.Threads.Messages.New(ctx, th.ID, openai.BetaThreadMessageNewParams{Role: "user",
		Content: openai.BetaThreadMessageNewParamsContentUnion{OfString: openai.String("again")}}); err != nil {
		t.Fatalf("message after the cancel: %v", err)
	}
	run2, err := c.Beta.Threads.Runs.New(ctx, th.ID, openai.BetaThreadRunNewParams{AssistantID: a.ID, Model: "other-model"})
	if err != nil || run2.Status != openai.RunStatusQueued || run2.Model != "other-model" {
		t.Fatalf("second run = %v, %v", run2, err)
	}
	var listed []string
	for it := c.Beta.Threads.Runs.ListAutoPaging(ctx, th.ID, openai.BetaThreadRunListParams{Limit: openai.Int(1)}); it.Next(); {
		listed = append(listed, it.Current().ID)
	}
	if !slices.Equal(listed, []string{run2.ID, run.ID}) {
		t.Fatalf("runs listed %v, want %v", listed, []string{run2.ID, run.ID})
	}
	// Create thread and run.
	tr, err := c.Beta.Threads.NewAndRun(ctx, openai.BetaThreadNewAndRunParams{AssistantID: a.ID,
		Thread: openai.BetaThreadNewAndRunParamsThread{Messages: []openai.BetaThreadNewAndRunParamsThreadMessage{{
			Role: "user", Content: openai.BetaThreadNewAndRunParamsThreadMessageContentUnion{OfString: openai.String("hi")}}}}})
	if err != nil || tr.Status != openai.RunStatusQueued || tr.ThreadID == th.ID || tr.AssistantID != a.ID {
		t.Fatalf("NewAndRun = %v, %v", tr, err)
	}
	msgs, err := c.Beta.Threads.Messages.List(ctx, tr.ThreadID, openai.BetaThreadMessageListParams{})
	if err != nil || len(msgs.Data) != 1 || textOf(&msgs.Data[0]) != "hi" {
		t.Fatalf("messages of the new thread = %v, %v", msgs, err)
	}
	// No executor: no stream.
	stream := c.Beta.Threads.Runs.NewStreaming(ctx, tr.ThreadID, openai.BetaThreadRunNewParams{AssistantID: a.ID})
	for stream.Next() {
		t.Fatalf("a stream without executor sent %v", stream.Current())
	}
	wantAPIError(t, stream.Err(), 400, "invalid_request_error", "Streaming is not available")
	stream.Close()
}

func clientFiles(t *testing.T, c openai.Client) {
	ctx := t.Context()
	data := make([]byte, 300<<10+7)
	_, _ = rand.Read(data)
	f, err := c.Files.New(ctx, openai.FileNewParams{File: openai.File(bytes.NewReader(data), "notes ü.bin", "application/x-notes"),
		Purpose: openai.FilePurposeAssistants})
	if err != nil {
		t.Fatalf("Files.New: %v", err)
	}
	if !strings.HasPrefix(f.ID, "file-") || f.Bytes != int64(len(data)) || f.Filename != "notes ü.bin" || f.Purpose != "assistants" ||
		f.Status != "processed" || f.Object != "file" {
		t.Fatalf("Files.New = %s", f.RawJSON())
	}
	if got, err := c.Files.Get(ctx, f.ID); err != nil || got.RawJSON() != f.RawJSON() {
		t.Fatalf("Files.Get = %v, %v", got, err)
	}
	list := func(purpose openai.FilePurpose) []string {
		var ids []string
		for it := c.Files.ListAutoPaging(ctx, openai.FileListParams{Purpose: openai.String(string(purpose))}); it.Next(); {
			ids = append(ids, it.Current().ID)
		}
		return ids
	}
	if got := list(openai.FilePurposeAssistants); !slices.Contains(got, f.ID) {
		t.Fatalf("files of purpose assistants: %v", got)
	}
	if got := list(openai.FilePurposeBatch); slices.Contains(got, f.ID) {
		t.Fatalf("files of purpose batch: %v", got)
	}
	resp, err := c.Files.Content(ctx, f.ID)
	if err != nil {
		t.Fatalf("Files.Content: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(body, data) {
		t.Fatalf("content: %d bytes, identical %v, %v", len(body), bytes.Equal(body, data), err)
	}
	if resp.Header.Get("Content-Type") != "application/x-notes" || resp.ContentLength != int64(len(data)) ||
		resp.Header.Get("Content-Disposition") != `attachment; filename*=utf-8''notes%20%C3%BC.bin` {
		t.Fatalf("content headers %v", resp.Header)
	}
	del, err := c.Files.Delete(ctx, f.ID)
	if err != nil || !del.Deleted || del.ID != f.ID {
		t.Fatalf("Files.Delete = %v, %v", del, err)
	}
	_, err = c.Files.Get(ctx, f.ID)
	wantAPIError(t, err, 404, "invalid_request_error", "No such File object: "+f.ID)
	_, err = c.Files.Content(ctx, f.ID)
	wantAPIError(t, err, 404, "invalid_request_error", "No such File object: "+f.ID)
}

func clientErrors(t *testing.T, c openai.Client, base string) {
	ctx := t.Context()
	_, err := c.Beta.Threads.Get(ctx, "thread_missing")
	wantAPIError(t, err, 404, "invalid_request_error", "No thread found with id 'thread_missing'.")
	_, err = c.Beta.Threads.Runs.Get(ctx, "thread_missing", "run_missing")
	wantAPIError(t, err, 404, "invalid_request_error", "No run found with id 'run_missing'.")
	_, err = c.Beta.Threads.Get(ctx, "asst_1")
	e := wantAPIError(t, err, 400, "invalid_request_error", "Invalid 'thread_id': 'asst_1'. Expected an ID that begins with 'thread'.")
	if e.Param != "thread_id" {
		t.Fatalf("param %q", e.Param)
	}
	_, err = c.Files.Get(ctx, "file_underscore")
	wantAPIError(t, err, 400, "invalid_request_error", "Invalid 'file_id': 'file_underscore'. Expected an ID that begins with 'file'.")
	var res map[string]any
	err = c.Post(ctx, "assistants", []byte(`{"model":`), &res, option.WithHeader("Content-Type", "application/json"))
	wantAPIError(t, err, 400, "invalid_request_error", "We could not parse the JSON body of your request.")
	_, err = c.Beta.Assistants.New(ctx, openai.BetaAssistantNewParams{Model: "m", Metadata: shared.Metadata{"k": strings.Repeat("v", 513)}})
	e = wantAPIError(t, err, 400, "invalid_request_error", "Invalid 'metadata'")
	if e.Param != "metadata" {
		t.Fatalf("param %q", e.Param)
	}
	noKey := openaiClient(t, base, "", option.WithHeaderDel("Authorization"))
	_, err = noKey.Beta.Assistants.List(ctx, openai.BetaAssistantListParams{})
	wantAPIError(t, err, http.StatusUnauthorized, "invalid_request_error", "You didn't provide an API key.")
	wrongKey := openaiClient(t, base, "sk-wrong-0000000000")
	_, err = wrongKey.Files.List(ctx, openai.FileListParams{})
	e = wantAPIError(t, err, http.StatusUnauthorized, "invalid_request_error", "Incorrect API key provided")
	if e.Code != "invalid_api_key" {
		t.Fatalf("code %q", e.Code)
	}
}

package api_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// The main flows with github.com/sashabaranov/go-openai.
func TestGoOpenAIClient(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		t.Parallel()
		srv := startServer(t, newBucket(t), api.Config{})
		cfg := goopenai.DefaultConfig(testKey)
		cfg.BaseURL = srv.URL + "/v1"
		cfg.HTTPClient = httpClient(t)
		c := goopenai.NewClientWithConfig(cfg)
		ctx := t.Context()
		ptr := func(s string) *string { return &s }

		a, err := c.CreateAssistant(ctx, goopenai.AssistantRequest{Model: "gpt-4o", Name: ptr("Helper"),
			Instructions: ptr("Help."), Tools: []goopenai.AssistantTool{{Type: goopenai.AssistantToolTypeFunction,
				Function: &goopenai.FunctionDefinition{Name: "lookup", Parameters: map[string]any{"type": "object"}}}}})
		if err != nil || a.Object != "assistant" || *a.Name != "Helper" || len(a.Tools) != 1 || a.Tools[0].Function.Name != "lookup" {
			t.Fatalf("CreateAssistant = %+v, %v", a, err)
		}
		if got, err := c.RetrieveAssistant(ctx, a.ID); err != nil || got.ID != a.ID || got.Model != "gpt-4o" {
			t.Fatalf("RetrieveAssistant = %+v, %v", got, err)
		}
		// go-openai always sends a model: an empty one leaves it as it is.
		mod, err := c.ModifyAssistant(ctx, a.ID, goopenai.AssistantRequest{Name: ptr("Renamed")})
		if err != nil || *mod.Name != "Renamed" || mod.Model != "gpt-4o" || len(mod.Tools) != 1 {
			t.Fatalf("ModifyAssistant = %+v, %v", mod, err)
		}
		list, err := c.ListAssistants(ctx, nil, nil, nil, nil)
		if err != nil || len(list.Assistants) != 1 || list.HasMore || *list.FirstID != a.ID {
			t.Fatalf("ListAssistants = %+v, %v", list, err)
		}

		th, err := c.CreateThread(ctx, goopenai.ThreadRequest{Messages: []goopenai.ThreadMessage{
			{Role: goopenai.ThreadMessageRoleUser, Content: "first"}}, Metadata: map[string]any{"k": "v"}})
		if err != nil || th.Object != "thread" || th.Metadata["k"] != "v" {
			t.Fatalf("CreateThread = %+v, %v", th, err)
		}
		if got, err := c.RetrieveThread(ctx, th.ID); err != nil || got.ID != th.ID {
			t.Fatalf("RetrieveThread = %+v, %v", got, err)
		}
		if got, err := c.ModifyThread(ctx, th.ID, goopenai.ModifyThreadRequest{Metadata: map[string]any{"k": "w"}}); err != nil || got.Metadata["k"] != "w" {
			t.Fatalf("ModifyThread = %+v, %v", got, err)
		}
		m, err := c.CreateMessage(ctx, th.ID, goopenai.MessageRequest{Role: "user", Content: "second"})
		if err != nil || m.Content[0].Text.Value != "second" || m.ThreadID != th.ID {
			t.Fatalf("CreateMessage = %+v, %v", m, err)
		}
		if got, err := c.RetrieveMessage(ctx, th.ID, m.ID); err != nil || got.ID != m.ID {
			t.Fatalf("RetrieveMessage = %+v, %v", got, err)
		}
		if got, err := c.ModifyMessage(ctx, th.ID, m.ID, map[string]string{"seen": "yes"}); err != nil || got.Metadata["seen"] != "yes" {
			t.Fatalf("ModifyMessage = %+v, %v", got, err)
		}
		asc := "asc"
		msgs, err := c.ListMessage(ctx, th.ID, nil, &asc, nil, nil, nil)
		if err != nil || len(msgs.Messages) != 2 || msgs.Messages[0].Content[0].Text.Value != "first" || msgs.Messages[1].ID != m.ID {
			t.Fatalf("ListMessage = %+v, %v", msgs, err)
		}

		run, err := c.CreateRun(ctx, th.ID, goopenai.RunRequest{AssistantID: a.ID, Metadata: map[string]any{"n": "1"}})
		if err != nil || run.Status != goopenai.RunStatusQueued || run.Model != "gpt-4o" || run.ExpiresAt != run.CreatedAt+600 {
			t.Fatalf("CreateRun = %+v, %v", run, err)
		}
		if got, err := c.RetrieveRun(ctx, th.ID, run.ID); err != nil || got.Status != goopenai.RunStatusQueued {
			t.Fatalf("RetrieveRun = %+v, %v", got, err)
		}
		if got, err := c.ModifyRun(ctx, th.ID, run.ID, goopenai.RunModifyRequest{Metadata: map[string]any{"n": "2"}}); err != nil || got.Metadata["n"] != "2" {
			t.Fatalf("ModifyRun = %+v, %v", got, err)
		}
		runs, err := c.ListRuns(ctx, th.ID, goopenai.Pagination{})
		if err != nil || len(runs.Runs) != 1 || runs.Runs[0].ID != run.ID {
			t.Fatalf("ListRuns = %+v, %v", runs, err)
		}
		steps, err := c.ListRunSteps(ctx, th.ID, run.ID, goopenai.Pagination{})
		if err != nil || len(steps.RunSteps) != 0 {
			t.Fatalf("ListRunSteps = %+v, %v", steps, err)
		}
		_, err = c.CreateMessage(ctx, th.ID, goopenai.MessageRequest{Role: "user", Content: "during the run"})
		wantGoOpenAIError(t, err, 400, "Can't add messages to "+th.ID)
		cancelled, err := c.CancelRun(ctx, th.ID, run.ID)
		if err != nil || cancelled.Status != goopenai.RunStatusCancelled || cancelled.CancelledAt == nil {
			t.Fatalf("CancelRun = %+v, %v", cancelled, err)
		}
		tr, err := c.CreateThreadAndRun(ctx, goopenai.CreateThreadAndRunRequest{RunRequest: goopenai.RunRequest{AssistantID: a.ID},
			Thread: goopenai.ThreadRequest{Messages: []goopenai.ThreadMessage{{Role: goopenai.ThreadMessageRoleUser, Content: "hi"}}}})
		if err != nil || tr.Status != goopenai.RunStatusQueued || tr.ThreadID == th.ID {
			t.Fatalf("CreateThreadAndRun = %+v, %v", tr, err)
		}

		data := bytes.Repeat([]byte("r2kit "), 10000)
		f, err := c.CreateFileBytes(ctx, goopenai.FileBytesRequest{Name: "data.txt", Bytes: data, Purpose: goopenai.PurposeAssistants})
		if err != nil || f.Bytes != len(data) || f.FileName != "data.txt" || f.Purpose != "assistants" {
			t.Fatalf("CreateFileBytes = %+v, %v", f, err)
		}
		files, err := c.ListFiles(ctx)
		if err != nil || !slices.ContainsFunc(files.Files, func(x goopenai.File) bool { return x.ID == f.ID }) {
			t.Fatalf("ListFiles = %+v, %v", files, err)
		}
		if got, err := c.GetFile(ctx, f.ID); err != nil || got.ID != f.ID || got.Bytes != len(data) {
			t.Fatalf("GetFile = %+v, %v", got, err)
		}
		content, err := c.GetFileContent(ctx, f.ID)
		if err != nil {
			t.Fatalf("GetFileContent: %v", err)
		}
		got, err := io.ReadAll(content)
		content.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("content: %d bytes, %v", len(got), err)
		}
		if err := c.DeleteFile(ctx, f.ID); err != nil {
			t.Fatalf("DeleteFile: %v", err)
		}
		_, err = c.GetFile(ctx, f.ID)
		wantGoOpenAIError(t, err, 404, "No such File object: "+f.ID)

		if del, err := c.DeleteMessage(ctx, th.ID, m.ID); err != nil || !del.Deleted {
			t.Fatalf("DeleteMessage = %+v, %v", del, err)
		}
		if del, err := c.DeleteThread(ctx, th.ID); err != nil || !del.Deleted {
			t.Fatalf("DeleteThread = %+v, %v", del, err)
		}
		if del, err := c.DeleteAssistant(ctx, a.ID); err != nil || !del.Deleted {
			t.Fatalf("DeleteAssistant = %+v, %v", del, err)
		}
		_, err = c.RetrieveAssistant(ctx, a.ID)
		wantGoOpenAIError(t, err, 404, "No assistant found with id '"+a.ID+"'.")
		_, err = c.RetrieveThread(ctx, "msg_1")
		wantGoOpenAIError(t, err, 400, "Invalid 'thread_id': 'msg_1'. Expected an ID that begins with 'thread'.")
	})
}

// wantGoOpenAIError checks that err is go-openai's *APIError with the
// status and a message starting with message.
func wantGoOpenAIError(t *testing.T, err error, status int, message string) {
	t.Helper()
	var e *goopenai.APIError
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want an *APIError %d", err, err, status)
	}
	if e.HTTPStatusCode != status || e.Type != "invalid_request_error" || len(e.Message) < len(message) || e.Message[:len(message)] != message {
		t.Fatalf("error %d %q %q, want %d %q...", e.HTTPStatusCode, e.Type, e.Message, status, message)
	}
}

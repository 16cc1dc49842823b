//lint:file-ignore SA1019 OpenAI deprecated the Assistants API that r2kit serves; the official client's methods for it are what these tests drive.

package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// What a stored file_search call holds that a client only sees on
// request (the content) or never (the query).
const (
	fsQuery   = "where is the hidden passage"
	fsContent = "The hidden passage is behind the bookcase in the library."
	fsFileID  = "file-fs0123456789"
)

// fsStep is a tool_calls step of run with one file_search call, as the
// runner stores it: the model's query and the results' content kept.
func fsStep(thread, run, asst string) assistants.RunStep {
	return assistants.RunStep{
		ID: assistants.NewID(assistants.PrefixStep), Object: assistants.ObjectRunStep, CreatedAt: 1700000000,
		AssistantID: asst, ThreadID: thread, RunID: run, Type: assistants.StepToolCalls, Status: assistants.StepCompleted,
		CompletedAt: assistants.Ptr(int64(1700000001)),
		StepDetails: assistants.StepDetails{Type: assistants.StepToolCalls, ToolCalls: []assistants.ToolCall{{
			ID: "call_fs1", Type: assistants.ToolFileSearch, FileSearch: &assistants.FileSearchCall{
				RankingOptions: &assistants.FileSearchRankingOptions{Ranker: assistants.RankerDefault, ScoreThreshold: 0},
				Results: []assistants.FileSearchResult{{FileID: fsFileID, FileName: "castle.txt", Score: 0.75,
					Content: []assistants.FileSearchResultContent{{Type: "text", Text: fsContent}}}},
				Query: fsQuery,
			},
		}}},
	}
}

// wantPresented checks the JSON of a step as a client got it: its
// result there, no r2kit_query, the content only if content.
func wantPresented(t *testing.T, raw string, content bool) {
	t.Helper()
	if !strings.Contains(raw, `"file_id":"`+fsFileID+`"`) {
		t.Errorf("step without its file_search result: %s", raw)
	}
	if strings.Contains(raw, "r2kit_query") || strings.Contains(raw, fsQuery) {
		t.Errorf("step with the model's query: %s", raw)
	}
	if got := strings.Contains(raw, fsContent); got != content {
		t.Errorf("content in the step: %v, want %v: %s", got, content, raw)
	}
}

// stepExecutor streams any run as one file_search step, emitted as a
// RunStep (created) and as a *RunStep (completed), between the run's
// events; Enqueue does nothing.
type stepExecutor struct{ store *store.DB }

func (x *stepExecutor) Enqueue(context.Context, string, string) error { return nil }

func (x *stepExecutor) Stream(ctx context.Context, thread, id string, emit func(string, any) error) error {
	run, err := x.store.Runs.Get(ctx, thread, id)
	if err != nil {
		return err
	}
	step := fsStep(thread, id, run.Value.AssistantID)
	for _, ev := range []struct {
		name string
		data any
	}{{"thread.run.created", run.Value}, {"thread.run.step.created", step}, {"thread.run.step.completed", &step}, {"thread.run.completed", run.Value}} {
		if err := emit(ev.name, ev.data); err != nil {
			return err
		}
	}
	return nil
}

// streamedSteps drains a stream and checks its two step events as
// wantPresented does.
func streamedSteps(t *testing.T, s *ssestream.Stream[openai.AssistantStreamEventUnion], content bool) {
	t.Helper()
	names, evs, err := events(t, s)
	if err != nil {
		t.Fatalf("stream: %v (events %q)", err, names)
	}
	n := 0
	for i, ev := range evs {
		if strings.HasPrefix(names[i], "thread.run.step.") {
			n++
			wantPresented(t, ev.JSON.Data.Raw(), content)
		}
	}
	if n != 2 {
		t.Fatalf("%d step events, want 2: %q", n, names)
	}
}

// Run steps leave the server as OpenAI's: file_search results with
// their content only with include[], never with r2kit's query; in the
// step endpoints and in the streams of run create, create thread and
// run (include[] honoured) and submit_tool_outputs (no content).
func TestFileSearchStepsPresented(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		t.Parallel()
		x := &stepExecutor{}
		srv := startServer(t, newBucket(t), api.Config{Runs: x})
		x.store = srv.Store()
		c := openaiClient(t, srv.URL, testKey)
		ctx := t.Context()
		a, err := c.Beta.Assistants.New(ctx, openai.BetaAssistantNewParams{Model: "m"})
		if err != nil {
			t.Fatal(err)
		}
		newThread := func() string {
			th, err := c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{})
			if err != nil {
				t.Fatal(err)
			}
			return th.ID
		}
		thread := newThread()
		run, err := c.Beta.Threads.Runs.New(ctx, thread, openai.BetaThreadRunNewParams{AssistantID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		step := fsStep(thread, run.ID, a.ID)
		if _, err := srv.Store().Steps.PutIf(ctx, step, ""); err != nil {
			t.Fatal(err)
		}
		include := []openai.RunStepInclude{openai.RunStepIncludeStepDetailsToolCallsFileSearchResultsContent}
		for _, tc := range []struct {
			name    string
			include []openai.RunStepInclude
		}{{"without include", nil}, {"with include", include}} {
			t.Run(tc.name, func(t *testing.T) {
				content := tc.include != nil
				got, err := c.Beta.Threads.Runs.Steps.Get(ctx, thread, run.ID, step.ID, openai.BetaThreadRunStepGetParams{Include: tc.include})
				if err != nil {
					t.Fatal(err)
				}
				wantPresented(t, got.RawJSON(), content)
				res := got.StepDetails.ToolCalls[0].FileSearch.Results
				if len(res) != 1 || res[0].FileID != fsFileID || res[0].FileName != "castle.txt" || res[0].Score != 0.75 ||
					got.StepDetails.ToolCalls[0].FileSearch.RankingOptions.Ranker != assistants.RankerDefault {
					t.Fatalf("Get = %s", got.RawJSON())
				}
				if n := len(res[0].Content); content && (n != 1 || res[0].Content[0].Text != fsContent) || !content && n != 0 {
					t.Fatalf("Get content = %+v", res[0].Content)
				}
				page, err := c.Beta.Threads.Runs.Steps.List(ctx, thread, run.ID, openai.BetaThreadRunStepListParams{Include: tc.include})
				if err != nil || len(page.Data) != 1 || page.Data[0].ID != step.ID {
					t.Fatalf("List = %v, %v", page, err)
				}
				wantPresented(t, page.Data[0].RawJSON(), content)
			})
		}
		// include, without brackets, is accepted too.
		status, _, body := rawRequest(t, httpClient(t), "GET", srv.URL+"/v1/threads/"+thread+"/runs/"+run.ID+"/steps/"+step.ID+
			"?include="+assistants.IncludeFileSearchContent, "", nil)
		if status != http.StatusOK {
			t.Fatalf("GET with include: %d %s", status, body)
		}
		wantPresented(t, string(body), true)
		// The stored step keeps both.
		stored, err := srv.Store().Steps.Get(ctx, thread, run.ID, step.ID)
		if err != nil {
			t.Fatal(err)
		}
		if fs := stored.Value.StepDetails.ToolCalls[0].FileSearch; fs.Query != fsQuery || len(fs.Results[0].Content) != 1 {
			t.Fatalf("stored step changed: %+v", fs)
		}

		withInclude := option.WithQuery("include[]", assistants.IncludeFileSearchContent)
		t.Run("run stream with include", func(t *testing.T) {
			streamedSteps(t, c.Beta.Threads.Runs.NewStreaming(ctx, newThread(), openai.BetaThreadRunNewParams{AssistantID: a.ID, Include: include}), true)
		})
		t.Run("run stream without include", func(t *testing.T) {
			streamedSteps(t, c.Beta.Threads.Runs.NewStreaming(ctx, newThread(), openai.BetaThreadRunNewParams{AssistantID: a.ID}), false)
		})
		t.Run("thread and run stream with include", func(t *testing.T) {
			streamedSteps(t, c.Beta.Threads.NewAndRunStreaming(ctx, openai.BetaThreadNewAndRunParams{AssistantID: a.ID}, withInclude), true)
		})
		t.Run("thread and run stream without include", func(t *testing.T) {
			streamedSteps(t, c.Beta.Threads.NewAndRunStreaming(ctx, openai.BetaThreadNewAndRunParams{AssistantID: a.ID}), false)
		})
		t.Run("submit_tool_outputs stream", func(t *testing.T) {
			th := newThread()
			r, err := c.Beta.Threads.Runs.New(ctx, th, openai.BetaThreadRunNewParams{AssistantID: a.ID})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := srv.Store().Runs.Transition(ctx, th, r.ID, assistants.RunInProgress, nil); err != nil {
				t.Fatal(err)
			}
			call := assistants.RunToolCall{ID: "call_fn1", Type: assistants.ToolFunction,
				Function: assistants.RunToolCallFunction{Name: "lookup", Arguments: "{}"}}
			if _, err := srv.Store().Runs.Transition(ctx, th, r.ID, assistants.RunRequiresAction, func(r *assistants.Run) error {
				r.RequiredAction = &assistants.RequiredAction{SubmitToolOutputs: assistants.SubmitToolOutputs{ToolCalls: []assistants.RunToolCall{call}}}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			// submit_tool_outputs takes no include[]: one sent anyway
			// gives no content.
			streamedSteps(t, c.Beta.Threads.Runs.SubmitToolOutputsStreaming(ctx, th, r.ID, openai.BetaThreadRunSubmitToolOutputsParams{
				ToolOutputs: []openai.BetaThreadRunSubmitToolOutputsParamsToolOutput{{ToolCallID: openai.String(call.ID), Output: openai.String("42")}},
			}, withInclude), false)
		})
	})
}

package runner_test

//lint:file-ignore SA1019 r2kit serves the Assistants API, which openai-go marks deprecated

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/openai/openai-go/v3"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/runner"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
	"github.com/r2kit/r2kit/vectorstore"
)

// createAndPoll creates a run and polls it to a status where it stops
// (completed, failed, incomplete, requires_action...), as the SDKs'
// createAndPoll helpers do.
func (l *live) createAndPoll(thread string, p openai.BetaThreadRunNewParams) *openai.Run {
	l.t.Helper()
	r, err := l.c.Beta.Threads.Runs.New(l.t.Context(), thread, p)
	if err != nil {
		l.t.Fatalf("create run: %v", err)
	}
	return l.poll(thread, r.ID, openai.RunStatusCompleted, openai.RunStatusFailed, openai.RunStatusIncomplete,
		openai.RunStatusRequiresAction, openai.RunStatusCancelled, openai.RunStatusExpired)
}

// corpus is the files the file_search tests search: only lighthouse.txt
// says who keeps the lighthouse, in non-ASCII text.
var corpus = map[string]string{
	"lighthouse.txt": "Le gardien du phare s'appelle Élodie Müller. Elle allume la lampe du phare chaque soir à 灯台 time.",
	"bakery.txt":     "The bakery sells sourdough on Tuesdays. Its oven is wood-fired and the baker starts at four.",
	"rivers.md":      "# Rivers\n\nThe river Tamsin floods every spring; the valley farms plant late.",
}

// question is what the user asks, and query what the model searches for.
const (
	question = "Qui est le gardien du phare ?"
	query    = "gardien du phare"
)

var markerRE = regexp.MustCompile(`【\d+:\d+†[^】]*】`)

// searchingModel answers like a model with file_search: with no tool
// output yet it calls the search function; then it answers with the
// first sentence of the top result, in non-ASCII text with a character
// outside the BMP before the marker it was given.
func searchingModel(req fakemodel.Request) fakemodel.Reply {
	outs := fakemodel.ToolOutputs(req)
	if len(outs) == 0 {
		return fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{{ID: "call_search1", Name: "file_search",
			Arguments: `{"query":"` + query + `"}`}}}
	}
	return fakemodel.Reply{Content: answerFrom(outs[len(outs)-1])}
}

// answerFrom is the reply to a search output: "Réponse 😀 : <first
// sentence of the first result> <its marker>."
func answerFrom(out string) string {
	blocks := strings.Split(out, "\n\n")
	for _, b := range blocks[1:] { // blocks[0] is the explanation
		m := markerRE.FindString(b)
		if m == "" || !strings.HasPrefix(b, m) {
			continue
		}
		_, text, _ := strings.Cut(b, "\n")
		sentence, _, _ := strings.Cut(text, ".")
		return "Réponse 😀 : " + sentence + " " + m + "."
	}
	return "Je ne sais pas."
}

// searchFixture uploads the corpus, puts it in a vector store (polled
// to completed) and makes an assistant with file_search over it. It
// returns the assistant's id, the store's and the file ids by name.
func searchFixture(t *testing.T, l *live, tools ...openai.AssistantToolUnionParam) (asst, vs string, files map[string]string) {
	t.Helper()
	ctx := t.Context()
	files = map[string]string{}
	var ids []string
	for name, text := range corpus {
		f, err := l.c.Files.New(ctx, openai.FileNewParams{File: openai.File(bytes.NewReader([]byte(text)), name, "text/plain"),
			Purpose: openai.FilePurposeAssistants})
		if err != nil {
			t.Fatalf("upload %s: %v", name, err)
		}
		files[name] = f.ID
		ids = append(ids, f.ID)
	}
	v, err := l.c.VectorStores.New(ctx, openai.VectorStoreNewParams{FileIDs: ids})
	if err != nil {
		t.Fatalf("create vector store: %v", err)
	}
	waitStore(t, l, v.ID)
	if len(tools) == 0 {
		tools = []openai.AssistantToolUnionParam{{OfFileSearch: &openai.FileSearchToolParam{}}}
	}
	a, err := l.c.Beta.Assistants.New(ctx, openai.BetaAssistantNewParams{Model: "fake-model", Tools: tools,
		ToolResources: openai.BetaAssistantNewParamsToolResources{FileSearch: openai.BetaAssistantNewParamsToolResourcesFileSearch{
			VectorStoreIDs: []string{v.ID}}}})
	if err != nil {
		t.Fatalf("create assistant: %v", err)
	}
	return a.ID, v.ID, files
}

// waitStore polls a vector store until no file is in progress.
func waitStore(t *testing.T, l *live, id string) *openai.VectorStore {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		v, err := l.c.VectorStores.Get(t.Context(), id)
		if err != nil {
			t.Fatalf("get vector store: %v", err)
		}
		if v.FileCounts.InProgress == 0 && v.Status == openai.VectorStoreStatusCompleted {
			if v.FileCounts.Completed != v.FileCounts.Total {
				t.Fatalf("vector store %s: %+v", id, v.FileCounts)
			}
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("vector store %s still %s: %+v", id, v.Status, v.FileCounts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkCitedAnswer checks the run's reply: the lighthouse sentence, one
// file_citation of lighthouse.txt whose UTF-16 indexes cut exactly its
// marker out of the text.
func checkCitedAnswer(t *testing.T, l *live, thread string, files map[string]string) {
	t.Helper()
	msgs, err := l.c.Beta.Threads.Messages.List(t.Context(), thread, openai.BetaThreadMessageListParams{})
	if err != nil || len(msgs.Data) == 0 {
		t.Fatalf("list messages: %v", err)
	}
	m := msgs.Data[0]
	if m.Role != "assistant" || len(m.Content) != 1 {
		t.Fatalf("reply: %+v", m)
	}
	text := m.Content[0].Text
	if !strings.Contains(text.Value, "Élodie Müller") {
		t.Fatalf("the reply does not answer from lighthouse.txt: %q", text.Value)
	}
	if len(text.Annotations) != 1 {
		t.Fatalf("annotations of %q: %+v", text.Value, text.Annotations)
	}
	a := text.Annotations[0]
	if a.Type != "file_citation" || a.FileCitation.FileID != files["lighthouse.txt"] {
		t.Fatalf("annotation %+v; want a file_citation of %s", a, files["lighthouse.txt"])
	}
	units := utf16.Encode([]rune(text.Value))
	if a.StartIndex < 0 || a.EndIndex > int64(len(units)) || a.StartIndex >= a.EndIndex {
		t.Fatalf("annotation [%d,%d) out of %d UTF-16 units", a.StartIndex, a.EndIndex, len(units))
	}
	cut := string(utf16.Decode(units[a.StartIndex:a.EndIndex]))
	if cut != a.Text || !markerRE.MatchString(cut) || markerRE.FindString(text.Value) != cut {
		t.Fatalf("[%d,%d) of %q is %q; annotation text %q", a.StartIndex, a.EndIndex, text.Value, cut, a.Text)
	}
}

// TestFileSearchRun: an assistant with file_search answers from the
// right file, with a citation, on every backend; the run's steps are a
// completed file_search step (results, with content only when
// included) and the reply; usage counts both model calls.
func TestFileSearchRun(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(t testing.TB) storage.Bucket) {
		fm := fakemodel.New()
		fm.Default = searchingModel
		l := startLive(t, newBucket(t), fm)
		asst, _, files := searchFixture(t, l)
		ctx := t.Context()
		thread := l.thread(question)
		run := l.createAndPoll(thread, openai.BetaThreadRunNewParams{AssistantID: asst})
		if run.Status != openai.RunStatusCompleted {
			t.Fatalf("run %s: %+v", run.Status, run.LastError)
		}
		checkCitedAnswer(t, l, thread, files)
		if n := fm.Count(); n != 2 {
			t.Fatalf("%d model calls; want 2 (search, answer)", n)
		}
		second := fm.Requests()[1]
		if outs := fakemodel.ToolOutputs(second); len(outs) != 1 || !strings.Contains(outs[0], "Élodie Müller") {
			t.Fatalf("the second model call's tool outputs: %q", outs)
		}

		steps, err := l.c.Beta.Threads.Runs.Steps.List(ctx, thread, run.ID, openai.BetaThreadRunStepListParams{Order: "asc"})
		if err != nil {
			t.Fatal(err)
		}
		if len(steps.Data) != 2 || steps.Data[0].Type != "tool_calls" || steps.Data[1].Type != "message_creation" {
			t.Fatalf("steps: %+v", steps.Data)
		}
		st := steps.Data[0]
		if st.Status != "completed" || len(st.StepDetails.ToolCalls) != 1 {
			t.Fatalf("search step: %+v", st)
		}
		call := st.StepDetails.ToolCalls[0]
		if call.Type != "file_search" || len(call.FileSearch.Results) == 0 {
			t.Fatalf("search call: %s", call.RawJSON())
		}
		top := call.FileSearch.Results[0]
		if top.FileID != files["lighthouse.txt"] || top.FileName != "lighthouse.txt" || top.Score <= 0 || top.Score > 1 {
			t.Fatalf("top result: %+v", top)
		}
		if len(top.Content) != 0 || strings.Contains(st.RawJSON(), "r2kit_query") {
			t.Fatalf("a step listed without include carries content or r2kit's query: %s", st.RawJSON())
		}
		incl, err := l.c.Beta.Threads.Runs.Steps.Get(ctx, thread, run.ID, st.ID, openai.BetaThreadRunStepGetParams{
			Include: []openai.RunStepInclude{openai.RunStepIncludeStepDetailsToolCallsFileSearchResultsContent}})
		if err != nil {
			t.Fatal(err)
		}
		got := incl.StepDetails.ToolCalls[0].FileSearch.Results[0]
		if len(got.Content) != 1 || got.Content[0].Type != "text" || !strings.Contains(got.Content[0].Text, "Élodie Müller") {
			t.Fatalf("a step got with include lacks its content: %s", incl.RawJSON())
		}
		var sum int64
		for _, s := range steps.Data {
			sum += s.Usage.TotalTokens
		}
		if run.Usage.TotalTokens == 0 || run.Usage.TotalTokens != sum || st.Usage.TotalTokens == 0 {
			t.Fatalf("run usage %+v; steps' total %d (search step %+v)", run.Usage, sum, st.Usage)
		}
	})
}

// TestFileSearchStream: a streamed run's events, in OpenAI's order: the
// file_search step created, in progress, its call announced, completed
// with its results; then the reply.
func TestFileSearchStream(t *testing.T) {
	fm := fakemodel.New()
	fm.Default = searchingModel
	l := startLive(t, memstore.New(), fm)
	asst, _, files := searchFixture(t, l)
	thread := l.thread(question)
	stream := l.c.Beta.Threads.Runs.NewStreaming(t.Context(), thread, openai.BetaThreadRunNewParams{AssistantID: asst})
	var events []string
	for stream.Next() {
		ev := stream.Current()
		name := ev.Event
		switch name {
		case "thread.message.delta":
			if len(events) > 0 && events[len(events)-1] == name {
				continue // one entry for the run of deltas
			}
		case "thread.run.step.completed":
			if st := ev.AsThreadRunStepCompleted().Data; st.Type == "tool_calls" {
				c := st.StepDetails.ToolCalls
				if len(c) != 1 || c[0].Type != "file_search" || len(c[0].FileSearch.Results) == 0 || c[0].FileSearch.Results[0].FileID != files["lighthouse.txt"] {
					t.Fatalf("completed search step: %s", st.RawJSON())
				}
				name += "(tool_calls)"
			}
		case "thread.run.step.delta":
			d := ev.AsThreadRunStepDelta().Data.Delta.StepDetails
			if len(d.ToolCalls) != 1 || d.ToolCalls[0].Type != "file_search" {
				t.Fatalf("step delta: %s", ev.RawJSON())
			}
		}
		events = append(events, name)
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"thread.run.created", "thread.run.queued", "thread.run.in_progress",
		"thread.run.step.created", "thread.run.step.in_progress", "thread.run.step.delta", "thread.run.step.completed(tool_calls)",
		"thread.run.step.created", "thread.run.step.in_progress", "thread.message.created", "thread.message.in_progress",
		"thread.message.delta", "thread.message.completed", "thread.run.step.completed", "thread.run.completed",
	}
	if strings.Join(events, " ") != strings.Join(want, " ") {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(events, "\n"), strings.Join(want, "\n"))
	}
	checkCitedAnswer(t, l, thread, files)
}

// TestFileSearchWithFunction: the model searches and calls a function
// in one answer. The function round-trips through requires_action (the
// search does not); the next model call gets both outputs.
func TestFileSearchWithFunction(t *testing.T) {
	fm := fakemodel.New(fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{
		{ID: "call_search1", Name: "file_search", Arguments: `{"query":"` + query + `"}`},
		{ID: "call_weather1", Name: "get_weather", Arguments: `{"city":"Brest"}`},
	}})
	fm.Default = func(req fakemodel.Request) fakemodel.Reply {
		outs := fakemodel.ToolOutputs(req)
		if len(outs) != 2 {
			return fakemodel.Reply{Content: "wrong tool outputs"}
		}
		return fakemodel.Reply{Content: answerFrom(outs[0]) + " Il fait " + outs[1] + "."}
	}
	l := startLive(t, memstore.New(), fm)
	asst, _, files := searchFixture(t, l,
		openai.AssistantToolUnionParam{OfFileSearch: &openai.FileSearchToolParam{}},
		openai.AssistantToolUnionParam{OfFunction: &openai.FunctionToolParam{Function: openai.FunctionDefinitionParam{Name: "get_weather"}}})
	ctx := t.Context()
	thread := l.thread(question)
	run := l.createAndPoll(thread, openai.BetaThreadRunNewParams{AssistantID: asst})
	if run.Status != openai.RunStatusRequiresAction {
		t.Fatalf("run %s; want requires_action", run.Status)
	}
	calls := run.RequiredAction.SubmitToolOutputs.ToolCalls
	if len(calls) != 1 || calls[0].Function.Name != "get_weather" {
		t.Fatalf("required action: %+v", calls)
	}
	if _, err := l.c.Beta.Threads.Runs.SubmitToolOutputs(ctx, thread, run.ID, openai.BetaThreadRunSubmitToolOutputsParams{
		ToolOutputs: []openai.BetaThreadRunSubmitToolOutputsParamsToolOutput{{ToolCallID: openai.String(calls[0].ID), Output: openai.String("beau")}}}); err != nil {
		t.Fatal(err)
	}
	run = l.poll(thread, run.ID, openai.RunStatusCompleted, openai.RunStatusFailed, openai.RunStatusIncomplete)
	if run.Status != openai.RunStatusCompleted {
		t.Fatalf("run %s: %+v", run.Status, run.LastError)
	}
	checkCitedAnswer(t, l, thread, files)
	steps, err := l.c.Beta.Threads.Runs.Steps.List(ctx, thread, run.ID, openai.BetaThreadRunStepListParams{Order: "asc"})
	if err != nil {
		t.Fatal(err)
	}
	tc := steps.Data[0].StepDetails.ToolCalls
	if len(tc) != 2 || tc[0].Type != "file_search" || len(tc[0].FileSearch.Results) == 0 || tc[1].Type != "function" || tc[1].Function.Output != "beau" {
		t.Fatalf("tool_calls step: %s", steps.Data[0].RawJSON())
	}
	msgs, _ := l.c.Beta.Threads.Messages.List(ctx, thread, openai.BetaThreadMessageListParams{})
	if v := msgs.Data[0].Content[0].Text.Value; !strings.HasSuffix(v, "Il fait beau.") {
		t.Fatalf("reply %q does not use the function's output", v)
	}
}

// TestFileSearchForced: tool_choice {type: file_search} forces the
// search function in the first model call only.
func TestFileSearchForced(t *testing.T) {
	fm := fakemodel.New()
	fm.Default = searchingModel
	l := startLive(t, memstore.New(), fm)
	asst, _, files := searchFixture(t, l)
	thread := l.thread(question)
	run := l.createAndPoll(thread, openai.BetaThreadRunNewParams{AssistantID: asst,
		ToolChoice: openai.AssistantToolChoiceOptionUnionParam{OfAssistantToolChoice: &openai.AssistantToolChoiceParam{Type: "file_search"}}})
	if run.Status != openai.RunStatusCompleted {
		t.Fatalf("run %s: %+v", run.Status, run.LastError)
	}
	checkCitedAnswer(t, l, thread, files)
	reqs := fm.Requests()
	first, _ := json.Marshal(reqs[0].Body["tool_choice"])
	if string(first) != `{"function":{"name":"file_search"},"type":"function"}` {
		t.Fatalf("first call's tool_choice: %s", first)
	}
	if tc, ok := reqs[1].Body["tool_choice"]; ok {
		t.Fatalf("the call after the search is still forced: %v", tc)
	}
}

// TestFileSearchTakeover: a worker that died after writing a turn's
// completed file_search step (before starting the next turn) leaves the
// run to the next worker, which starts the next turn without searching
// again, gives the model the stored results and completes the run with
// a citation, on every backend.
func TestFileSearchTakeover(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		fm := fakemodel.New()
		fm.Default = searchingModel
		b := newBucket(t)
		e := newEnv(t, b, fm)
		ctx := t.Context()
		thread := e.thread(question)
		run := e.run(thread, func(r *assistants.Run) { r.Tools = []assistants.Tool{assistants.FileSearchTool(nil)} })
		lease := store.Lease{Owner: "dead", Until: time.Now().Add(-time.Second).UnixMilli(), Claims: 1, Turn: 1,
			StepID: assistants.NewID(assistants.PrefixStep), MessageID: assistants.NewID(assistants.PrefixMessage)}
		if _, _, err := e.store.Runs.UpdateLeased(ctx, thread, run.ID, func(r *assistants.Run, l *store.Lease) error {
			*l = lease
			return r.Transition(assistants.RunInProgress, time.Now().Unix())
		}); err != nil {
			t.Fatal(err)
		}
		now := time.Now().Unix()
		const fileID = "file-lighthouse"
		step := assistants.RunStep{ID: lease.StepID, Object: assistants.ObjectRunStep, CreatedAt: now,
			AssistantID: testAssistant, ThreadID: thread, RunID: run.ID, Type: assistants.StepToolCalls,
			Status: assistants.StepCompleted, CompletedAt: &now, Usage: &assistants.Usage{PromptTokens: 3, CompletionTokens: 1, TotalTokens: 4},
			StepDetails: assistants.StepDetails{Type: assistants.StepToolCalls, ToolCalls: []assistants.ToolCall{{
				ID: "call_search1", Type: assistants.ToolFileSearch, FileSearch: &assistants.FileSearchCall{Query: query,
					Results: []assistants.FileSearchResult{{FileID: fileID, FileName: "lighthouse.txt", Score: 0.5,
						Content: []assistants.FileSearchResultContent{{Type: "text", Text: corpus["lighthouse.txt"]}}}}}}}}}
		if _, err := e.store.Steps.PutIf(ctx, step, ""); err != nil {
			t.Fatal(err)
		}
		o := fastOptions
		o.ID, o.VectorStores = "w2", vectorstore.New(b, nil, nil)
		w := runner.New(store.Open(b, nil), e.client(""), &o)
		e.start(w)
		if err := w.Enqueue(ctx, thread, run.ID); err != nil {
			t.Fatal(err)
		}
		got := e.wait(thread, run.ID, assistants.RunCompleted, assistants.RunFailed)
		if got.Status != assistants.RunCompleted || fm.Count() != 1 {
			t.Fatalf("run %s (%+v) after %d model calls; want completed after 1", got.Status, got.LastError, fm.Count())
		}
		if outs := fakemodel.ToolOutputs(fm.Requests()[0]); len(outs) != 1 || !strings.Contains(outs[0], "Élodie Müller") {
			t.Fatalf("the model got %q", outs)
		}
		rs := replies(e.messages(thread), run.ID)
		if len(rs) != 1 || len(rs[0].Content[0].Text.Annotations) != 1 || rs[0].Content[0].Text.Annotations[0].FileCitation.FileID != fileID {
			t.Fatalf("replies: %+v", rs)
		}
		if st := e.steps(thread, run.ID); len(st) != 2 || got.Usage == nil || got.Usage.TotalTokens <= 4 {
			t.Fatalf("%d steps, usage %+v", len(st), got.Usage)
		}
	})
}

// TestFileSearchExpiredStore: a run searching a vector store that has
// expired ends failed with a last_error naming the store.
func TestFileSearchExpiredStore(t *testing.T) {
	fm := fakemodel.New()
	fm.Default = searchingModel
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	l := startLiveConfig(t, memstore.New(), fm, func(c *api.Config) {
		c.VectorStores = &vectorstore.Options{Now: clock}
	}, nil)
	asst, vs, _ := searchFixture(t, l)
	if _, err := l.c.VectorStores.Update(t.Context(), vs, openai.VectorStoreUpdateParams{
		ExpiresAfter: openai.VectorStoreUpdateParamsExpiresAfter{Days: 1}}); err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(49 * time.Hour))
	run := l.createAndPoll(l.thread(question), openai.BetaThreadRunNewParams{AssistantID: asst})
	if run.Status != openai.RunStatusFailed || run.LastError.Code != "server_error" || !strings.Contains(run.LastError.Message, vs+" has expired") {
		t.Fatalf("run %s, last_error %+v", run.Status, run.LastError)
	}
}

// TestFileSearchEmbeddings: with an OpenAI-compatible embeddings
// endpoint configured, files are embedded at ingestion and the query at
// search (hybrid ranking), and the run answers from the right file.
func TestFileSearchEmbeddings(t *testing.T) {
	var calls atomic.Int64
	emb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
		}
		if r.URL.Path != "/v1/embeddings" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		calls.Add(1)
		vecs, _ := vectorstore.HashEmbedder{Dims: 64}.Embed(r.Context(), req.Input)
		var out struct {
			Data []map[string]any `json:"data"`
		}
		for i, v := range vecs {
			out.Data = append(out.Data, map[string]any{"object": "embedding", "index": i, "embedding": v})
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(emb.Close)
	fm := fakemodel.New()
	fm.Default = searchingModel
	l := startLiveConfig(t, memstore.New(), fm, func(c *api.Config) {
		c.VectorStores = &vectorstore.Options{Embedder: &vectorstore.OpenAIEmbedder{BaseURL: emb.URL + "/v1", Model: "fake-embed"}}
	}, nil)
	asst, _, files := searchFixture(t, l)
	ingested := calls.Load()
	if ingested == 0 {
		t.Fatal("no embeddings call at ingestion")
	}
	thread := l.thread(question)
	run := l.createAndPoll(thread, openai.BetaThreadRunNewParams{AssistantID: asst})
	if run.Status != openai.RunStatusCompleted {
		t.Fatalf("run %s: %+v", run.Status, run.LastError)
	}
	if calls.Load() == ingested {
		t.Fatal("the search did not embed its query")
	}
	checkCitedAnswer(t, l, thread, files)
}

// TestFileSearchToolSettings: the file_search tool's max_num_results
// and score_threshold bound the results: the assistant's, and the run's
// when it overrides the tools.
func TestFileSearchToolSettings(t *testing.T) {
	fm := fakemodel.New()
	fm.Default = func(req fakemodel.Request) fakemodel.Reply {
		if len(fakemodel.ToolOutputs(req)) == 0 {
			return fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{{ID: "call_s1", Name: "file_search",
				Arguments: `{"query":"phare bakery river"}`}}}
		}
		return fakemodel.Reply{Content: "ok"}
	}
	l := startLive(t, memstore.New(), fm)
	fs := func(n int64, threshold float64) openai.AssistantToolUnionParam {
		return openai.AssistantToolUnionParam{OfFileSearch: &openai.FileSearchToolParam{FileSearch: openai.FileSearchToolFileSearchParam{
			MaxNumResults: openai.Int(n), RankingOptions: openai.FileSearchToolFileSearchRankingOptionsParam{ScoreThreshold: threshold}}}}
	}
	asst, _, _ := searchFixture(t, l, fs(2, 0))
	results := func(p openai.BetaThreadRunNewParams) int {
		t.Helper()
		thread := l.thread(question)
		p.AssistantID = asst
		run := l.createAndPoll(thread, p)
		if run.Status != openai.RunStatusCompleted {
			t.Fatalf("run %s: %+v", run.Status, run.LastError)
		}
		steps, err := l.c.Beta.Threads.Runs.Steps.List(t.Context(), thread, run.ID, openai.BetaThreadRunStepListParams{Order: "asc"})
		if err != nil {
			t.Fatal(err)
		}
		return len(steps.Data[0].StepDetails.ToolCalls[0].FileSearch.Results)
	}
	if n := results(openai.BetaThreadRunNewParams{}); n != 2 {
		t.Errorf("the assistant's max_num_results 2: %d results", n)
	}
	if n := results(openai.BetaThreadRunNewParams{Tools: []openai.AssistantToolUnionParam{fs(1, 0)}}); n != 1 {
		t.Errorf("the run's max_num_results 1: %d results", n)
	}
	if n := results(openai.BetaThreadRunNewParams{Tools: []openai.AssistantToolUnionParam{fs(50, 0.999)}}); n != 0 {
		t.Errorf("score_threshold 0.999: %d results", n)
	}
	last := fm.Requests()[fm.Count()-1]
	if outs := fakemodel.ToolOutputs(last); len(outs) != 1 || !strings.HasPrefix(outs[0], "No results for") {
		t.Errorf("tool output without results: %q", outs)
	}
}

// TestFileSearchAttachment: a file attached to a message for
// file_search, on a thread with no vector store of its own and an
// assistant with none, is put in a store made for the thread; the run
// waits for it to be indexed and answers from it.
func TestFileSearchAttachment(t *testing.T) {
	fm := fakemodel.New()
	fm.Default = searchingModel
	l := startLive(t, memstore.New(), fm)
	ctx := t.Context()
	f, err := l.c.Files.New(ctx, openai.FileNewParams{File: openai.File(strings.NewReader(corpus["lighthouse.txt"]), "lighthouse.txt", "text/plain"),
		Purpose: openai.FilePurposeAssistants})
	if err != nil {
		t.Fatal(err)
	}
	a, err := l.c.Beta.Assistants.New(ctx, openai.BetaAssistantNewParams{Model: "fake-model",
		Tools: []openai.AssistantToolUnionParam{{OfFileSearch: &openai.FileSearchToolParam{}}}})
	if err != nil {
		t.Fatal(err)
	}
	th, err := l.c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{Messages: []openai.BetaThreadNewParamsMessage{{
		Role: "user", Content: openai.BetaThreadNewParamsMessageContentUnion{OfString: openai.String(question)},
		Attachments: []openai.BetaThreadNewParamsMessageAttachment{{FileID: openai.String(f.ID),
			Tools: []openai.BetaThreadNewParamsMessageAttachmentToolUnion{{OfFileSearch: &openai.BetaThreadNewParamsMessageAttachmentToolFileSearch{}}}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if ids := th.ToolResources.FileSearch.VectorStoreIDs; len(ids) != 1 {
		t.Fatalf("the thread's vector stores: %v", ids)
	}
	run := l.createAndPoll(th.ID, openai.BetaThreadRunNewParams{AssistantID: a.ID})
	if run.Status != openai.RunStatusCompleted {
		t.Fatalf("run %s: %+v", run.Status, run.LastError)
	}
	checkCitedAnswer(t, l, th.ID, map[string]string{"lighthouse.txt": f.ID})
}

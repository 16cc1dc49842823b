package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/vectorstore"
)

// file_search.
//
// A run whose tools include file_search offers the model a function,
// SearchFunction, taking {"query": string}. When the model calls it, the
// worker itself searches the vector stores of the run's assistant and of
// its thread (tool_resources.file_search.vector_store_ids of each),
// never asking the client (no requires_action):
//
//   - it first waits, up to Options.SearchWait, for the files of those
//     stores still being ingested (a file attached to a message a moment
//     ago is searched once it is indexed), then searches each store with
//     the tool's max_num_results (20 by default) and ranking_options
//     (the run's tool, else the assistant's), and keeps the best
//     max_num_results over all of them;
//   - it writes a tool_calls step with a file_search call per search
//     ({ranking_options, results: [{file_id, file_name, score,
//     content}]}, and the query, which the API does not show). A turn
//     whose calls are all searches completes its step and the run goes
//     on with a new turn at once; calls of function tools in the same
//     answer are written in the same step, and the run requires_action
//     for them as usual;
//   - the next model call gets the search results as the call's tool
//     output (see searchOutput): each result is headed by its marker,
//     【c:i†file name】, where c numbers the run's file_search calls from
//     0 and i the call's results, and the model is asked to cite a
//     result by writing its marker;
//   - in the reply, every marker that names a result of the run becomes
//     a file_citation annotation {text: the marker, start_index,
//     end_index (UTF-16 code units, as clients count), file_citation:
//     {file_id}}; the marker stays in the text, as OpenAI's did.
//
// A forced tool_choice {type: "file_search"} forces the search function
// until the run has searched once, then lets the model answer. A run
// stops being offered the search after MaxSearchCalls calls. An expired
// vector store, or a search that fails (the bucket's error after its
// retries), ends the run failed with last_error server_error naming the
// store; a vector store that no longer exists is skipped.

// SearchFunction is the name of the function the model calls to search
// the run's files. A run may not also have a function tool of that name.
const SearchFunction = "file_search"

// MaxSearchCalls bounds the file_search calls of one run: past them the
// search function is no longer offered.
const MaxSearchCalls = 8

// DefaultSearchResults is file_search's max_num_results when the tool
// sets none (OpenAI's default for gpt-4 class models).
const DefaultSearchResults = 20

// VectorStores is the vector store service file_search searches; a
// *vectorstore.Service is one.
type VectorStores interface {
	Get(ctx context.Context, id string) (*vectorstore.VectorStore, error)
	Search(ctx context.Context, id string, p vectorstore.SearchParams) (*vectorstore.SearchResults, error)
}

var _ VectorStores = (*vectorstore.Service)(nil)

// searchTool is the definition of the search function offered to the
// model.
var searchTool = ChatTool{Type: "function", Function: ChatFunction{
	Name: SearchFunction,
	Description: "Search the files attached to this conversation and return the most relevant excerpts. " +
		"Use it whenever the answer may be in those files.",
	Parameters: json.RawMessage(`{"type":"object","properties":{"query":{"type":"string",` +
		`"description":"What to look for, in a few words or a question"}},"required":["query"]}`),
}}

// searchFailure ends a run failed with last_error server_error and its
// message.
type searchFailure struct{ msg string }

func (e *searchFailure) Error() string { return e.msg }

// fileSearchTool returns the run's file_search tool, if it has one.
func fileSearchTool(r *assistants.Run) (assistants.Tool, bool) {
	for _, t := range r.Tools {
		if t.Type == assistants.ToolFileSearch {
			return t, true
		}
	}
	return assistants.Tool{}, false
}

// searchArgs reads the query of a search call: {"query": "..."}, or the
// arguments as they are when they are not that JSON.
func searchArgs(arguments string) string {
	var a struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal([]byte(arguments), &a); err == nil {
		return strings.TrimSpace(a.Query)
	}
	return strings.TrimSpace(arguments)
}

// searchCall runs the search of one call of the search function and
// returns its file_search tool call.
func (x *execution) searchCall(ctx context.Context, id, arguments string, stores []string) (assistants.ToolCall, error) {
	tool, _ := fileSearchTool(x.run)
	n := DefaultSearchResults
	ranking := &assistants.FileSearchRankingOptions{Ranker: assistants.RankerDefault}
	if o := tool.FileSearch; o != nil {
		if o.MaxNumResults != nil {
			n = *o.MaxNumResults
		}
		if o.RankingOptions != nil {
			ranking = &assistants.FileSearchRankingOptions{Ranker: o.RankingOptions.Ranker, ScoreThreshold: o.RankingOptions.ScoreThreshold}
			if ranking.Ranker == "" {
				ranking.Ranker = assistants.RankerDefault
			}
		}
	}
	call := assistants.ToolCall{ID: id, Type: assistants.ToolFileSearch,
		FileSearch: &assistants.FileSearchCall{RankingOptions: ranking, Query: searchArgs(arguments), Results: []assistants.FileSearchResult{}}}
	if call.FileSearch.Query == "" {
		return call, nil // the output says so
	}
	p := vectorstore.SearchParams{Query: vectorstore.Query{call.FileSearch.Query}, MaxNumResults: n,
		RankingOptions: &vectorstore.RankingOptions{Ranker: "auto", ScoreThreshold: ranking.ScoreThreshold}}
	var all []vectorstore.SearchResult
	for _, vs := range stores {
		res, err := x.w.opts.VectorStores.Search(ctx, vs, p)
		switch {
		case errors.Is(err, vectorstore.ErrExpired):
			return call, &searchFailure{fmt.Sprintf("file_search: vector store %s has expired", vs)}
		case errors.Is(err, storage.ErrNotFound):
			continue // deleted since
		case err != nil:
			if ctx.Err() != nil {
				return call, ctx.Err()
			}
			return call, &searchFailure{fmt.Sprintf("file_search: searching vector store %s failed: %v", vs, err)}
		}
		all = append(all, res.Data...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Score > all[j].Score })
	for _, r := range all[:min(len(all), n)] {
		res := assistants.FileSearchResult{FileID: r.FileID, FileName: r.Filename, Score: min(max(r.Score, 0), 1)}
		for _, c := range r.Content {
			res.Content = append(res.Content, assistants.FileSearchResultContent{Type: "text", Text: c.Text})
		}
		call.FileSearch.Results = append(call.FileSearch.Results, res)
	}
	return call, nil
}

// searchStores returns the vector stores a search of the run looks in:
// the assistant's, then the thread's, without repeats.
func (x *execution) searchStores(ctx context.Context) ([]string, error) {
	var ids []string
	add := func(r *assistants.ToolResources) {
		if r == nil || r.FileSearch == nil {
			return
		}
		for _, id := range r.FileSearch.VectorStoreIDs {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	a, err := x.w.store.Assistants.Get(ctx, x.run.AssistantID)
	switch {
	case err == nil:
		add(a.Value.ToolResources)
	case !errors.Is(err, storage.ErrNotFound):
		return nil, err
	}
	t, err := x.w.store.Threads.Get(ctx, x.thread)
	if err != nil {
		return nil, err
	}
	add(t.Value.ToolResources)
	return ids, nil
}

// awaitIngestion waits until no file of stores is in_progress, at most
// Options.SearchWait (then the search finds the files indexed so far).
// An expired store fails the run.
func (x *execution) awaitIngestion(ctx context.Context, stores []string) error {
	deadline := x.w.now().Add(x.w.opts.SearchWait)
	delay := 50 * time.Millisecond
	for {
		busy := false
		for _, id := range stores {
			v, err := x.w.opts.VectorStores.Get(ctx, id)
			switch {
			case errors.Is(err, storage.ErrNotFound):
				continue
			case err != nil:
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return &searchFailure{fmt.Sprintf("file_search: reading vector store %s failed: %v", id, err)}
			case v.Status == vectorstore.StatusExpired:
				return &searchFailure{fmt.Sprintf("file_search: vector store %s has expired", id)}
			}
			busy = busy || v.FileCounts.InProgress > 0
		}
		if !busy || !x.w.now().Before(deadline) {
			return nil
		}
		if err := resilience.Sleep(ctx, delay); err != nil {
			return err
		}
		delay = min(delay*2, time.Second)
	}
}

// searchOutput is the tool output the model gets for a file_search call,
// the run's call number c (from 0): its results, each headed by its
// marker, and how to cite them. It is rebuilt from the stored call for
// every later turn, so it is the same each time.
func searchOutput(c int, call *assistants.FileSearchCall) string {
	if call.Query == "" {
		return "No query was given: call " + SearchFunction + ` with {"query": "..."}.`
	}
	if len(call.Results) == 0 {
		return fmt.Sprintf("No results for %q in the attached files.", call.Query)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Results for %q. Each result starts with its marker, such as %s. "+
		"When you use a result, cite it by writing its marker exactly as given right after the text it supports.\n",
		call.Query, marker(c, 0, call.Results[0].FileName))
	for i, r := range call.Results {
		fmt.Fprintf(&b, "\n%s (score %.2f)\n", marker(c, i, r.FileName), r.Score)
		for _, p := range r.Content {
			b.WriteString(p.Text)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// marker is the citation marker of result i of the run's call c.
func marker(c, i int, name string) string {
	name = strings.NewReplacer("】", "", "【", "").Replace(name)
	if name == "" {
		name = "source"
	}
	return fmt.Sprintf("【%d:%d†%s】", c, i, name)
}

//lint:file-ignore SA1019 OpenAI deprecated the Assistants API that r2kit serves; the official client's methods for it are what these tests drive.

package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
)

// staticMax and staticOverlap are the static chunking the helper tests
// ask for.
const staticMax, staticOverlap = 200, 50

// checkHelperStore checks the vector store an entity got from
// tool_resources.file_search.vector_stores: the entity's JSON (raw)
// names exactly one store, ids (what the client read), and no
// vector_stores; the store has files, all completed once ingested, with
// the static chunking asked for, metadata made=made, and, for a
// thread's, a 7-day expiry. It returns the store's id.
func checkHelperStore(t *testing.T, c openai.Client, raw string, ids, files []string, made string, thread bool) string {
	t.Helper()
	if strings.Contains(raw, "vector_stores") || len(ids) != 1 || !strings.HasPrefix(ids[0], "vs_") {
		t.Fatalf("%s: vector_store_ids %q", raw, ids)
	}
	v := waitStore(t, c, ids[0])
	if v.Status != openai.VectorStoreStatusCompleted || v.FileCounts.Completed != int64(len(files)) || v.FileCounts.Total != int64(len(files)) ||
		v.Metadata["made"] != made {
		t.Fatalf("store = %s", v.RawJSON())
	}
	if thread && (v.ExpiresAfter.Days != 7 || v.ExpiresAfter.Anchor != "last_active_at" || v.ExpiresAt == 0) ||
		!thread && (v.ExpiresAfter.Days != 0 || v.ExpiresAt != 0) {
		t.Fatalf("store expiry: %s", v.RawJSON())
	}
	page, err := c.VectorStores.Files.List(t.Context(), v.ID, openai.VectorStoreFileListParams{Order: openai.VectorStoreFileListParamsOrderAsc})
	if err != nil || len(page.Data) != len(files) {
		t.Fatalf("Files.List = %v, %v", page, err)
	}
	for i, f := range page.Data {
		if f.ID != files[i] || f.ChunkingStrategy.Static.MaxChunkSizeTokens != staticMax || f.ChunkingStrategy.Static.ChunkOverlapTokens != staticOverlap {
			t.Fatalf("file %d = %s", i, f.RawJSON())
		}
	}
	return v.ID
}

// tool_resources.file_search.vector_stores on assistant create, thread
// create and the thread of create thread and run makes the store on the
// spot: its files are ingested and the entity stores its id.
func TestVectorStoresHelper(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		t.Parallel()
		srv := startServer(t, newBucket(t), api.Config{})
		c := openaiClient(t, srv.URL, testKey)
		ctx := t.Context()
		files := []string{
			upload(t, c, "castle.txt", "The hidden passage is behind the bookcase."),
			upload(t, c, "garden.md", "# Garden\n\nThe roses bloom in June."),
		}

		a, err := c.Beta.Assistants.New(ctx, openai.BetaAssistantNewParams{Model: "m",
			Tools: []openai.AssistantToolUnionParam{{OfFileSearch: &openai.FileSearchToolParam{}}},
			ToolResources: openai.BetaAssistantNewParamsToolResources{FileSearch: openai.BetaAssistantNewParamsToolResourcesFileSearch{
				VectorStores: []openai.BetaAssistantNewParamsToolResourcesFileSearchVectorStore{{FileIDs: files, Metadata: shared.Metadata{"made": "assistant"},
					ChunkingStrategy: openai.BetaAssistantNewParamsToolResourcesFileSearchVectorStoreChunkingStrategyUnion{
						OfStatic: &openai.BetaAssistantNewParamsToolResourcesFileSearchVectorStoreChunkingStrategyStatic{
							Static: openai.BetaAssistantNewParamsToolResourcesFileSearchVectorStoreChunkingStrategyStaticStatic{
								MaxChunkSizeTokens: staticMax, ChunkOverlapTokens: staticOverlap}}}}}}}})
		if err != nil {
			t.Fatalf("Assistants.New: %v", err)
		}
		av := checkHelperStore(t, c, a.RawJSON(), a.ToolResources.FileSearch.VectorStoreIDs, files, "assistant", false)
		if got, err := c.Beta.Assistants.Get(ctx, a.ID); err != nil || !slices.Equal(got.ToolResources.FileSearch.VectorStoreIDs, []string{av}) ||
			strings.Contains(got.RawJSON(), "vector_stores") {
			t.Fatalf("Assistants.Get = %v, %v", got, err)
		}

		th, err := c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{
			ToolResources: openai.BetaThreadNewParamsToolResources{FileSearch: openai.BetaThreadNewParamsToolResourcesFileSearch{
				VectorStores: []openai.BetaThreadNewParamsToolResourcesFileSearchVectorStore{{FileIDs: files, Metadata: shared.Metadata{"made": "thread"},
					ChunkingStrategy: openai.BetaThreadNewParamsToolResourcesFileSearchVectorStoreChunkingStrategyUnion{
						OfStatic: &openai.BetaThreadNewParamsToolResourcesFileSearchVectorStoreChunkingStrategyStatic{
							Static: openai.BetaThreadNewParamsToolResourcesFileSearchVectorStoreChunkingStrategyStaticStatic{
								MaxChunkSizeTokens: staticMax, ChunkOverlapTokens: staticOverlap}}}}}}}})
		if err != nil {
			t.Fatalf("Threads.New: %v", err)
		}
		tv := checkHelperStore(t, c, th.RawJSON(), th.ToolResources.FileSearch.VectorStoreIDs, files, "thread", true)
		if got, err := c.Beta.Threads.Get(ctx, th.ID); err != nil || !slices.Equal(got.ToolResources.FileSearch.VectorStoreIDs, []string{tv}) {
			t.Fatalf("Threads.Get = %v, %v", got, err)
		}

		run, err := c.Beta.Threads.NewAndRun(ctx, openai.BetaThreadNewAndRunParams{AssistantID: a.ID, Thread: openai.BetaThreadNewAndRunParamsThread{
			ToolResources: openai.BetaThreadNewAndRunParamsThreadToolResources{FileSearch: openai.BetaThreadNewAndRunParamsThreadToolResourcesFileSearch{
				VectorStores: []openai.BetaThreadNewAndRunParamsThreadToolResourcesFileSearchVectorStore{{FileIDs: files[1:], Metadata: shared.Metadata{"made": "thread and run"},
					ChunkingStrategy: openai.BetaThreadNewAndRunParamsThreadToolResourcesFileSearchVectorStoreChunkingStrategyUnion{
						OfStatic: &openai.BetaThreadNewAndRunParamsThreadToolResourcesFileSearchVectorStoreChunkingStrategyStatic{
							Static: openai.BetaThreadNewAndRunParamsThreadToolResourcesFileSearchVectorStoreChunkingStrategyStaticStatic{
								MaxChunkSizeTokens: staticMax, ChunkOverlapTokens: staticOverlap}}}}}}}}})
		if err != nil {
			t.Fatalf("Threads.NewAndRun: %v", err)
		}
		rt, err := c.Beta.Threads.Get(ctx, run.ThreadID)
		if err != nil {
			t.Fatal(err)
		}
		rv := checkHelperStore(t, c, rt.RawJSON(), rt.ToolResources.FileSearch.VectorStoreIDs, files[1:], "thread and run", true)

		list, err := c.VectorStores.List(ctx, openai.VectorStoreListParams{Limit: openai.Int(100), Order: openai.VectorStoreListParamsOrderAsc})
		if err != nil || len(list.Data) != 3 || list.HasMore || list.Data[0].ID != av || list.Data[1].ID != tv || list.Data[2].ID != rv {
			t.Fatalf("VectorStores.List = %v, %v; want %s %s %s", list, err, av, tv, rv)
		}
	})
}

// Bad input to the vector_stores helper, and the helper where only
// vector_store_ids are taken, get OpenAI's 400s and 404s naming the
// param, and leave nothing behind.
func TestVectorStoresHelperErrors(t *testing.T) {
	srv := startServer(t, memstore.New(), api.Config{})
	t.Cleanup(func() { srv.bucket.Close() })
	c := openaiClient(t, srv.URL, testKey)
	ctx := t.Context()
	file := upload(t, c, "a.txt", "alpha")
	a, err := c.Beta.Assistants.New(ctx, openai.BetaAssistantNewParams{Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	th, err := c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{})
	if err != nil {
		t.Fatal(err)
	}
	asstStores := func(vs ...openai.BetaAssistantNewParamsToolResourcesFileSearchVectorStore) error {
		_, err := c.Beta.Assistants.New(ctx, openai.BetaAssistantNewParams{Model: "m", ToolResources: openai.BetaAssistantNewParamsToolResources{
			FileSearch: openai.BetaAssistantNewParamsToolResourcesFileSearch{VectorStores: vs}}})
		return err
	}
	md := shared.Metadata{}
	for i := range 17 {
		md[fmt.Sprint("k", i)] = "v"
	}
	for _, tc := range []struct {
		name   string
		call   func() error
		status int
		param  string
	}{
		{"assistant: unknown file", func() error {
			return asstStores(openai.BetaAssistantNewParamsToolResourcesFileSearchVectorStore{FileIDs: []string{file, "file-nope"}})
		}, 404, "tool_resources.file_search.vector_stores[0].file_ids[1]"},
		{"assistant: not a file id", func() error {
			return asstStores(openai.BetaAssistantNewParamsToolResourcesFileSearchVectorStore{FileIDs: []string{file, "asst_1"}})
		}, 400, "tool_resources.file_search.vector_stores[0].file_ids[1]"},
		{"assistant: two stores", func() error {
			return asstStores(openai.BetaAssistantNewParamsToolResourcesFileSearchVectorStore{FileIDs: []string{file}},
				openai.BetaAssistantNewParamsToolResourcesFileSearchVectorStore{FileIDs: []string{file}})
		}, 400, "tool_resources.file_search.vector_stores"},
		{"assistant: 17 metadata pairs", func() error {
			return asstStores(openai.BetaAssistantNewParamsToolResourcesFileSearchVectorStore{FileIDs: []string{file}, Metadata: md})
		}, 400, "tool_resources.file_search.vector_stores[0].metadata"},
		{"assistant: chunks too small", func() error {
			return asstStores(openai.BetaAssistantNewParamsToolResourcesFileSearchVectorStore{FileIDs: []string{file},
				ChunkingStrategy: openai.BetaAssistantNewParamsToolResourcesFileSearchVectorStoreChunkingStrategyUnion{
					OfStatic: &openai.BetaAssistantNewParamsToolResourcesFileSearchVectorStoreChunkingStrategyStatic{
						Static: openai.BetaAssistantNewParamsToolResourcesFileSearchVectorStoreChunkingStrategyStaticStatic{MaxChunkSizeTokens: 99}}}})
		}, 400, "tool_resources.file_search.vector_stores[0].chunking_strategy.static.max_chunk_size_tokens"},
		{"thread: unknown file", func() error {
			_, err := c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{ToolResources: openai.BetaThreadNewParamsToolResources{
				FileSearch: openai.BetaThreadNewParamsToolResourcesFileSearch{
					VectorStores: []openai.BetaThreadNewParamsToolResourcesFileSearchVectorStore{{FileIDs: []string{"file-nope"}}}}}})
			return err
		}, 404, "tool_resources.file_search.vector_stores[0].file_ids[0]"},
		{"thread: with vector_store_ids", func() error {
			_, err := c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{ToolResources: openai.BetaThreadNewParamsToolResources{
				FileSearch: openai.BetaThreadNewParamsToolResourcesFileSearch{VectorStoreIDs: []string{"vs_abc"},
					VectorStores: []openai.BetaThreadNewParamsToolResourcesFileSearchVectorStore{{FileIDs: []string{file}}}}}})
			return err
		}, 400, "tool_resources.file_search.vector_stores"},
		{"thread and run: unknown file", func() error {
			_, err := c.Beta.Threads.NewAndRun(ctx, openai.BetaThreadNewAndRunParams{AssistantID: a.ID, Thread: openai.BetaThreadNewAndRunParamsThread{
				ToolResources: openai.BetaThreadNewAndRunParamsThreadToolResources{FileSearch: openai.BetaThreadNewAndRunParamsThreadToolResourcesFileSearch{
					VectorStores: []openai.BetaThreadNewAndRunParamsThreadToolResourcesFileSearchVectorStore{{FileIDs: []string{file, "file-nope"}}}}}}})
			return err
		}, 404, "thread.tool_resources.file_search.vector_stores[0].file_ids[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := wantAPIError(t, tc.call(), tc.status, "invalid_request_error", "")
			if e.Param != tc.param {
				t.Fatalf("param %q, want %q; %s", e.Param, tc.param, e.RawJSON())
			}
		})
	}
	// What the client cannot send: raw bodies.
	hc := httpClient(t)
	helper := `{"file_search":{"vector_stores":[{"file_ids":["` + file + `"]}]}}`
	for _, tc := range []struct{ name, path, body, param, message string }{
		{"chunking_strategy a string", "/v1/assistants", `{"model":"m","tool_resources":{"file_search":{"vector_stores":[{"chunking_strategy":"auto"}]}}}`,
			"tool_resources.file_search.vector_stores[0].chunking_strategy", "Invalid 'tool_resources.file_search.vector_stores[0].chunking_strategy'"},
		{"chunking_strategy of an unknown type", "/v1/threads", `{"tool_resources":{"file_search":{"vector_stores":[{"chunking_strategy":{"type":"big"}}]}}}`,
			"tool_resources.file_search.vector_stores[0].chunking_strategy.type", ""},
		{"modify assistant", "/v1/assistants/" + a.ID, `{"tool_resources":` + helper + `}`,
			"tool_resources.file_search.vector_stores", "Unrecognized request argument supplied: tool_resources.file_search.vector_stores."},
		{"modify thread", "/v1/threads/" + th.ID, `{"tool_resources":` + helper + `}`,
			"tool_resources.file_search.vector_stores", "Unrecognized request argument supplied: tool_resources.file_search.vector_stores."},
		{"modify thread, empty", "/v1/threads/" + th.ID, `{"tool_resources":{"file_search":{"vector_stores":[]}}}`,
			"tool_resources.file_search.vector_stores", "Unrecognized request argument supplied"},
		{"thread and run, top level", "/v1/threads/runs", `{"assistant_id":"` + a.ID + `","tool_resources":` + helper + `}`,
			"tool_resources.file_search.vector_stores", "Unrecognized request argument supplied: tool_resources.file_search.vector_stores. To make the thread's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := rawRequest(t, hc, "POST", srv.URL+tc.path, "application/json", strings.NewReader(tc.body))
			var e struct {
				Error struct {
					Message, Type string
					Param         *string
				}
			}
			if err := json.Unmarshal(body, &e); err != nil || status != http.StatusBadRequest || e.Error.Type != "invalid_request_error" ||
				e.Error.Param == nil || *e.Error.Param != tc.param || !strings.HasPrefix(e.Error.Message, tc.message) {
				t.Fatalf("%d %s, want 400 with param %s and message %q...", status, body, tc.param, tc.message)
			}
		})
	}
	// Nothing was made: no store, no other assistant or thread, and the
	// modified ones are as they were.
	list, err := c.VectorStores.List(ctx, openai.VectorStoreListParams{Limit: openai.Int(100)})
	if err != nil || len(list.Data) != 0 {
		t.Fatalf("VectorStores.List = %v, %v; want none", list, err)
	}
	as, err := c.Beta.Assistants.List(ctx, openai.BetaAssistantListParams{Limit: openai.Int(100)})
	if err != nil || len(as.Data) != 1 || as.Data[0].ID != a.ID || len(as.Data[0].ToolResources.FileSearch.VectorStoreIDs) != 0 {
		t.Fatalf("Assistants.List = %v, %v; want only %s", as, err, a.ID)
	}
	if n := threadCount(t, hc, srv.URL); n != 1 {
		t.Fatalf("%d threads, want 1", n)
	}
}

// threadCount counts the threads through r2kit's GET /v1/threads (at
// most 100).
func threadCount(t *testing.T, hc *http.Client, base string) int {
	t.Helper()
	status, _, body := rawRequest(t, hc, "GET", base+"/v1/threads?limit=100", "", nil)
	var l struct {
		Data    []json.RawMessage
		HasMore bool `json:"has_more"`
	}
	if err := json.Unmarshal(body, &l); err != nil || status != http.StatusOK || l.HasMore {
		t.Fatalf("GET /v1/threads: %d %s", status, body)
	}
	return len(l.Data)
}

// failingPuts fails every Put of a key under prefix, while prefix is set.
type failingPuts struct {
	storage.Bucket
	prefix atomic.Pointer[string]
	failed atomic.Int64
}

func (b *failingPuts) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) (*storage.Attrs, error) {
	if p := b.prefix.Load(); p != nil && strings.HasPrefix(key, *p) {
		b.failed.Add(1)
		return nil, storage.Wrap("put", key, storage.ErrTransient, errors.New("injected failure"))
	}
	return b.Bucket.Put(ctx, key, r, opts)
}

// A vector store made for an entity whose write then fails is deleted
// again, and so is a thread whose attachments cannot be stored.
func TestVectorStoresHelperRollback(t *testing.T) {
	for _, tc := range []struct {
		name, prefix string
		create       func(c openai.Client, file string) error
	}{
		{"assistant write fails", store.AssistantsPrefix, func(c openai.Client, file string) error {
			_, err := c.Beta.Assistants.New(t.Context(), openai.BetaAssistantNewParams{Model: "m", ToolResources: openai.BetaAssistantNewParamsToolResources{
				FileSearch: openai.BetaAssistantNewParamsToolResourcesFileSearch{
					VectorStores: []openai.BetaAssistantNewParamsToolResourcesFileSearchVectorStore{{FileIDs: []string{file}}}}}})
			return err
		}},
		{"thread write fails", store.ThreadsPrefix, func(c openai.Client, file string) error {
			_, err := c.Beta.Threads.New(t.Context(), openai.BetaThreadNewParams{ToolResources: openai.BetaThreadNewParamsToolResources{
				FileSearch: openai.BetaThreadNewParamsToolResourcesFileSearch{
					VectorStores: []openai.BetaThreadNewParamsToolResourcesFileSearchVectorStore{{FileIDs: []string{file}}}}}})
			return err
		}},
		{"message write fails", store.MessagesPrefix, func(c openai.Client, file string) error {
			_, err := c.Beta.Threads.New(t.Context(), openai.BetaThreadNewParams{ToolResources: openai.BetaThreadNewParamsToolResources{
				FileSearch: openai.BetaThreadNewParamsToolResourcesFileSearch{
					VectorStores: []openai.BetaThreadNewParamsToolResourcesFileSearchVectorStore{{FileIDs: []string{file}}}}},
				Messages: []openai.BetaThreadNewParamsMessage{userMessage("hi")}})
			return err
		}},
		// The thread and its message are written, then its attachment's
		// store cannot be: the thread is taken back.
		{"attachment store fails", "vector_stores/", func(c openai.Client, file string) error {
			m := userMessage("see the file")
			m.Attachments = []openai.BetaThreadNewParamsMessageAttachment{{FileID: openai.String(file),
				Tools: []openai.BetaThreadNewParamsMessageAttachmentToolUnion{{OfFileSearch: &openai.BetaThreadNewParamsMessageAttachmentToolFileSearch{}}}}}
			_, err := c.Beta.Threads.New(t.Context(), openai.BetaThreadNewParams{Messages: []openai.BetaThreadNewParamsMessage{m}})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fb := &failingPuts{Bucket: memstore.New()}
			t.Cleanup(func() { fb.Close() })
			srv := startServer(t, fb, api.Config{})
			c := openaiClient(t, srv.URL, testKey)
			file := upload(t, c, "a.txt", "alpha")
			fb.prefix.Store(&tc.prefix)
			if err := tc.create(c, file); err == nil {
				t.Fatal("create succeeded; want the injected failure")
			}
			fb.prefix.Store(nil)
			if fb.failed.Load() == 0 {
				t.Fatal("no failure injected")
			}
			list, err := c.VectorStores.List(t.Context(), openai.VectorStoreListParams{Limit: openai.Int(100)})
			if err != nil || len(list.Data) != 0 {
				t.Fatalf("VectorStores.List = %v, %v; want none", list, err)
			}
			if n := threadCount(t, httpClient(t), srv.URL); n != 0 {
				t.Fatalf("%d threads, want none", n)
			}
		})
	}
}

// fileSearchAttachment attaches file for file_search to a message.
func fileSearchAttachment(file string) []openai.BetaThreadMessageNewParamsAttachment {
	return []openai.BetaThreadMessageNewParamsAttachment{{FileID: openai.String(file),
		Tools: []openai.BetaThreadMessageNewParamsAttachmentToolUnion{{OfFileSearch: &openai.BetaThreadMessageNewParamsAttachmentToolFileSearch{}}}}}
}

// newAttached creates a message in thread attaching file for
// file_search.
func newAttached(ctx context.Context, c openai.Client, thread, file string) error {
	_, err := c.Beta.Threads.Messages.New(ctx, thread, openai.BetaThreadMessageNewParams{Role: openai.BetaThreadMessageNewParamsRoleUser,
		Content: openai.BetaThreadMessageNewParamsContentUnion{OfString: openai.String("see " + file)}, Attachments: fileSearchAttachment(file)})
	return err
}

// threadStore returns the one vector store thread names, failing if it
// names another number of them.
func threadStore(t *testing.T, c openai.Client, thread string) string {
	t.Helper()
	th, err := c.Beta.Threads.Get(t.Context(), thread)
	if err != nil || len(th.ToolResources.FileSearch.VectorStoreIDs) != 1 {
		t.Fatalf("Threads.Get = %v, %v; want one vector store", th, err)
	}
	return th.ToolResources.FileSearch.VectorStoreIDs[0]
}

// storeFiles waits for a store's files and returns their ids, checking
// that they all completed.
func storeFiles(t *testing.T, c openai.Client, vsID string) []string {
	t.Helper()
	v := waitStore(t, c, vsID)
	page, err := c.VectorStores.Files.List(t.Context(), vsID, openai.VectorStoreFileListParams{Limit: openai.Int(100), Order: openai.VectorStoreFileListParamsOrderAsc})
	if err != nil || page.HasMore || int64(len(page.Data)) != v.FileCounts.Total || v.FileCounts.Completed != v.FileCounts.Total {
		t.Fatalf("store %s: %s; files %v, %v", vsID, v.RawJSON(), page, err)
	}
	var ids []string
	for _, f := range page.Data {
		ids = append(ids, f.ID)
	}
	slices.Sort(ids)
	return ids
}

func sorted(ids ...string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return ids
}

// A message attachment for file_search adds its file to the thread's
// own vector store, made on demand, on every path that creates
// messages; the same file twice is added once; a thread whose store is
// gone gets a new one.
func TestAttachmentsThreadStore(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		t.Parallel()
		srv := startServer(t, newBucket(t), api.Config{})
		c := openaiClient(t, srv.URL, testKey)
		ctx := t.Context()
		f := make([]string, 8)
		for i := range f {
			f[i] = upload(t, c, fmt.Sprintf("f%d.txt", i), fmt.Sprintf("file number %d of the attachments test", i))
		}
		a, err := c.Beta.Assistants.New(ctx, openai.BetaAssistantNewParams{Model: "m"})
		if err != nil {
			t.Fatal(err)
		}

		// A message on a thread without a store.
		th, err := c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{})
		if err != nil {
			t.Fatal(err)
		}
		if err := newAttached(ctx, c, th.ID, f[0]); err != nil {
			t.Fatalf("Messages.New: %v", err)
		}
		vs1 := threadStore(t, c, th.ID)
		v, err := c.VectorStores.Get(ctx, vs1)
		if err != nil || v.Name != "thread "+th.ID || v.ExpiresAfter.Days != 7 || v.ExpiresAfter.Anchor != "last_active_at" {
			t.Fatalf("thread store = %v, %v", v, err)
		}
		if got := storeFiles(t, c, vs1); !slices.Equal(got, []string{f[0]}) {
			t.Fatalf("thread store files %q", got)
		}
		// The same file again: still there, not indexed again.
		if err := newAttached(ctx, c, th.ID, f[0]); err != nil {
			t.Fatal(err)
		}
		if got, err := c.VectorStores.Files.Get(ctx, vs1, f[0]); err != nil || got.Status != openai.VectorStoreFileStatusCompleted {
			t.Fatalf("file attached again = %v, %v; want it completed as it was", got, err)
		}
		if got := threadStore(t, c, th.ID); got != vs1 {
			t.Fatalf("thread store %s, then %s", vs1, got)
		}

		// An attachment for code_interpreter only makes no store.
		plain, err := c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Beta.Threads.Messages.New(ctx, plain.ID, openai.BetaThreadMessageNewParams{Role: openai.BetaThreadMessageNewParamsRoleUser,
			Content: openai.BetaThreadMessageNewParamsContentUnion{OfString: openai.String("code")},
			Attachments: []openai.BetaThreadMessageNewParamsAttachment{{FileID: openai.String(f[1]),
				Tools: []openai.BetaThreadMessageNewParamsAttachmentToolUnion{{OfCodeInterpreter: &openai.CodeInterpreterToolParam{}}}}}}); err != nil {
			t.Fatal(err)
		}
		if got, err := c.Beta.Threads.Get(ctx, plain.ID); err != nil || len(got.ToolResources.FileSearch.VectorStoreIDs) != 0 {
			t.Fatalf("thread with a code_interpreter attachment = %v, %v", got, err)
		}

		// A thread naming a store of the user's: the file goes there.
		own, err := c.VectorStores.New(ctx, openai.VectorStoreNewParams{Name: openai.String("mine")})
		if err != nil {
			t.Fatal(err)
		}
		withOwn, err := c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{ToolResources: openai.BetaThreadNewParamsToolResources{
			FileSearch: openai.BetaThreadNewParamsToolResourcesFileSearch{VectorStoreIDs: []string{own.ID}}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := newAttached(ctx, c, withOwn.ID, f[1]); err != nil {
			t.Fatal(err)
		}
		if got := threadStore(t, c, withOwn.ID); got != own.ID {
			t.Fatalf("thread store %s, want the user's %s", got, own.ID)
		}
		if got := storeFiles(t, c, own.ID); !slices.Equal(got, []string{f[1]}) {
			t.Fatalf("user's store files %q", got)
		}

		// Thread create with messages.
		m := userMessage("see two files")
		m.Attachments = []openai.BetaThreadNewParamsMessageAttachment{
			{FileID: openai.String(f[2]), Tools: []openai.BetaThreadNewParamsMessageAttachmentToolUnion{{OfFileSearch: &openai.BetaThreadNewParamsMessageAttachmentToolFileSearch{}}}},
			{FileID: openai.String(f[3]), Tools: []openai.BetaThreadNewParamsMessageAttachmentToolUnion{{OfFileSearch: &openai.BetaThreadNewParamsMessageAttachmentToolFileSearch{}}}},
		}
		created, err := c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{Messages: []openai.BetaThreadNewParamsMessage{m, m}})
		if err != nil {
			t.Fatalf("Threads.New: %v", err)
		}
		if len(created.ToolResources.FileSearch.VectorStoreIDs) != 1 || threadStore(t, c, created.ID) != created.ToolResources.FileSearch.VectorStoreIDs[0] {
			t.Fatalf("Threads.New = %s", created.RawJSON())
		}
		cv := created.ToolResources.FileSearch.VectorStoreIDs[0]
		if got := storeFiles(t, c, cv); !slices.Equal(got, sorted(f[2], f[3])) {
			t.Fatalf("created thread's store files %q", got)
		}

		// Create thread and run with messages.
		run, err := c.Beta.Threads.NewAndRun(ctx, openai.BetaThreadNewAndRunParams{AssistantID: a.ID, Thread: openai.BetaThreadNewAndRunParamsThread{
			Messages: []openai.BetaThreadNewAndRunParamsThreadMessage{{Role: "user",
				Content: openai.BetaThreadNewAndRunParamsThreadMessageContentUnion{OfString: openai.String("see")},
				Attachments: []openai.BetaThreadNewAndRunParamsThreadMessageAttachment{{FileID: openai.String(f[4]),
					Tools: []openai.BetaThreadNewAndRunParamsThreadMessageAttachmentToolUnion{{OfFileSearch: &openai.BetaThreadNewAndRunParamsThreadMessageAttachmentToolFileSearch{}}}}}}}}})
		if err != nil {
			t.Fatalf("Threads.NewAndRun: %v", err)
		}
		rv := threadStore(t, c, run.ThreadID)
		if got := storeFiles(t, c, rv); !slices.Equal(got, []string{f[4]}) {
			t.Fatalf("thread and run's store files %q", got)
		}

		// A run's additional messages, on the first thread (its store).
		if _, err := c.Beta.Threads.Runs.New(ctx, th.ID, openai.BetaThreadRunNewParams{AssistantID: a.ID,
			AdditionalMessages: []openai.BetaThreadRunNewParamsAdditionalMessage{{Role: "user",
				Content: openai.BetaThreadRunNewParamsAdditionalMessageContentUnion{OfString: openai.String("and this")},
				Attachments: []openai.BetaThreadRunNewParamsAdditionalMessageAttachment{{FileID: openai.String(f[5]),
					Tools: []openai.BetaThreadRunNewParamsAdditionalMessageAttachmentToolUnion{{OfFileSearch: &openai.BetaThreadRunNewParamsAdditionalMessageAttachmentToolFileSearch{}}}}}}}}); err != nil {
			t.Fatalf("Runs.New: %v", err)
		}
		if got := threadStore(t, c, th.ID); got != vs1 {
			t.Fatalf("thread store %s, then %s", vs1, got)
		}
		if got := storeFiles(t, c, vs1); !slices.Equal(got, sorted(f[0], f[5])) {
			t.Fatalf("thread store files %q", got)
		}
		// The run is active now: a further run with attachments is
		// refused before its files are added.
		_, err = c.Beta.Threads.Runs.New(ctx, th.ID, openai.BetaThreadRunNewParams{AssistantID: a.ID,
			AdditionalMessages: []openai.BetaThreadRunNewParamsAdditionalMessage{{Role: "user",
				Content: openai.BetaThreadRunNewParamsAdditionalMessageContentUnion{OfString: openai.String("more")},
				Attachments: []openai.BetaThreadRunNewParamsAdditionalMessageAttachment{{FileID: openai.String(f[6]),
					Tools: []openai.BetaThreadRunNewParamsAdditionalMessageAttachmentToolUnion{{OfFileSearch: &openai.BetaThreadRunNewParamsAdditionalMessageAttachmentToolFileSearch{}}}}}}}})
		wantAPIError(t, err, http.StatusBadRequest, "invalid_request_error", "Thread "+th.ID+" already has an active run")
		if got := storeFiles(t, c, vs1); !slices.Equal(got, sorted(f[0], f[5])) {
			t.Fatalf("thread store files after a refused run %q", got)
		}

		// A thread whose store was deleted gets a new one.
		if _, err := c.VectorStores.Delete(ctx, cv); err != nil {
			t.Fatal(err)
		}
		if err := newAttached(ctx, c, created.ID, f[7]); err != nil {
			t.Fatalf("Messages.New on a thread whose store is gone: %v", err)
		}
		nv := threadStore(t, c, created.ID)
		if nv == cv {
			t.Fatalf("thread still names its deleted store %s", cv)
		}
		if got := storeFiles(t, c, nv); !slices.Equal(got, []string{f[7]}) {
			t.Fatalf("new thread store files %q", got)
		}

		// Exactly the stores above: vs1, the user's, the thread and
		// run's and the replacement.
		list, err := c.VectorStores.List(ctx, openai.VectorStoreListParams{Limit: openai.Int(100)})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range list.Data {
			got = append(got, v.ID)
		}
		if want := sorted(vs1, own.ID, rv, nv); !slices.Equal(sorted(got...), want) || list.HasMore {
			t.Fatalf("stores %q, want %q", got, want)
		}
	})
}

// Concurrent messages with attachments on a thread without a store, sent
// through two servers sharing the bucket, make exactly one store, which
// holds every file.
func TestAttachmentsConcurrent(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		t.Parallel()
		const n = 8
		b := newBucket(t)
		srvs := []*liveServer{startServer(t, b, api.Config{}), startServer(t, b, api.Config{})}
		cs := []openai.Client{openaiClient(t, srvs[0].URL, testKey), openaiClient(t, srvs[1].URL, testKey)}
		ctx := t.Context()
		files := make([]string, n)
		for i := range files {
			files[i] = upload(t, cs[0], fmt.Sprintf("c%d.txt", i), fmt.Sprintf("concurrent attachment %d", i))
		}
		th, err := cs[0].Beta.Threads.New(ctx, openai.BetaThreadNewParams{})
		if err != nil {
			t.Fatal(err)
		}
		start := make(chan struct{})
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = newAttached(ctx, cs[i%2], th.ID, files[i])
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
		vs := threadStore(t, cs[1], th.ID)
		list, err := cs[0].VectorStores.List(ctx, openai.VectorStoreListParams{Limit: openai.Int(100)})
		if err != nil || len(list.Data) != 1 || list.Data[0].ID != vs || list.HasMore {
			t.Fatalf("VectorStores.List = %v, %v; want exactly the thread's %s", list, err, vs)
		}
		if got := storeFiles(t, cs[0], vs); !slices.Equal(got, sorted(files...)) {
			t.Fatalf("thread store files %q, want %q", got, sorted(files...))
		}
		msgs, err := cs[1].Beta.Threads.Messages.List(ctx, th.ID, openai.BetaThreadMessageListParams{Limit: openai.Int(100)})
		if err != nil || len(msgs.Data) != n || msgs.HasMore {
			t.Fatalf("Messages.List = %v, %v; want %d", msgs, err, n)
		}
	})
}

package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// pollMs is how often the tests poll ingestion.
const pollMs = 20

// The official client drives the vector store endpoints over every
// backend: stores, files, batches, search, content, and the deletion of
// a file through /v1/files.
func TestVectorStoresOpenAI(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		t.Parallel()
		srv := startServer(t, newBucket(t), api.Config{})
		c := openaiClient(t, srv.URL, testKey)
		t.Run("create with file_ids", func(t *testing.T) { vsCreatePolled(t, c) })
		t.Run("upload and poll", func(t *testing.T) { vsUploadAndPoll(t, c) })
		t.Run("batch of 50", func(t *testing.T) { vsBatch50(t, c) })
		t.Run("search with filters", func(t *testing.T) { vsSearchFilters(t, c) })
		t.Run("file content", func(t *testing.T) { vsContent(t, c) })
		t.Run("deleted file leaves search", func(t *testing.T) { vsDeletedFile(t, c) })
		t.Run("corrupt pdf", func(t *testing.T) { vsCorruptPDF(t, c) })
		t.Run("errors", func(t *testing.T) { vsErrors(t, c, srv.URL) })
	})
}

// upload stores a file through /v1/files and returns its id.
func upload(t *testing.T, c openai.Client, name, text string) string {
	t.Helper()
	f, err := c.Files.New(t.Context(), openai.FileNewParams{
		File: openai.File(strings.NewReader(text), name, "text/plain"), Purpose: openai.FilePurposeAssistants})
	if err != nil {
		t.Fatalf("Files.New(%s): %v", name, err)
	}
	return f.ID
}

// waitStore polls a store until no file is in_progress.
func waitStore(t *testing.T, c openai.Client, id string) *openai.VectorStore {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		v, err := c.VectorStores.Get(t.Context(), id)
		if err != nil {
			t.Fatalf("Get(%s): %v", id, err)
		}
		if v.Status != openai.VectorStoreStatusInProgress && v.FileCounts.InProgress == 0 {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("store %s still in progress: %s", id, v.RawJSON())
		}
		time.Sleep(pollMs * time.Millisecond)
	}
}

// wantMembers checks that the JSON object raw has every member.
func wantMembers(t *testing.T, raw string, members ...string) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	for _, k := range members {
		if _, ok := m[k]; !ok {
			t.Errorf("%s has no %q", raw, k)
		}
	}
}

var (
	vsMembers     = []string{"id", "object", "created_at", "name", "usage_bytes", "file_counts", "status", "expires_at", "last_active_at", "metadata"}
	vsFileMembers = []string{"id", "object", "usage_bytes", "created_at", "vector_store_id", "status", "last_error", "chunking_strategy", "attributes"}
	batchMembers  = []string{"id", "object", "created_at", "vector_store_id", "status", "file_counts"}
)

func vsCreatePolled(t *testing.T, c openai.Client) {
	ctx := t.Context()
	ids := []string{
		upload(t, c, "a.txt", "The quick brown fox jumps over the lazy dog."),
		upload(t, c, "b.md", "# Notes\n\nRetrieval over object storage keeps the index in the bucket."),
		upload(t, c, "c.json", `{"fruit": "apple", "colour": "red"}`),
	}
	v, err := c.VectorStores.New(ctx, openai.VectorStoreNewParams{
		Name: openai.String("docs"), Description: openai.String("three files"), FileIDs: ids,
		Metadata:     shared.Metadata{"team": "search"},
		ExpiresAfter: openai.VectorStoreNewParamsExpiresAfter{Days: 7},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	wantMembers(t, v.RawJSON(), vsMembers...)
	if !strings.HasPrefix(v.ID, "vs_") || v.Object != "vector_store" || v.Name != "docs" || v.Metadata["team"] != "search" ||
		v.Status != openai.VectorStoreStatusInProgress || v.FileCounts.Total != 3 || v.ExpiresAfter.Days != 7 || v.ExpiresAt == 0 {
		t.Fatalf("New = %s", v.RawJSON())
	}
	done := waitStore(t, c, v.ID)
	if done.Status != openai.VectorStoreStatusCompleted || done.FileCounts.Completed != 3 || done.FileCounts.Total != 3 || done.UsageBytes == 0 {
		t.Fatalf("polled = %s", done.RawJSON())
	}
	upd, err := c.VectorStores.Update(ctx, v.ID, openai.VectorStoreUpdateParams{
		Name: openai.String("renamed"), Metadata: shared.Metadata{"team": "other"}})
	if err != nil || upd.Name != "renamed" || upd.Metadata["team"] != "other" || upd.ExpiresAfter.Days != 7 {
		t.Fatalf("Update = %v, %v", upd, err)
	}
	files, err := c.VectorStores.Files.List(ctx, v.ID, openai.VectorStoreFileListParams{
		Filter: openai.VectorStoreFileListParamsFilterCompleted, Order: openai.VectorStoreFileListParamsOrderAsc})
	if err != nil || len(files.Data) != 3 || files.Data[0].ID != ids[0] || files.HasMore {
		t.Fatalf("Files.List = %v, %v", files, err)
	}
	wantMembers(t, files.Data[0].RawJSON(), vsFileMembers...)
	page, err := c.VectorStores.Files.List(ctx, v.ID, openai.VectorStoreFileListParams{
		Order: openai.VectorStoreFileListParamsOrderAsc, After: openai.String(ids[0]), Limit: openai.Int(1)})
	if err != nil || len(page.Data) != 1 || page.Data[0].ID != ids[1] || !page.HasMore {
		t.Fatalf("Files.List after = %v, %v", page, err)
	}
	other, err := c.VectorStores.New(ctx, openai.VectorStoreNewParams{Name: openai.String("empty")})
	if err != nil || other.Status != openai.VectorStoreStatusCompleted {
		t.Fatalf("New empty = %v, %v", other, err)
	}
	list, err := c.VectorStores.List(ctx, openai.VectorStoreListParams{Limit: openai.Int(100)})
	if err != nil || len(list.Data) < 2 || list.Data[0].ID != other.ID {
		t.Fatalf("List = %v, %v", list, err)
	}
	del, err := c.VectorStores.Delete(ctx, other.ID)
	if err != nil || !del.Deleted || del.Object != "vector_store.deleted" || del.ID != other.ID {
		t.Fatalf("Delete = %v, %v", del, err)
	}
	_, err = c.VectorStores.Get(ctx, other.ID)
	wantAPIError(t, err, http.StatusNotFound, "invalid_request_error", "No vector store found with id")
}

func vsUploadAndPoll(t *testing.T, c openai.Client) {
	ctx := t.Context()
	v, err := c.VectorStores.New(ctx, openai.VectorStoreNewParams{Name: openai.String("uploads")})
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.VectorStores.Files.UploadAndPoll(ctx, v.ID, openai.FileNewParams{
		File:    openai.File(strings.NewReader(strings.Repeat("object storage is the engine. ", 300)), "engine.txt", "text/plain"),
		Purpose: openai.FilePurposeAssistants}, pollMs)
	if err != nil {
		t.Fatalf("UploadAndPoll: %v", err)
	}
	wantMembers(t, f.RawJSON(), vsFileMembers...)
	if f.Status != openai.VectorStoreFileStatusCompleted || f.Object != "vector_store.file" || f.VectorStoreID != v.ID ||
		f.UsageBytes == 0 || f.ChunkingStrategy.Type != "static" || f.ChunkingStrategy.Static.MaxChunkSizeTokens != 800 ||
		f.ChunkingStrategy.Static.ChunkOverlapTokens != 400 {
		t.Fatalf("UploadAndPoll = %s", f.RawJSON())
	}
	upd, err := c.VectorStores.Files.Update(ctx, v.ID, f.ID, openai.VectorStoreFileUpdateParams{
		Attributes: map[string]openai.VectorStoreFileUpdateParamsAttributeUnion{"lang": {OfString: openai.String("en")}}})
	if err != nil || upd.Attributes["lang"].OfString != "en" {
		t.Fatalf("Files.Update = %v, %v", upd, err)
	}
	del, err := c.VectorStores.Files.Delete(ctx, v.ID, f.ID)
	if err != nil || !del.Deleted || del.Object != "vector_store.file.deleted" {
		t.Fatalf("Files.Delete = %v, %v", del, err)
	}
	if _, err := c.Files.Get(ctx, f.ID); err != nil {
		t.Fatalf("the file itself is gone after leaving the store: %v", err)
	}
	_, err = c.VectorStores.Files.Get(ctx, v.ID, f.ID)
	wantAPIError(t, err, http.StatusNotFound, "invalid_request_error", "No file found with id '"+f.ID+"' in vector store")
}

func vsBatch50(t *testing.T, c openai.Client) {
	ctx := t.Context()
	v, err := c.VectorStores.New(ctx, openai.VectorStoreNewParams{Name: openai.String("batch")})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = upload(t, c, fmt.Sprintf("doc%02d.txt", i), fmt.Sprintf("Document number %d talks about topic%d.", i, i))
	}
	b, err := c.VectorStores.FileBatches.NewAndPoll(ctx, v.ID, openai.VectorStoreFileBatchNewParams{
		FileIDs:    ids,
		Attributes: map[string]openai.VectorStoreFileBatchNewParamsAttributeUnion{"source": {OfString: openai.String("batch")}},
	}, pollMs)
	if err != nil {
		t.Fatalf("NewAndPoll: %v", err)
	}
	wantMembers(t, b.RawJSON(), batchMembers...)
	if b.Status != openai.VectorStoreFileBatchStatusCompleted || b.Object != "vector_store.files_batch" ||
		b.FileCounts.Completed != 50 || b.FileCounts.Total != 50 || !strings.HasPrefix(b.ID, "vsfb_") {
		t.Fatalf("NewAndPoll = %s", b.RawJSON())
	}
	var got []string
	for f := range iterate(c.VectorStores.FileBatches.ListFilesAutoPaging(ctx, v.ID, b.ID, openai.VectorStoreFileBatchListFilesParams{Limit: openai.Int(20)})) {
		if f.Attributes["source"].OfString != "batch" {
			t.Fatalf("batch file %s", f.RawJSON())
		}
		got = append(got, f.ID)
	}
	slices.Sort(got)
	want := slices.Clone(ids)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("batch files %v, want %v", got, want)
	}
	res, err := c.VectorStores.Search(ctx, v.ID, openai.VectorStoreSearchParams{
		Query: openai.VectorStoreSearchParamsQueryUnion{OfString: openai.String("topic17")}})
	if err != nil || len(res.Data) == 0 || res.Data[0].FileID != ids[17] || res.Data[0].Filename != "doc17.txt" {
		t.Fatalf("Search = %v, %v", res, err)
	}
	gb, err := c.VectorStores.FileBatches.Get(ctx, v.ID, b.ID)
	if err != nil || gb.FileCounts.Completed != 50 {
		t.Fatalf("FileBatches.Get = %v, %v", gb, err)
	}
	cb, err := c.VectorStores.FileBatches.Cancel(ctx, v.ID, b.ID)
	if err != nil || cb.FileCounts.Completed != 50 || cb.FileCounts.Cancelled != 0 {
		t.Fatalf("Cancel of a finished batch = %v, %v", cb, err)
	}
}

// iterate adapts an auto-pager to a range loop, failing the test on its
// error.
func iterate[T any](p interface {
	Next() bool
	Current() T
	Err() error
}) func(func(T) bool) {
	return func(yield func(T) bool) {
		for p.Next() {
			if !yield(p.Current()) {
				return
			}
		}
		if err := p.Err(); err != nil {
			panic(err)
		}
	}
}

// attrFile is a file of the filter test.
type attrFile struct {
	name, text, category string
	year                 float64
	draft                bool
}

func vsSearchFilters(t *testing.T, c openai.Client) {
	ctx := t.Context()
	docs := []attrFile{
		{"apple.txt", "apples grow in orchards and apples are sweet", "fruit", 2020, false},
		{"pear.txt", "pears grow in orchards like apples do", "fruit", 2023, false},
		{"carrot.txt", "carrots grow in fields, not in orchards with apples", "vegetable", 2024, false},
		{"draft.txt", "a draft about apples in orchards", "fruit", 2024, true},
		{"stone.txt", "stones do not grow anywhere", "mineral", 2024, false},
	}
	v, err := c.VectorStores.New(ctx, openai.VectorStoreNewParams{Name: openai.String("filters")})
	if err != nil {
		t.Fatal(err)
	}
	files := make([]openai.VectorStoreFileBatchNewParamsFile, len(docs))
	byID := map[string]attrFile{}
	for i, d := range docs {
		id := upload(t, c, d.name, d.text)
		byID[id] = d
		files[i] = openai.VectorStoreFileBatchNewParamsFile{FileID: id, Attributes: map[string]openai.VectorStoreFileBatchNewParamsFileAttributeUnion{
			"category": {OfString: openai.String(d.category)}, "year": {OfFloat: openai.Float(d.year)}, "draft": {OfBool: openai.Bool(d.draft)},
		}}
	}
	b, err := c.VectorStores.FileBatches.NewAndPoll(ctx, v.ID, openai.VectorStoreFileBatchNewParams{Files: files}, pollMs)
	if err != nil || b.FileCounts.Completed != int64(len(docs)) {
		t.Fatalf("NewAndPoll = %v, %v", b, err)
	}
	eq := func(k, val string) shared.CompoundFilterFilterUnionParam {
		return shared.CompoundFilterFilterUnionParam{OfComparison: &shared.ComparisonFilterParam{Key: k, Type: shared.ComparisonFilterTypeEq,
			Value: shared.ComparisonFilterValueUnionParam{OfString: openai.String(val)}}}
	}
	// (category = fruit or category = vegetable) and year >= 2021 and draft != true
	filter := shared.CompoundFilterParam{Type: shared.CompoundFilterTypeAnd, Filters: []shared.CompoundFilterFilterUnionParam{
		{OfFilter: &shared.CompoundFilterParam{Type: shared.CompoundFilterTypeOr, Filters: []shared.CompoundFilterFilterUnionParam{
			eq("category", "fruit"), eq("category", "vegetable")}}},
		{OfComparison: &shared.ComparisonFilterParam{Key: "year", Type: shared.ComparisonFilterTypeGte,
			Value: shared.ComparisonFilterValueUnionParam{OfFloat: openai.Float(2021)}}},
		{OfComparison: &shared.ComparisonFilterParam{Key: "draft", Type: shared.ComparisonFilterTypeNe,
			Value: shared.ComparisonFilterValueUnionParam{OfBool: openai.Bool(true)}}},
	}}
	const threshold = 0.01
	res, err := c.VectorStores.Search(ctx, v.ID, openai.VectorStoreSearchParams{
		Query:          openai.VectorStoreSearchParamsQueryUnion{OfStringArray: []string{"apples", "orchards"}},
		Filters:        openai.VectorStoreSearchParamsFiltersUnion{OfCompoundFilter: &filter},
		RankingOptions: openai.VectorStoreSearchParamsRankingOptions{ScoreThreshold: openai.Float(threshold), Ranker: "auto"},
		MaxNumResults:  openai.Int(5), RewriteQuery: openai.Bool(true),
	})
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	wantMembers(t, res.RawJSON(), "object", "search_query", "data", "has_more", "next_page")
	if res.Object != "vector_store.search_results.page" {
		t.Fatalf("Search = %s", res.RawJSON())
	}
	var names []string
	for _, r := range res.Data {
		d := byID[r.FileID]
		if r.Score < threshold || r.Score > 1 || d.name != r.Filename || len(r.Content) == 0 || r.Content[0].Type != "text" ||
			r.Attributes["category"].OfString != d.category {
			t.Fatalf("result %s", r.RawJSON())
		}
		names = append(names, r.Filename)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"carrot.txt", "pear.txt"}) {
		t.Fatalf("filtered results %v, want carrot.txt and pear.txt; %s", names, res.RawJSON())
	}
	strict, err := c.VectorStores.Search(ctx, v.ID, openai.VectorStoreSearchParams{
		Query:          openai.VectorStoreSearchParamsQueryUnion{OfString: openai.String("apples")},
		RankingOptions: openai.VectorStoreSearchParamsRankingOptions{ScoreThreshold: openai.Float(0.999)},
	})
	if err != nil || len(strict.Data) != 0 {
		t.Fatalf("Search with threshold 0.999 = %v, %v", strict, err)
	}
}

func vsContent(t *testing.T, c openai.Client) {
	ctx := t.Context()
	text := strings.Repeat("Line of parsed text for the content endpoint.\n", 400)
	id := upload(t, c, "content.txt", text)
	v, err := c.VectorStores.New(ctx, openai.VectorStoreNewParams{FileIDs: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	waitStore(t, c, v.ID)
	page, err := c.VectorStores.Files.Content(ctx, v.ID, id)
	if err != nil {
		t.Fatalf("Content: %v", err)
	}
	wantMembers(t, page.RawJSON(), "object", "data", "has_more", "next_page")
	if page.Object != "vector_store.file_content.page" || len(page.Data) != 1 || page.Data[0].Type != "text" ||
		strings.TrimSpace(page.Data[0].Text) != strings.TrimSpace(text) {
		t.Fatalf("Content = %.300s", page.RawJSON())
	}
}

func vsDeletedFile(t *testing.T, c openai.Client) {
	ctx := t.Context()
	keep := upload(t, c, "keep.txt", "zebras live on the savanna")
	gone := upload(t, c, "gone.txt", "zebras and lions share the savanna")
	var stores []string
	for range 2 {
		v, err := c.VectorStores.New(ctx, openai.VectorStoreNewParams{FileIDs: []string{keep, gone}})
		if err != nil {
			t.Fatal(err)
		}
		waitStore(t, c, v.ID)
		stores = append(stores, v.ID)
	}
	search := func(vsID string) []string {
		res, err := c.VectorStores.Search(ctx, vsID, openai.VectorStoreSearchParams{
			Query: openai.VectorStoreSearchParamsQueryUnion{OfString: openai.String("zebras savanna")}})
		if err != nil {
			t.Fatalf("Search: %v", err)
		}
		var ids []string
		for _, r := range res.Data {
			ids = append(ids, r.FileID)
		}
		return ids
	}
	if got := search(stores[0]); !slices.Contains(got, gone) {
		t.Fatalf("before the delete: %v lacks %s", got, gone)
	}
	if _, err := c.Files.Delete(ctx, gone); err != nil {
		t.Fatalf("Files.Delete: %v", err)
	}
	for _, vsID := range stores {
		if got := search(vsID); slices.Contains(got, gone) || !slices.Contains(got, keep) {
			t.Fatalf("after the delete, %s answers %v", vsID, got)
		}
		v, err := c.VectorStores.Get(ctx, vsID)
		if err != nil || v.FileCounts.Total != 1 {
			t.Fatalf("Get = %v, %v", v, err)
		}
		_, err = c.VectorStores.Files.Get(ctx, vsID, gone)
		wantAPIError(t, err, http.StatusNotFound, "invalid_request_error", "No file found")
	}
}

func vsCorruptPDF(t *testing.T, c openai.Client) {
	ctx := t.Context()
	good := upload(t, c, "good.txt", "a perfectly readable file")
	bad := upload(t, c, "broken.pdf", "%PDF-1.7\nthis is no PDF at all, only its first line\n%%EOF\n")
	other := upload(t, c, "other.md", "# another readable file")
	v, err := c.VectorStores.New(ctx, openai.VectorStoreNewParams{Name: openai.String("pdf")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.VectorStores.FileBatches.NewAndPoll(ctx, v.ID, openai.VectorStoreFileBatchNewParams{FileIDs: []string{good, bad, other}}, pollMs)
	if err != nil {
		t.Fatalf("NewAndPoll: %v", err)
	}
	if b.FileCounts.Completed != 2 || b.FileCounts.Failed != 1 || b.FileCounts.Total != 3 || b.Status == openai.VectorStoreFileBatchStatusInProgress {
		t.Fatalf("batch = %s", b.RawJSON())
	}
	f, err := c.VectorStores.Files.Get(ctx, v.ID, bad)
	if err != nil || f.Status != openai.VectorStoreFileStatusFailed || f.LastError.Code == "" || f.LastError.Message == "" {
		t.Fatalf("broken.pdf = %v, %v", f, err)
	}
	failed, err := c.VectorStores.Files.List(ctx, v.ID, openai.VectorStoreFileListParams{Filter: openai.VectorStoreFileListParamsFilterFailed})
	if err != nil || len(failed.Data) != 1 || failed.Data[0].ID != bad {
		t.Fatalf("failed files = %v, %v", failed, err)
	}
}

// vsErrors: bad input gets OpenAI's 400s and 404s naming the param.
func vsErrors(t *testing.T, c openai.Client, base string) {
	ctx := t.Context()
	id := upload(t, c, "e.txt", "errors")
	v, err := c.VectorStores.New(ctx, openai.VectorStoreNewParams{})
	if err != nil {
		t.Fatal(err)
	}
	static := func(max, overlap int64) openai.FileChunkingStrategyParamUnion {
		return openai.FileChunkingStrategyParamUnion{OfStatic: &openai.StaticFileChunkingStrategyObjectParam{
			Static: openai.StaticFileChunkingStrategyParam{MaxChunkSizeTokens: max, ChunkOverlapTokens: overlap}}}
	}
	md := shared.Metadata{}
	for i := range 17 {
		md[fmt.Sprint("k", i)] = "v"
	}
	many := make([]string, 501)
	for i := range many {
		many[i] = fmt.Sprintf("file-%d", i)
	}
	for _, tc := range []struct {
		name   string
		call   func() error
		status int
		param  string
	}{
		{"unknown file id", func() error {
			_, err := c.VectorStores.New(ctx, openai.VectorStoreNewParams{FileIDs: []string{id, "file-nope"}})
			return err
		}, 404, "file_ids[1]"},
		{"unknown file id added", func() error {
			_, err := c.VectorStores.Files.New(ctx, v.ID, openai.VectorStoreFileNewParams{FileID: "file-nope"})
			return err
		}, 404, "file_id"},
		{"17 metadata pairs", func() error {
			_, err := c.VectorStores.New(ctx, openai.VectorStoreNewParams{Metadata: md})
			return err
		}, 400, "metadata"},
		{"501 files in a batch", func() error {
			_, err := c.VectorStores.FileBatches.New(ctx, v.ID, openai.VectorStoreFileBatchNewParams{FileIDs: many})
			return err
		}, 400, "file_ids"},
		{"static chunk too small", func() error {
			_, err := c.VectorStores.New(ctx, openai.VectorStoreNewParams{FileIDs: []string{id}, ChunkingStrategy: static(99, 0)})
			return err
		}, 400, "chunking_strategy.static.max_chunk_size_tokens"},
		{"static chunk too large", func() error {
			_, err := c.VectorStores.Files.New(ctx, v.ID, openai.VectorStoreFileNewParams{FileID: id, ChunkingStrategy: static(4097, 0)})
			return err
		}, 400, "chunking_strategy.static.max_chunk_size_tokens"},
		{"static overlap over half", func() error {
			_, err := c.VectorStores.Files.New(ctx, v.ID, openai.VectorStoreFileNewParams{FileID: id, ChunkingStrategy: static(800, 401)})
			return err
		}, 400, "chunking_strategy.static.chunk_overlap_tokens"},
		{"unknown store", func() error {
			_, err := c.VectorStores.Get(ctx, "vs_nope")
			return err
		}, 404, ""},
		{"wrong id prefix", func() error {
			_, err := c.VectorStores.Get(ctx, "asst_1")
			return err
		}, 400, "vector_store_id"},
		{"max_num_results 51", func() error {
			_, err := c.VectorStores.Search(ctx, v.ID, openai.VectorStoreSearchParams{
				Query: openai.VectorStoreSearchParamsQueryUnion{OfString: openai.String("x")}, MaxNumResults: openai.Int(51)})
			return err
		}, 400, "max_num_results"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := wantAPIError(t, tc.call(), tc.status, "invalid_request_error", "")
			if p := e.Param; p != tc.param {
				t.Fatalf("param %q, want %q; %s", p, tc.param, e.RawJSON())
			}
		})
	}
	hc := httpClient(t)
	for _, tc := range []struct{ name, body, param string }{
		{"filter of an unknown type", `{"query":"x","filters":{"type":"like","key":"a","value":"b"}}`, "filters.type"},
		{"nested filter without key", `{"query":"x","filters":{"type":"and","filters":[{"type":"or","filters":[{"type":"eq","value":1}]}]}}`, "filters.filters[0].filters[0].key"},
		{"filter not an object", `{"query":"x","filters":"category = fruit"}`, "filters"},
		{"query missing", `{"max_num_results":3}`, "query"},
		{"query a number", `{"query":7}`, "query"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := rawRequest(t, hc, "POST", base+"/v1/vector_stores/"+v.ID+"/search", "application/json", strings.NewReader(tc.body))
			var e struct{ Error struct{ Param *string } }
			if err := json.Unmarshal(body, &e); err != nil || status != 400 || e.Error.Param == nil || !strings.HasPrefix(*e.Error.Param, tc.param) {
				t.Fatalf("%d %s, want 400 with param %s", status, body, tc.param)
			}
		})
	}
}

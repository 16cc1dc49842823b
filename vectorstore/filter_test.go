package vectorstore

import (
	"errors"
	"testing"
)

func TestParseFilterErrors(t *testing.T) {
	for _, tc := range []struct{ json, param string }{
		{`{"type":"eq","key":"a","value":1}`, ""},
		{`{"type":"and","filters":[{"type":"or","filters":[{"type":"in","key":"k","value":["x",2]}]}]}`, ""},
		{`{"type":"xor","key":"a","value":1}`, "filters.type"},
		{`{"key":"a","value":1}`, "filters.type"},
		{`{"type":"eq","value":1}`, "filters.key"},
		{`{"type":"eq","key":"a"}`, "filters.value"},
		{`{"type":"in","key":"a","value":"x"}`, "filters.value"},
		{`{"type":"eq","key":"a","value":[1]}`, "filters.value"},
		{`{"type":"gt","key":"a","value":true}`, "filters.value"},
		{`{"type":"and","filters":[]}`, "filters.filters"},
		{`{"type":"and","filters":[{"type":"eq","key":"a","value":1},{"type":"or","filters":[{"type":"lt","key":"b"}]}]}`, "filters.filters[1].filters[0].value"},
		{`{"type":"in","key":"a","value":[{"x":1}]}`, "filters.value[0]"},
		{`[1,2]`, "filters"},
	} {
		_, err := ParseFilter("filters", []byte(tc.json))
		if tc.param == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.json, err)
			}
			continue
		}
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != tc.param {
			t.Errorf("%s: err %v, want param %s", tc.json, err, tc.param)
		}
	}
}

func TestFilterMatch(t *testing.T) {
	attrs := Attributes{"s": "m", "n": 5.0, "b": true}
	for _, tc := range []struct {
		f    Filter
		want bool
	}{
		{Filter{Type: "eq", Key: "s", Value: "m"}, true},
		{Filter{Type: "eq", Key: "n", Value: 5}, true},
		{Filter{Type: "ne", Key: "n", Value: 5}, false},
		{Filter{Type: "ne", Key: "missing", Value: 5}, true},
		{Filter{Type: "eq", Key: "missing", Value: 5}, false},
		{Filter{Type: "gt", Key: "n", Value: 4.5}, true},
		{Filter{Type: "gte", Key: "n", Value: 5}, true},
		{Filter{Type: "lt", Key: "n", Value: 5}, false},
		{Filter{Type: "lte", Key: "s", Value: "z"}, true},
		{Filter{Type: "gt", Key: "s", Value: 1}, false},
		{Filter{Type: "eq", Key: "b", Value: true}, true},
		{Filter{Type: "in", Key: "s", Value: []any{"a", "m"}}, true},
		{Filter{Type: "nin", Key: "s", Value: []any{"a", "m"}}, false},
		{Filter{Type: "nin", Key: "missing", Value: []any{"a"}}, true},
		{Filter{Type: "and", Filters: []Filter{{Type: "eq", Key: "s", Value: "m"}, {Type: "lt", Key: "n", Value: 3}}}, false},
		{Filter{Type: "or", Filters: []Filter{{Type: "eq", Key: "s", Value: "x"}, {Type: "and", Filters: []Filter{{Type: "eq", Key: "b", Value: true}}}}}, true},
	} {
		if err := tc.f.Validate("filters"); err != nil {
			t.Fatalf("%+v: %v", tc.f, err)
		}
		if got := tc.f.Match(attrs); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.f, got, tc.want)
		}
	}
}

func TestValidation(t *testing.T) {
	ctx := t.Context()
	svc := New(memBucket(t), newMemSource(), nil)
	md := map[string]string{}
	for i := range 17 {
		md[string(rune('a'+i))] = "v"
	}
	check := func(err error, param string) {
		t.Helper()
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != param {
			t.Errorf("err %v, want param %s", err, param)
		}
	}
	_, err := svc.Create(ctx, CreateParams{Metadata: md})
	check(err, "metadata")
	_, err = svc.Create(ctx, CreateParams{ChunkingStrategy: ChunkingStrategy{Type: "static", Static: &StaticChunking{5000, 0}}})
	check(err, "chunking_strategy.static.max_chunk_size_tokens")
	_, err = svc.Create(ctx, CreateParams{ExpiresAfter: &ExpiresAfter{Anchor: "created_at", Days: 1}})
	check(err, "expires_after.anchor")
	_, err = svc.Create(ctx, CreateParams{FileIDs: []string{"ok", "../etc"}})
	check(err, "file_ids[1]")
	vs := must(svc.Create(ctx, CreateParams{}))
	files := make([]FileParams, 501)
	for i := range files {
		files[i].FileID = "file-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	_, err = svc.CreateBatch(ctx, vs.ID, files)
	check(err, "file_ids")
	_, err = svc.AddFile(ctx, vs.ID, FileParams{FileID: "f", Attributes: Attributes{"x": []int{1}}})
	check(err, "attributes.x")
	_, err = svc.Search(ctx, vs.ID, SearchParams{Query: Query{"q"}, MaxNumResults: 51})
	check(err, "max_num_results")
	_, err = svc.Search(ctx, vs.ID, SearchParams{Query: Query{"q"}, RankingOptions: &RankingOptions{ScoreThreshold: 1.5}})
	check(err, "ranking_options.score_threshold")
	_, err = svc.Search(ctx, vs.ID, SearchParams{Query: Query{"q"}, RankingOptions: &RankingOptions{Ranker: "bm42"}})
	check(err, "ranking_options.ranker")
	_, err = svc.Search(ctx, vs.ID, SearchParams{})
	check(err, "query")
	for _, id := range []string{"vs_a/b", "vs_..", "vs_\x00", "asst_1", ""} {
		if _, err := svc.Get(ctx, id); !errors.Is(err, ErrInvalid) {
			t.Errorf("Get(%q): %v", id, err)
		}
	}
	if _, err := svc.Get(ctx, "vs_missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing store: %v", err)
	}
	if _, err := svc.GetFile(ctx, vs.ID, "file-missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzValidateID(f *testing.F) {
	for _, s := range []string{"vs_abc", "vs_../x", "vs_a/b", "file-1", "vs_\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if ValidateID("id", PrefixVectorStore, id) != nil {
			return
		}
		if err := ValidateID("id", "", manifestKey(id)[len("vector_stores/"):len("vector_stores/")+len(id)]); err != nil {
			t.Fatalf("accepted %q but its key part fails: %v", id, err)
		}
		for _, bad := range []string{"/", "..", "\x00", "\n"} {
			if len(id) > 0 && contains(id, bad) {
				t.Fatalf("accepted %q containing %q", id, bad)
			}
		}
	})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

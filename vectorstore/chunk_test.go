package vectorstore

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestChunkingValidate(t *testing.T) {
	for _, tc := range []struct {
		cs    ChunkingStrategy
		param string
	}{
		{ChunkingStrategy{}, ""},
		{ChunkingStrategy{Type: "auto"}, ""},
		{ChunkingStrategy{Type: "static", Static: &StaticChunking{100, 50}}, ""},
		{ChunkingStrategy{Type: "static", Static: &StaticChunking{4096, 2048}}, ""},
		{ChunkingStrategy{Type: "static", Static: &StaticChunking{99, 0}}, "chunking_strategy.static.max_chunk_size_tokens"},
		{ChunkingStrategy{Type: "static", Static: &StaticChunking{4097, 0}}, "chunking_strategy.static.max_chunk_size_tokens"},
		{ChunkingStrategy{Type: "static", Static: &StaticChunking{800, 401}}, "chunking_strategy.static.chunk_overlap_tokens"},
		{ChunkingStrategy{Type: "static", Static: &StaticChunking{800, -1}}, "chunking_strategy.static.chunk_overlap_tokens"},
		{ChunkingStrategy{Type: "static"}, "chunking_strategy.static"},
		{ChunkingStrategy{Type: "other"}, "chunking_strategy.type"},
	} {
		err := tc.cs.Validate("chunking_strategy")
		if tc.param == "" {
			if err != nil {
				t.Errorf("%+v: %v", tc.cs, err)
			}
			continue
		}
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != tc.param || !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: err %v, want param %s", tc.cs, err, tc.param)
		}
	}
}

func chunkAll(t *testing.T, text string, cs ChunkingStrategy) []Chunk {
	t.Helper()
	c, err := NewChunker(strings.NewReader(text), cs)
	if err != nil {
		t.Fatal(err)
	}
	var out []Chunk
	for {
		ch, err := c.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ch)
	}
}

func TestChunker(t *testing.T) {
	words := strings.Fields("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega")
	var b strings.Builder
	for i := range 60000 {
		b.WriteString(words[(i*7)%len(words)])
		if i%13 == 12 {
			b.WriteString(".\n")
		} else {
			b.WriteByte(' ')
		}
	}
	text := b.String()
	for _, cs := range []ChunkingStrategy{{}, {Type: "static", Static: &StaticChunking{100, 0}}, {Type: "static", Static: &StaticChunking{300, 150}}} {
		chunks := chunkAll(t, text, cs)
		st := cs.Resolved().Static
		var rebuilt strings.Builder
		for i, c := range chunks {
			if c.Tokens > st.MaxChunkSizeTokens || (i < len(chunks)-1 && c.Tokens != st.MaxChunkSizeTokens) {
				t.Fatalf("%+v: chunk %d has %d tokens", st, i, c.Tokens)
			}
			rebuilt.WriteString(c.Text[c.Skip:])
		}
		if rebuilt.String() != text {
			t.Fatalf("%+v: chunks without overlap do not rebuild the text (%d vs %d bytes)", st, rebuilt.Len(), len(text))
		}
		cd, _ := Tokenizer()
		n, _ := cd.Count(text)
		step := st.MaxChunkSizeTokens - st.ChunkOverlapTokens
		want := (n - st.ChunkOverlapTokens + step - 1) / step
		if len(chunks) < want-1 || len(chunks) > want+1 {
			t.Errorf("%+v: %d chunks for %d tokens, want about %d", st, len(chunks), n, want)
		}
	}
	if got := chunkAll(t, "   \n\t ", ChunkingStrategy{}); len(got) != 0 {
		t.Errorf("blank text gave %d chunks", len(got))
	}
	if got := chunkAll(t, "short", ChunkingStrategy{}); len(got) != 1 || got[0].Text != "short" {
		t.Errorf("short text gave %+v", got)
	}
}

package vectorstore

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

// Chunking defaults and bounds, as OpenAI's.
const (
	AutoMaxChunkTokens     = 800
	AutoChunkOverlapTokens = 400
	MinChunkTokens         = 100
	MaxChunkTokens         = 4096
)

// ChunkingStrategy is how a file is split, in OpenAI's wire shape:
// {"type":"auto"} or {"type":"static","static":{...}}. The zero value
// means auto.
type ChunkingStrategy struct {
	Type   string          `json:"type"`
	Static *StaticChunking `json:"static,omitempty"`
}

// StaticChunking gives the chunk size and overlap in tokens.
type StaticChunking struct {
	MaxChunkSizeTokens int `json:"max_chunk_size_tokens"`
	ChunkOverlapTokens int `json:"chunk_overlap_tokens"`
}

// Validate checks the strategy; param is its parameter name (usually
// "chunking_strategy") and prefixes the name in the *ParamError.
// Static sizes must be MinChunkTokens..MaxChunkTokens with an overlap
// of 0..max/2.
func (c ChunkingStrategy) Validate(param string) error {
	switch c.Type {
	case "", "auto":
		if c.Static != nil {
			return paramErr(param+".static", "must not be set with type auto")
		}
		return nil
	case "static":
	default:
		return paramErr(param+".type", "must be auto or static, not %q", c.Type)
	}
	if c.Static == nil {
		return paramErr(param+".static", "is required with type static")
	}
	s := c.Static
	if s.MaxChunkSizeTokens < MinChunkTokens || s.MaxChunkSizeTokens > MaxChunkTokens {
		return paramErr(param+".static.max_chunk_size_tokens", "must be between %d and %d, got %d", MinChunkTokens, MaxChunkTokens, s.MaxChunkSizeTokens)
	}
	if s.ChunkOverlapTokens < 0 || s.ChunkOverlapTokens > s.MaxChunkSizeTokens/2 {
		return paramErr(param+".static.chunk_overlap_tokens", "must be between 0 and half of max_chunk_size_tokens (%d), got %d", s.MaxChunkSizeTokens/2, s.ChunkOverlapTokens)
	}
	return nil
}

// Resolved returns the strategy as stored on a file: auto becomes
// static with 800 tokens and 400 overlap, as OpenAI reports it.
func (c ChunkingStrategy) Resolved() ChunkingStrategy {
	if c.Type == "static" && c.Static != nil {
		s := *c.Static
		return ChunkingStrategy{Type: "static", Static: &s}
	}
	return ChunkingStrategy{Type: "static", Static: &StaticChunking{AutoMaxChunkTokens, AutoChunkOverlapTokens}}
}

// Chunk is one piece of a file's text.
type Chunk struct {
	// Text is the chunk's text, valid UTF-8.
	Text string
	// Tokens is its length in o200k_base tokens.
	Tokens int
	// Skip is how many leading bytes of Text repeat the previous chunk
	// (the overlap), so that the texts with their Skip bytes removed
	// concatenate to the file's text.
	Skip int
}

var (
	codecOnce sync.Once
	codec     tokenizer.Codec
	codecErr  error
)

// Tokenizer returns the o200k_base codec (embedded vocabulary, no
// download), loaded once.
func Tokenizer() (tokenizer.Codec, error) {
	codecOnce.Do(func() { codec, codecErr = tokenizer.Get(tokenizer.O200kBase) })
	return codec, codecErr
}

// blockSize is how much text is tokenized at once. Blocks are cut
// just before white space, where o200k_base's pre-tokenizer splits
// anyway, so the counts match tokenizing the whole text except in rare
// cases at a block edge.
const blockSize = 32 << 10

// Chunker splits a stream of text into overlapping chunks of tokens.
// Memory is bounded by the block and chunk sizes, whatever the length
// of the stream. It is not safe for concurrent use.
type Chunker struct {
	r       *bufio.Reader
	max, ov int
	codec   tokenizer.Codec
	toks    []uint
	carry   []byte
	eof     bool
	emitted bool
	err     error
}

// NewChunker returns a Chunker reading UTF-8 text from r with a
// strategy that passed Validate.
func NewChunker(r io.Reader, c ChunkingStrategy) (*Chunker, error) {
	cd, err := Tokenizer()
	if err != nil {
		return nil, fmt.Errorf("vectorstore: loading tokenizer: %w", err)
	}
	s := c.Resolved().Static
	return &Chunker{r: bufio.NewReaderSize(r, blockSize), max: s.MaxChunkSizeTokens, ov: s.ChunkOverlapTokens, codec: cd}, nil
}

// Next returns the next chunk, or io.EOF after the last one. A file
// whose text is empty (or only white space) yields no chunk. Errors
// from the text reader are returned as they are.
func (c *Chunker) Next() (Chunk, error) {
	if c.err != nil {
		return Chunk{}, c.err
	}
	for len(c.toks) < c.max && !c.eof {
		if err := c.fill(); err != nil {
			c.err = err
			return Chunk{}, err
		}
	}
	n := min(len(c.toks), c.max)
	if n == 0 || (c.eof && c.emitted && n <= c.ov) {
		c.err = io.EOF
		return Chunk{}, io.EOF
	}
	ch, err := c.chunk(c.toks[:n])
	if err != nil {
		c.err = err
		return Chunk{}, err
	}
	if c.emitted {
		own, err := c.decode(c.toks[c.ov:n])
		if err != nil {
			c.err = err
			return Chunk{}, err
		}
		ch.Skip = max(len(ch.Text)-len(own), 0)
	}
	c.emitted = true
	if n < c.max {
		c.toks = c.toks[:0]
		c.eof = true
	} else {
		rest := copy(c.toks, c.toks[n-c.ov:])
		c.toks = c.toks[:rest]
	}
	if strings.TrimSpace(ch.Text) == "" && !c.eof {
		return c.Next()
	}
	if strings.TrimSpace(ch.Text) == "" {
		c.err = io.EOF
		return Chunk{}, io.EOF
	}
	return ch, nil
}

func (c *Chunker) chunk(toks []uint) (Chunk, error) {
	text, err := c.decode(toks)
	return Chunk{Text: text, Tokens: len(toks)}, err
}

func (c *Chunker) decode(toks []uint) (string, error) {
	s, err := c.codec.Decode(toks)
	if err != nil {
		return "", fmt.Errorf("vectorstore: decoding tokens: %w", err)
	}
	return strings.ToValidUTF8(s, ""), nil
}

// fill tokenizes the next block of text.
func (c *Chunker) fill() error {
	buf := make([]byte, 0, blockSize+len(c.carry))
	buf = append(buf, c.carry...)
	c.carry = c.carry[:0]
	for len(buf) < blockSize {
		b, err := c.r.ReadSlice('\n')
		buf = append(buf, b...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			c.eof = true
			break
		}
		if err != nil {
			return err
		}
	}
	block := buf
	if !c.eof {
		cut := cutPoint(buf)
		block = buf[:cut]
		c.carry = append(c.carry, buf[cut:]...)
	} else if len(c.carry) > 0 {
		block = append(block, c.carry...)
		c.carry = c.carry[:0]
	}
	if len(block) == 0 {
		return nil
	}
	ids, _, err := c.codec.Encode(string(block))
	if err != nil {
		return fmt.Errorf("vectorstore: tokenizing: %w", err)
	}
	c.toks = append(c.toks, ids...)
	return nil
}

// cutPoint returns where to end a block: just before the last run of
// white space in b, else at the last complete UTF-8 sequence.
func cutPoint(b []byte) int {
	for i := len(b) - 1; i > len(b)/2; i-- {
		if (b[i] == ' ' || b[i] == '\n') && b[i-1] != ' ' && b[i-1] != '\n' {
			return i
		}
	}
	return completeRunes(b)
}

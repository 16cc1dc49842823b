package vectorstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/r2kit/r2kit/resilience"
)

// An Embedder turns texts into vectors. Embed returns one vector per
// text, in order, all of the same length. Implementations must be safe
// for concurrent use. Vectors need not be normalised: the index
// normalises them.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// OpenAIEmbedder calls an OpenAI-compatible POST {BaseURL}/embeddings
// endpoint (OpenAI, Ollama, vLLM, llama.cpp, TEI). Requests carry at
// most BatchSize inputs; 429 and 5xx answers and transport errors are
// retried with exponential backoff (honouring Retry-After), other
// answers fail at once with the server's message.
type OpenAIEmbedder struct {
	// BaseURL is the API base, for example https://api.openai.com/v1.
	BaseURL string
	// Model is the embedding model name.
	Model string
	// APIKey, if set, is sent as a Bearer token.
	APIKey string
	// Dimensions, if positive, is sent as "dimensions".
	Dimensions int
	// BatchSize bounds the inputs of one request. Zero means 64.
	BatchSize int
	// Client is the HTTP client. Nil means one with a 60 s timeout.
	Client *http.Client
	// Retry is the backoff policy. The zero value means 5 retries from
	// 500 ms up to 20 s.
	Retry resilience.Policy
	// Sleep waits between retries; nil means real time. Tests inject
	// one that does not sleep.
	Sleep resilience.Sleeper
}

var defaultHTTP = &http.Client{Timeout: 60 * time.Second}

// EmbeddingError is a failed embeddings call: the HTTP status (0 for a
// transport error) and the server's message.
type EmbeddingError struct {
	Status  int
	Message string
	// RetryAfter is the server's Retry-After, if any.
	RetryAfter time.Duration
}

func (e *EmbeddingError) Error() string {
	if e.Status == 0 {
		return "embeddings request failed: " + e.Message
	}
	return fmt.Sprintf("embeddings endpoint answered %d: %s", e.Status, e.Message)
}

func (e *EmbeddingError) retryable() bool {
	return e.Status == 0 || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// Embed embeds texts in batches of BatchSize, in order.
func (o *OpenAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	bs := o.BatchSize
	if bs <= 0 {
		bs = 64
	}
	out := make([][]float32, 0, len(texts))
	for i := 0; i < len(texts); i += bs {
		vecs, err := o.embedBatch(ctx, texts[i:min(i+bs, len(texts))])
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	return out, nil
}

func (o *OpenAIEmbedder) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	p := o.Retry
	if p == (resilience.Policy{}) {
		p = resilience.Policy{MaxRetries: 5, Base: 500 * time.Millisecond, Max: 20 * time.Second}
	}
	sleep := o.Sleep
	if sleep == nil {
		sleep = resilience.Sleep
	}
	for n := 1; ; n++ {
		vecs, err := o.call(ctx, texts)
		var ee *EmbeddingError
		if err == nil || !errors.As(err, &ee) || !ee.retryable() || !p.Allows(n) || ctx.Err() != nil {
			return vecs, err
		}
		d := max(p.Backoff(n), ee.RetryAfter)
		if err := sleep(ctx, d); err != nil {
			return nil, err
		}
	}
}

type embedRequest struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	Dimensions     int      `json:"dimensions,omitempty"`
	EncodingFormat string   `json:"encoding_format"`
}

type embedResponse struct {
	Data []struct {
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	} `json:"data"`
}

func (o *OpenAIEmbedder) call(ctx context.Context, texts []string) ([][]float32, error) {
	body, err := json.Marshal(embedRequest{Model: o.Model, Input: texts, Dimensions: o.Dimensions, EncodingFormat: "float"})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(o.BaseURL, "/")+"/embeddings", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("embeddings: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if o.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+o.APIKey)
	}
	c := o.Client
	if c == nil {
		c = defaultHTTP
	}
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &EmbeddingError{Message: err.Error()}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, &EmbeddingError{Message: "reading the answer: " + err.Error()}
	}
	if resp.StatusCode != http.StatusOK {
		e := &EmbeddingError{Status: resp.StatusCode, Message: errorMessage(data)}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			e.RetryAfter = time.Duration(s) * time.Second
		}
		return nil, e
	}
	var r embedResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("embeddings: decoding the answer: %w", err)
	}
	if len(r.Data) != len(texts) {
		return nil, fmt.Errorf("embeddings: %d inputs sent, %d embeddings received", len(texts), len(r.Data))
	}
	out := make([][]float32, len(texts))
	for _, d := range r.Data {
		if d.Index < 0 || d.Index >= len(texts) || out[d.Index] != nil {
			return nil, fmt.Errorf("embeddings: bad or repeated index %d in the answer", d.Index)
		}
		if len(d.Embedding) == 0 || (len(out) > 0 && out[0] != nil && len(d.Embedding) != len(out[0])) {
			return nil, fmt.Errorf("embeddings: embedding %d has %d dimensions", d.Index, len(d.Embedding))
		}
		out[d.Index] = d.Embedding
	}
	for i, v := range out {
		if v == nil {
			return nil, fmt.Errorf("embeddings: no embedding for input %d", i)
		}
	}
	return out, nil
}

// errorMessage pulls error.message out of an OpenAI-shaped error body,
// else returns the body's start.
func errorMessage(data []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
		return e.Error.Message
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

package runner

import (
	"strings"
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

// Token accounting.
//
// Prompts are measured with a tiktoken-compatible tokenizer whose
// vocabularies are embedded (github.com/tiktoken-go/tokenizer): the
// model's own encoding when the tokenizer knows the model
// (cl100k_base for gpt-4 and gpt-3.5, o200k_base for gpt-4o, gpt-4.1,
// gpt-5, o1, o3, o4), o200k_base for every other model. A message
// costs its content's tokens plus 3 (the role and the separators of the
// chat format), a tool call its name and arguments, an image a fixed
// cost (85 tokens at detail low, 765 otherwise: a 1024x1024 image at
// high detail), and the prompt 3 more (the assistant's reply is
// primed), as OpenAI's guide to counting chat tokens describes. The
// count decides truncation; the usage a run reports is the model's own.

// Token costs of the chat format.
const (
	tokensPerMessage  = 3
	tokensPerReply    = 3
	tokensImageLow    = 85
	tokensImageOther  = 765
	tokensPerToolCall = 3
)

var codecs sync.Map // encoding -> tokenizer.Codec

// codecFor returns the tokenizer of model: its own encoding if the
// tokenizer knows it, else o200k_base.
func codecFor(model string) tokenizer.Codec {
	enc := tokenizer.O200kBase
	if c, err := tokenizer.ForModel(tokenizer.Model(model)); err == nil {
		enc = tokenizer.Encoding(c.GetName())
	}
	if c, ok := codecs.Load(enc); ok {
		return c.(tokenizer.Codec)
	}
	c, err := tokenizer.Get(enc)
	if err != nil { // not reached: every encoding ForModel names is embedded
		c, _ = tokenizer.Get(tokenizer.O200kBase)
	}
	got, _ := codecs.LoadOrStore(enc, c)
	return got.(tokenizer.Codec)
}

// counter counts the tokens of a model's prompts.
type counter struct{ codec tokenizer.Codec }

func newCounter(model string) counter { return counter{codecFor(model)} }

// text returns the tokens of s.
func (c counter) text(s string) int {
	if s == "" {
		return 0
	}
	n, err := c.codec.Count(s)
	if err != nil { // invalid UTF-8 in ErrorModeNone is still counted; be safe
		return len(s) / 3
	}
	return n
}

// message returns the tokens m costs in a prompt.
func (c counter) message(m *ChatMessage) int {
	n := tokensPerMessage + c.text(m.Role)
	if m.Content != nil && m.Parts == nil {
		n += c.text(*m.Content)
	}
	for i := range m.Parts {
		p := &m.Parts[i]
		switch {
		case p.Type == PartImageURL && p.ImageURL != nil && p.ImageURL.Detail == "low":
			n += tokensImageLow
		case p.Type == PartImageURL:
			n += tokensImageOther
		default:
			n += c.text(p.Text)
		}
	}
	for _, tc := range m.ToolCalls {
		n += tokensPerToolCall + c.text(tc.Function.Name) + c.text(tc.Function.Arguments)
	}
	if m.ToolCallID != "" {
		n += c.text(m.ToolCallID)
	}
	return n
}

// messages returns the tokens of a prompt made of msgs.
func (c counter) messages(msgs []ChatMessage) int {
	n := tokensPerReply
	for i := range msgs {
		n += c.message(&msgs[i])
	}
	return n
}

// CountTokens returns the prompt tokens of msgs for model, as runs count
// them to truncate a thread (see the package documentation).
func CountTokens(model string, msgs []ChatMessage) int {
	return newCounter(model).messages(msgs)
}

// contextWindows are the context windows, in tokens, of well-known
// models, by name prefix (the longest matching prefix wins).
var contextWindows = []struct {
	prefix string
	tokens int
}{
	{"gpt-5", 400_000},
	{"gpt-4.1", 1_047_576},
	{"gpt-4o", 128_000},
	{"chatgpt-4o", 128_000},
	{"gpt-4-turbo", 128_000},
	{"gpt-4-1106", 128_000},
	{"gpt-4-0125", 128_000},
	{"gpt-4-32k", 32_768},
	{"gpt-4", 8_192},
	{"gpt-3.5-turbo", 16_385},
	{"o1-mini", 128_000},
	{"o1", 200_000},
	{"o3", 200_000},
	{"o4-mini", 200_000},
}

// ContextWindow returns the context window of model in tokens from the
// built-in table, or 0 when the model is not in it.
func ContextWindow(model string) int {
	best, tokens := -1, 0
	for _, w := range contextWindows {
		if strings.HasPrefix(model, w.prefix) && len(w.prefix) > best {
			best, tokens = len(w.prefix), w.tokens
		}
	}
	return tokens
}

// Package runner executes Assistants runs against any OpenAI-compatible
// chat-completions endpoint (OpenAI, vLLM, Ollama, llama.cpp server,
// LiteLLM, ...). Client is the endpoint client: plain and streamed
// completions, function tool calls assembled from stream fragments, and
// retries of timeouts, 429s and 5xx answers before any output arrived.
package runner

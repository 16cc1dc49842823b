package assistants

import (
	"encoding/json"
	"time"
)

// Object names, the "object" member of each model.
const (
	ObjectAssistant        = "assistant"
	ObjectThread           = "thread"
	ObjectMessage          = "thread.message"
	ObjectRun              = "thread.run"
	ObjectRunStep          = "thread.run.step"
	ObjectFile             = "file"
	ObjectList             = "list"
	ObjectAssistantDeleted = "assistant.deleted"
	ObjectThreadDeleted    = "thread.deleted"
	ObjectMessageDeleted   = "thread.message.deleted"
	// ObjectFileDeleted is "file": OpenAI's file deletion answers
	// {"id","object":"file","deleted":true}.
	ObjectFileDeleted = "file"
)

// Unix returns t as integer Unix seconds, the wire form of every
// timestamp.
func Unix(t time.Time) int64 { return t.Unix() }

// UnixPtr returns a pointer to t as Unix seconds, for the nullable
// timestamps (completed_at, expires_at, ...).
func UnixPtr(t time.Time) *int64 {
	u := t.Unix()
	return &u
}

// Ptr returns a pointer to v, for the nullable fields.
func Ptr[T any](v T) *T { return &v }

// Metadata is the metadata of an object: at most 16 string pairs, keys
// up to 64 characters, values up to 512 (see Validate). A nil Metadata
// marshals as {} (the API always answers an object); JSON null decodes
// as nil.
type Metadata map[string]string

// MarshalJSON writes m, or {} if m is nil.
func (m Metadata) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("{}"), nil
	}
	return encodeJSON(map[string]string(m))
}

// ToolResources are the resources made available to an assistant's,
// thread's or run's tools. Absent members are omitted.
type ToolResources struct {
	CodeInterpreter *CodeInterpreterResources `json:"code_interpreter,omitempty"`
	FileSearch      *FileSearchResources      `json:"file_search,omitempty"`
}

// CodeInterpreterResources lists the files code_interpreter can use
// (at most 20).
type CodeInterpreterResources struct {
	FileIDs []string `json:"file_ids"`
}

// MarshalJSON writes file_ids as [] when empty.
func (r CodeInterpreterResources) MarshalJSON() ([]byte, error) {
	type plain CodeInterpreterResources
	p := plain(r)
	p.FileIDs = orEmpty(p.FileIDs)
	return encodeJSON(p)
}

// FileSearchResources names the vector store file_search uses (at most
// one).
//
// VectorStores is a request-only helper of assistant and thread
// creation (and create-thread-and-run): a vector store to make on the
// spot from files. The server makes it and stores its id in
// VectorStoreIDs instead: a stored object never carries VectorStores.
// At most one of VectorStoreIDs and VectorStores is set.
type FileSearchResources struct {
	VectorStoreIDs []string         `json:"vector_store_ids"`
	VectorStores   []NewVectorStore `json:"vector_stores,omitempty"`
}

// NewVectorStore is a vector store made on the spot by
// tool_resources.file_search.vector_stores: up to 10,000 files, a
// chunking strategy (its JSON as sent, checked by the vector store
// service) and metadata.
type NewVectorStore struct {
	FileIDs          []string        `json:"file_ids,omitempty"`
	ChunkingStrategy json.RawMessage `json:"chunking_strategy,omitempty"`
	Metadata         Metadata        `json:"metadata,omitempty"`
}

// MarshalJSON writes vector_store_ids as [] when empty.
func (r FileSearchResources) MarshalJSON() ([]byte, error) {
	type plain FileSearchResources
	p := plain(r)
	p.VectorStoreIDs = orEmpty(p.VectorStoreIDs)
	return encodeJSON(p)
}

// Usage is the token usage of a run or run step; null until the run or
// step is terminal.
type Usage struct {
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
	TotalTokens      int64 `json:"total_tokens"`
}

// LastError is the last error of a run or run step.
type LastError struct {
	// Code is one of the RunErrorCode constants: server_error,
	// rate_limit_exceeded, or (runs only) invalid_prompt.
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error codes of LastError.
const (
	ErrorCodeServerError       = "server_error"
	ErrorCodeRateLimitExceeded = "rate_limit_exceeded"
	ErrorCodeInvalidPrompt     = "invalid_prompt"
)

// IncompleteDetails says why a message or run is incomplete.
type IncompleteDetails struct {
	// Reason, for a message: content_filter, max_tokens, run_cancelled,
	// run_expired, run_failed; for a run: max_completion_tokens,
	// max_prompt_tokens.
	Reason string `json:"reason"`
}

// Deleted is the answer to a delete: {"id","object","deleted"}.
type Deleted struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Deleted bool   `json:"deleted"`
}

// NewDeleted returns the deletion answer for id with the given object
// name (ObjectAssistantDeleted, ObjectThreadDeleted,
// ObjectMessageDeleted or ObjectFileDeleted).
func NewDeleted(object, id string) Deleted {
	return Deleted{ID: id, Object: object, Deleted: true}
}

// List is the list envelope: {"object":"list","data",...,"first_id",
// "last_id","has_more"}, every member always present. FirstID and
// LastID are null on an empty page.
type List[T any] struct {
	Data    []T
	FirstID *string
	LastID  *string
	HasMore bool
}

// NewList returns the page data, with FirstID and LastID taken from its
// first and last items by id.
func NewList[T any](data []T, hasMore bool, id func(*T) string) List[T] {
	l := List[T]{Data: data, HasMore: hasMore}
	if len(data) > 0 {
		l.FirstID = Ptr(id(&data[0]))
		l.LastID = Ptr(id(&data[len(data)-1]))
	}
	return l
}

type listJSON[T any] struct {
	Object  string  `json:"object"`
	Data    []T     `json:"data"`
	FirstID *string `json:"first_id"`
	LastID  *string `json:"last_id"`
	HasMore bool    `json:"has_more"`
}

// MarshalJSON writes the envelope; data is [] when empty.
func (l List[T]) MarshalJSON() ([]byte, error) {
	return encodeJSON(listJSON[T]{Object: ObjectList, Data: orEmpty(l.Data), FirstID: l.FirstID, LastID: l.LastID, HasMore: l.HasMore})
}

// UnmarshalJSON reads the envelope (for clients and tests).
func (l *List[T]) UnmarshalJSON(data []byte) error {
	var w listJSON[T]
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*l = List[T]{Data: w.Data, FirstID: w.FirstID, LastID: w.LastID, HasMore: w.HasMore}
	return nil
}

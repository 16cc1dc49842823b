package vectorstore

import (
	"math"
	"unicode/utf8"
)

// Statuses of a vector store, a file and a batch, as OpenAI names them.
const (
	StatusInProgress = "in_progress"
	StatusCompleted  = "completed"
	StatusFailed     = "failed"
	StatusCancelled  = "cancelled"
	StatusExpired    = "expired"
)

// Limits, as OpenAI's.
const (
	MaxMetadataPairs  = 16
	MaxMetadataKeyLen = 64
	MaxMetadataValLen = 512
	MaxAttributes     = 16
	MaxAttrKeyLen     = 64
	MaxAttrStringLen  = 512
	MaxBatchFiles     = 500
)

// VectorStore is a vector store as the API reports it.
type VectorStore struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	CreatedAt    int64             `json:"created_at"`
	LastActiveAt int64             `json:"last_active_at"`
	Metadata     map[string]string `json:"metadata"`
	ExpiresAfter *ExpiresAfter     `json:"expires_after"`
	// ExpiresAt is nil when the store does not expire.
	ExpiresAt  *int64     `json:"expires_at"`
	Status     string     `json:"status"`
	UsageBytes int64      `json:"usage_bytes"`
	FileCounts FileCounts `json:"file_counts"`
}

// ExpiresAfter is a store's expiry policy: Days after the anchor, which
// is always "last_active_at".
type ExpiresAfter struct {
	Anchor string `json:"anchor"`
	Days   int    `json:"days"`
}

// FileCounts counts a store's (or a batch's) files by status.
type FileCounts struct {
	InProgress int `json:"in_progress"`
	Completed  int `json:"completed"`
	Failed     int `json:"failed"`
	Cancelled  int `json:"cancelled"`
	Total      int `json:"total"`
}

func (c *FileCounts) add(status string) {
	c.Total++
	switch status {
	case StatusInProgress:
		c.InProgress++
	case StatusCompleted:
		c.Completed++
	case StatusFailed:
		c.Failed++
	case StatusCancelled:
		c.Cancelled++
	}
}

// File is a file in a vector store.
type File struct {
	ID               string           `json:"id"`
	VectorStoreID    string           `json:"vector_store_id"`
	CreatedAt        int64            `json:"created_at"`
	Status           string           `json:"status"`
	UsageBytes       int64            `json:"usage_bytes"`
	LastError        *FileError       `json:"last_error"`
	Attributes       Attributes       `json:"attributes"`
	ChunkingStrategy ChunkingStrategy `json:"chunking_strategy"`
	// Filename and Chunks are r2kit's own: the name the file had when
	// it was indexed and how many chunks it has.
	Filename string `json:"-"`
	Chunks   int    `json:"-"`
	// BatchID is the batch that added the file, if any.
	BatchID string `json:"-"`
}

// Batch is a file batch.
type Batch struct {
	ID            string     `json:"id"`
	VectorStoreID string     `json:"vector_store_id"`
	CreatedAt     int64      `json:"created_at"`
	Status        string     `json:"status"`
	FileCounts    FileCounts `json:"file_counts"`
}

// Attributes are a file's key-value attributes: string, number
// (float64) or bool values.
type Attributes map[string]any

// ValidateAttributes checks attrs against OpenAI's limits and value
// types; param names the parameter (usually "attributes"). Integer
// values are accepted and stored as float64.
func ValidateAttributes(param string, attrs Attributes) error {
	if len(attrs) > MaxAttributes {
		return paramErr(param, "has %d keys, at most %d are allowed", len(attrs), MaxAttributes)
	}
	for k, v := range attrs {
		if k == "" || len(k) > MaxAttrKeyLen {
			return paramErr(param, "key %q must be 1..%d characters", k, MaxAttrKeyLen)
		}
		switch x := v.(type) {
		case string:
			if utf8.RuneCountInString(x) > MaxAttrStringLen {
				return paramErr(param+"."+k, "string values are at most %d characters", MaxAttrStringLen)
			}
		case bool:
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return paramErr(param+"."+k, "must be a finite number")
			}
		case int, int64, int32, float32:
		default:
			return paramErr(param+"."+k, "must be a string, number or boolean, not %T", v)
		}
	}
	return nil
}

// normalizeAttributes returns a copy with every number as float64.
func normalizeAttributes(attrs Attributes) Attributes {
	out := make(Attributes, len(attrs))
	for k, v := range attrs {
		if f, ok := toFloat(v); ok {
			v = f
		}
		out[k] = v
	}
	return out
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	}
	return 0, false
}

// ValidateMetadata checks a metadata map against OpenAI's limits;
// param names the parameter (usually "metadata").
func ValidateMetadata(param string, md map[string]string) error {
	if len(md) > MaxMetadataPairs {
		return paramErr(param, "has %d pairs, at most %d are allowed", len(md), MaxMetadataPairs)
	}
	for k, v := range md {
		if k == "" || utf8.RuneCountInString(k) > MaxMetadataKeyLen {
			return paramErr(param, "key %q must be 1..%d characters", k, MaxMetadataKeyLen)
		}
		if utf8.RuneCountInString(v) > MaxMetadataValLen {
			return paramErr(param+"."+k, "values are at most %d characters", MaxMetadataValLen)
		}
	}
	return nil
}

func validateExpiresAfter(param string, e *ExpiresAfter) error {
	if e == nil {
		return nil
	}
	if e.Anchor != "last_active_at" {
		return paramErr(param+".anchor", "must be last_active_at, not %q", e.Anchor)
	}
	if e.Days < 1 || e.Days > 365 {
		return paramErr(param+".days", "must be between 1 and 365, got %d", e.Days)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

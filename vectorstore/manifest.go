package vectorstore

import (
	"fmt"
	"sort"
)

// manifest is the one document per vector store: its own fields, one
// entry per file (status, attributes, segments) and its batches. It
// changes only through doc.Update, so concurrent servers never lose an
// entry, and group commit folds a burst of ingestion results into a
// few writes.
type manifest struct {
	ID           string                 `json:"id"`
	Name         string                 `json:"name"`
	CreatedAt    int64                  `json:"created_at"`
	LastActiveAt int64                  `json:"last_active_at"`
	Metadata     map[string]string      `json:"metadata,omitempty"`
	ExpiresAfter *ExpiresAfter          `json:"expires_after,omitempty"`
	Chunking     ChunkingStrategy       `json:"chunking_strategy"`
	NextGen      int64                  `json:"next_gen"`
	Files        map[string]*fileEntry  `json:"files"`
	Batches      map[string]*batchEntry `json:"batches,omitempty"`
}

type fileEntry struct {
	CreatedAt  int64            `json:"created_at"`
	Status     string           `json:"status"`
	Attributes Attributes       `json:"attributes,omitempty"`
	Chunking   ChunkingStrategy `json:"chunking_strategy"`
	// Gen is unique per addition of the file to this store; segment
	// keys contain it, so a re-added file never meets old segments.
	Gen        int64      `json:"gen"`
	Filename   string     `json:"filename,omitempty"`
	LastError  *FileError `json:"last_error,omitempty"`
	UsageBytes int64      `json:"usage_bytes"`
	Chunks     int        `json:"chunks"`
	Segments   []segRef   `json:"segments,omitempty"`
	BatchID    string     `json:"batch_id,omitempty"`
}

type segRef struct {
	Key    string `json:"key"`
	ETag   string `json:"etag"`
	Size   int64  `json:"size"`
	Chunks int    `json:"chunks"`
}

type batchEntry struct {
	CreatedAt int64 `json:"created_at"`
	Cancelled bool  `json:"cancelled,omitempty"`
}

// Object layout under the bucket.
func manifestKey(vsID string) string { return "vector_stores/" + vsID + "/manifest.json" }

func segmentPrefix(vsID, fileID string, gen int64) string {
	return fmt.Sprintf("vector_stores/%s/segments/%s/%d/", vsID, fileID, gen)
}

func segmentKey(vsID, fileID string, gen int64, n int) string {
	return fmt.Sprintf("%s%06d.seg", segmentPrefix(vsID, fileID, gen), n)
}

const storesPrefix = "vector_stores/"

func (m *manifest) expiresAt() *int64 {
	if m.ExpiresAfter == nil {
		return nil
	}
	return ptr(m.LastActiveAt + int64(m.ExpiresAfter.Days)*86400)
}

func (m *manifest) expired(now int64) bool {
	e := m.expiresAt()
	return e != nil && now >= *e
}

func (m *manifest) public(now int64) *VectorStore {
	vs := &VectorStore{
		ID: m.ID, Name: m.Name, CreatedAt: m.CreatedAt, LastActiveAt: m.LastActiveAt,
		Metadata: m.Metadata, ExpiresAfter: m.ExpiresAfter, ExpiresAt: m.expiresAt(),
	}
	if vs.Metadata == nil {
		vs.Metadata = map[string]string{}
	}
	for _, f := range m.Files {
		vs.FileCounts.add(f.Status)
		vs.UsageBytes += f.UsageBytes
	}
	switch {
	case m.expired(now):
		vs.Status = StatusExpired
	case vs.FileCounts.InProgress > 0:
		vs.Status = StatusInProgress
	default:
		vs.Status = StatusCompleted
	}
	return vs
}

func (m *manifest) file(id string) *File {
	e := m.Files[id]
	if e == nil {
		return nil
	}
	attrs := e.Attributes
	if attrs == nil {
		attrs = Attributes{}
	}
	return &File{
		ID: id, VectorStoreID: m.ID, CreatedAt: e.CreatedAt, Status: e.Status, UsageBytes: e.UsageBytes,
		LastError: e.LastError, Attributes: attrs, ChunkingStrategy: e.Chunking.Resolved(),
		Filename: e.Filename, Chunks: e.Chunks, BatchID: e.BatchID,
	}
}

func (m *manifest) batch(id string) *Batch {
	b := m.Batches[id]
	if b == nil {
		return nil
	}
	out := &Batch{ID: id, VectorStoreID: m.ID, CreatedAt: b.CreatedAt}
	for _, f := range m.Files {
		if f.BatchID == id {
			out.FileCounts.add(f.Status)
		}
	}
	switch {
	case out.FileCounts.InProgress > 0:
		out.Status = StatusInProgress
	case b.Cancelled:
		out.Status = StatusCancelled
	case out.FileCounts.Total > 0 && out.FileCounts.Failed == out.FileCounts.Total:
		out.Status = StatusFailed
	default:
		out.Status = StatusCompleted
	}
	return out
}

// sortedFiles returns the file ids in creation order (ties by id).
func (m *manifest) sortedFiles() []string {
	ids := make([]string, 0, len(m.Files))
	for id := range m.Files {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := m.Files[ids[i]], m.Files[ids[j]]
		if a.CreatedAt != b.CreatedAt {
			return a.CreatedAt < b.CreatedAt
		}
		return ids[i] < ids[j]
	})
	return ids
}

package vectorstore

import (
	"fmt"
	"sort"
)

// manifest is the one mutable document of a vector store's index: its
// own fields, its batches, and one small entry per file (status,
// attributes, and, once completed, the references of its segments).
// It changes only through doc.Update, and every change of a Service
// goes through its manifest committer (mcommit.go), which applies all
// the changes waiting for one store in one read, decode, encode and
// conditional write. File counts and usage are computed from the
// entries, so they are exact by construction.
//
// The per-file work state (lease, claims, the result of indexing) is
// not here but in the file's record (record.go): ingestion touches the
// manifest once per file, at the end, and that change is batched.
type manifest struct {
	ID           string                 `json:"id"`
	Name         string                 `json:"name"`
	CreatedAt    int64                  `json:"created_at"`
	LastActiveAt int64                  `json:"last_active_at"`
	Metadata     map[string]string      `json:"metadata,omitempty"`
	ExpiresAfter *ExpiresAfter          `json:"expires_after,omitempty"`
	Chunking     ChunkingStrategy       `json:"chunking_strategy"`
	Files        map[string]*fileEntry  `json:"files"`
	Batches      map[string]*batchEntry `json:"batches,omitempty"`
}

// fileEntry is a file's state in the manifest, kept small: empty
// fields are left out of the JSON.
type fileEntry struct {
	CreatedAt  int64      `json:"created_at"`
	Status     string     `json:"status"`
	Attributes Attributes `json:"attributes,omitempty"`
	// Chunking is the file's own strategy; zero means auto.
	Chunking ChunkingStrategy `json:"chunking_strategy,omitzero"`
	// Gen is unique per addition of the file to this store; segment
	// keys, the file record and the queue marker carry it, so work
	// done for an earlier addition is recognised and dropped.
	Gen        int64      `json:"gen"`
	Filename   string     `json:"filename,omitempty"`
	LastError  *FileError `json:"last_error,omitempty"`
	UsageBytes int64      `json:"usage_bytes,omitempty"`
	Chunks     int        `json:"chunks,omitempty"`
	// Segments are the file's segments in order; segment n's key is
	// segmentKey(store, file, Gen, n).
	Segments []segRef `json:"segments,omitempty"`
	BatchID  string   `json:"batch_id,omitempty"`
}

// segRef names one immutable segment object. Key is not stored: it
// follows from the store, file, generation and position.
type segRef struct {
	Key    string `json:"-"`
	ETag   string `json:"etag"`
	Size   int64  `json:"size"`
	Chunks int    `json:"chunks"`
}

type batchEntry struct {
	CreatedAt int64 `json:"created_at"`
	Cancelled bool  `json:"cancelled,omitempty"`
}

// Object layout under the bucket.
const (
	storesPrefix = "vector_stores/"
	// QueuePrefix is the prefix of the ingestion queue's markers, one
	// per file waiting to be indexed: QueuePrefix + "{vs_id}/{file_id}".
	QueuePrefix = "queue/vector_store_files/"
)

func manifestKey(vsID string) string { return storesPrefix + vsID + "/manifest.json" }

func recordKey(vsID, fileID string) string {
	return storesPrefix + vsID + "/files/" + fileID + ".json"
}

func markerKey(vsID, fileID string) string { return QueuePrefix + vsID + "/" + fileID }

func segmentPrefix(vsID, fileID string, gen int64) string {
	return fmt.Sprintf("%s%s/segments/%s/%d/", storesPrefix, vsID, fileID, gen)
}

func segmentKey(vsID, fileID string, gen int64, n int) string {
	return fmt.Sprintf("%s%06d.seg", segmentPrefix(vsID, fileID, gen), n)
}

// refs returns the entry's segment references with their keys.
func (e *fileEntry) refs(vsID, fileID string) []segRef {
	out := make([]segRef, len(e.Segments))
	for i, r := range e.Segments {
		r.Key = segmentKey(vsID, fileID, e.Gen, i)
		out[i] = r
	}
	return out
}

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

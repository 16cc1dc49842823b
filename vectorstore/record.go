package vectorstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/r2kit/r2kit/doc"
)

// fileRecord is a file's work document,
// vector_stores/{vs_id}/files/{file_id}.json: the lease of whoever is
// indexing the current generation, how often it was claimed, and once
// indexed the outcome (completed with its segments, or failed with a
// last_error), which the manifest then takes over. Claims and results
// are doc.Update writes whose function checks the lease, so a holder
// whose lease lapsed and was taken over cannot write (it is fenced).
type fileRecord struct {
	Gen      int64            `json:"gen"`
	Status   string           `json:"status"`
	Chunking ChunkingStrategy `json:"chunking_strategy,omitzero"`
	Lease    lease            `json:"lease"`
	// The outcome, once Status is completed or failed.
	Filename   string     `json:"filename,omitempty"`
	LastError  *FileError `json:"last_error,omitempty"`
	UsageBytes int64      `json:"usage_bytes,omitempty"`
	Chunks     int        `json:"chunks,omitempty"`
	Segments   []segRef   `json:"segments,omitempty"`
}

// lease is who indexes a file: Owner until Until (Unix milliseconds),
// and Claims, the number of claims ever made on this generation, which
// fences the writes of an earlier holder and bounds the attempts.
type lease struct {
	Owner  string `json:"owner,omitempty"`
	Until  int64  `json:"until_ms,omitempty"`
	Claims int    `json:"claims"`
}

// Errors of the lease protocol.
var (
	// ErrLeased: another worker holds the file's lease (it is being
	// indexed); Ingest returns it, wrapped, and the file stays
	// in_progress.
	ErrLeased = errors.New("the file is being indexed by another worker")
	// errLeaseLost: the lease was taken over; the holder writes nothing.
	errLeaseLost = errors.New("the file's lease was taken over")
)

// job is one file generation to index.
type job struct {
	vsID, fileID string
	gen          int64
	chunking     ChunkingStrategy
}

// claimed is the outcome of a claim.
type claimed struct {
	rec  fileRecord
	mine bool // the caller holds the lease and indexes
	// until is when the other holder's lease lapses (ErrLeased).
	until int64
}

// claim takes the lease of j's record, creating the record for a new
// generation. A record already holding the outcome is returned with
// mine false; a live lease of anyone is ErrLeased; a generation
// claimed MaxAttempts times without an outcome ends failed.
func (s *Service) claim(ctx context.Context, j job, owner string) (*claimed, error) {
	c := &claimed{}
	d, err := doc.Update(ctx, s.docs, recordKey(j.vsID, j.fileID), func(cur *fileRecord, exists bool) (fileRecord, error) {
		now := s.opts.Now().UnixMilli()
		until := now + s.opts.LeaseDuration.Milliseconds()
		c.mine = false
		if !exists || cur.Gen != j.gen {
			// A new generation; the record of another one is
			// replaced (the manifest decides which one counts).
			c.mine = true
			return fileRecord{Gen: j.gen, Status: StatusInProgress, Chunking: j.chunking,
				Lease: lease{Owner: owner, Until: until, Claims: 1}}, nil
		}
		r := *cur
		switch {
		case r.Status != StatusInProgress:
			return r, nil
		case r.Lease.Owner != "" && now < r.Lease.Until:
			c.until = r.Lease.Until
			return fileRecord{}, ErrLeased
		case r.Lease.Claims >= s.opts.MaxAttempts:
			r.Status = StatusFailed
			r.LastError = &FileError{Code: CodeServerError,
				Message: fmt.Sprintf("indexing did not finish in %d attempts", r.Lease.Claims)}
			r.Lease = lease{Claims: r.Lease.Claims}
			return r, nil
		}
		c.mine = true
		r.Lease = lease{Owner: owner, Until: until, Claims: r.Lease.Claims + 1}
		return r, nil
	}, &doc.WriteOptions{Type: "vector_store_file"})
	if err != nil {
		return c, err
	}
	c.rec = d.Value
	return c, nil
}

// fenced applies fn to the record if l is still its lease.
func (s *Service) fenced(ctx context.Context, j job, l lease, fn func(r *fileRecord)) (*fileRecord, error) {
	d, err := doc.Update(ctx, s.docs, recordKey(j.vsID, j.fileID), func(cur *fileRecord, exists bool) (fileRecord, error) {
		if !exists || cur.Gen != j.gen || cur.Status != StatusInProgress ||
			cur.Lease.Owner != l.Owner || cur.Lease.Claims != l.Claims {
			return fileRecord{}, errLeaseLost
		}
		r := *cur
		fn(&r)
		return r, nil
	}, &doc.WriteOptions{Type: "vector_store_file"})
	if err != nil {
		return nil, err
	}
	return &d.Value, nil
}

// deleteRecord removes j's record if it is still j's generation.
func (s *Service) deleteRecord(ctx context.Context, vsID, fileID string, gen int64) error {
	key := recordKey(vsID, fileID)
	d, err := doc.Get[fileRecord](ctx, s.docs, key)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if gen != 0 && d.Value.Gen != gen {
		return nil
	}
	err = doc.Delete(ctx, s.docs, key, d.ETag)
	if errors.Is(err, ErrNotFound) || errors.Is(err, doc.ErrConflict) {
		return nil
	}
	return err
}

// readRecord reads a file's record.
func (s *Service) readRecord(ctx context.Context, vsID, fileID string) (*fileRecord, error) {
	d, err := doc.Get[fileRecord](ctx, s.docs, recordKey(vsID, fileID))
	if err != nil {
		return nil, err
	}
	return &d.Value, nil
}

package vectorstore

import (
	"context"
	"fmt"
	"io"
)

// FileParams add one file to a store: its id, optional attributes and
// chunking strategy (zero: the store's, else auto).
type FileParams struct {
	FileID           string
	Attributes       Attributes
	ChunkingStrategy ChunkingStrategy
}

func (p *FileParams) validate(param string) error {
	if err := ValidateID(param+"file_id", "", p.FileID); err != nil {
		return err
	}
	if err := ValidateAttributes(param+"attributes", p.Attributes); err != nil {
		return err
	}
	return p.ChunkingStrategy.Validate(param + "chunking_strategy")
}

// fileAdd is one file being added: its parameters and new generation.
type fileAdd struct {
	FileParams
	gen int64
}

// enqueueAdds gives each file a new generation and writes its queue
// marker, before the manifest announces it (see the queue). cs is the
// store's chunking strategy, for files that give none.
func (s *Service) enqueueAdds(ctx context.Context, vsID string, files []FileParams, cs ChunkingStrategy) ([]fileAdd, error) {
	adds := make([]fileAdd, len(files))
	at := s.opts.Now().UnixMilli()
	for i, f := range files {
		adds[i] = fileAdd{FileParams: f, gen: newGen()}
	}
	err := forEach(ctx, adds, 16, func(ctx context.Context, a fileAdd) error {
		c := a.ChunkingStrategy
		if c.Type == "" {
			c = cs
		}
		_, err := s.putMarker(ctx, vsID, a.FileID, marker{Gen: a.gen, Chunking: c, At: at}, "")
		return err
	})
	if err != nil {
		s.dropAdds(ctx, vsID, adds)
		return nil, err
	}
	return adds, nil
}

// dropAdds deletes the markers of additions that were not committed.
func (s *Service) dropAdds(ctx context.Context, vsID string, adds []fileAdd) {
	_ = forEach(context.WithoutCancel(ctx), adds, 16, func(ctx context.Context, a fileAdd) error {
		return s.dropMarkerOf(ctx, vsID, a.FileID, a.gen)
	})
}

// addFiles puts files into m in_progress; a file already there is
// replaced by the new generation (as re-adding a file does in OpenAI).
func addFiles(m *manifest, files []fileAdd, batchID string, now int64) {
	for _, f := range files {
		m.Files[f.FileID] = &fileEntry{
			CreatedAt: now, Status: StatusInProgress, Attributes: normalizeAttributes(f.Attributes),
			Chunking: f.ChunkingStrategy, Gen: f.gen, BatchID: batchID,
		}
		if len(f.Attributes) == 0 {
			m.Files[f.FileID].Attributes = nil
		}
	}
	m.LastActiveAt = now
}

// AddFiles adds files to a store, in_progress, in one manifest write.
// Whether a file id exists is the caller's to check (the API answers
// 404 before calling); Ingest fails a file whose bytes Source cannot
// open. The caller then has each file ingested (Ingest), for example
// through a queue.
func (s *Service) AddFiles(ctx context.Context, vsID string, files []FileParams) ([]*File, error) {
	for i := range files {
		param := ""
		if len(files) > 1 {
			param = fmt.Sprintf("files[%d].", i)
		}
		if err := files[i].validate(param); err != nil {
			return nil, err
		}
	}
	return s.addFiles(ctx, vsID, files, "")
}

func (s *Service) addFiles(ctx context.Context, vsID string, files []FileParams, batchID string) ([]*File, error) {
	d, err := s.load(ctx, vsID)
	if err != nil {
		return nil, err
	}
	adds, err := s.enqueueAdds(ctx, vsID, files, d.Value.Chunking)
	if err != nil {
		return nil, err
	}
	now := s.now()
	m, err := s.update(ctx, vsID, func(m *manifest) error {
		if batchID != "" {
			m.Batches[batchID] = &batchEntry{CreatedAt: now}
		}
		addFiles(m, adds, batchID, now)
		return nil
	})
	if err != nil {
		s.dropAdds(ctx, vsID, adds)
		return nil, err
	}
	s.wake()
	out := make([]*File, len(files))
	for i, f := range files {
		out[i] = m.file(f.FileID)
	}
	return out, nil
}

// AddFile adds one file; see AddFiles.
func (s *Service) AddFile(ctx context.Context, vsID string, f FileParams) (*File, error) {
	if err := f.validate(""); err != nil {
		return nil, err
	}
	fs, err := s.addFiles(ctx, vsID, []FileParams{f}, "")
	if err != nil {
		return nil, err
	}
	return fs[0], nil
}

// GetFile returns a store's file.
func (s *Service) GetFile(ctx context.Context, vsID, fileID string) (*File, error) {
	if err := ValidateID("file_id", "", fileID); err != nil {
		return nil, err
	}
	d, err := s.load(ctx, vsID)
	if err != nil {
		return nil, err
	}
	f := d.Value.file(fileID)
	if f == nil {
		return nil, notFound("file", fileID)
	}
	return f, nil
}

// UpdateAttributes replaces a file's attributes. Searches see them at
// once: filters are evaluated on the manifest, not the segments.
func (s *Service) UpdateAttributes(ctx context.Context, vsID, fileID string, attrs Attributes) (*File, error) {
	if err := ValidateID("file_id", "", fileID); err != nil {
		return nil, err
	}
	if err := ValidateAttributes("attributes", attrs); err != nil {
		return nil, err
	}
	m, err := s.update(ctx, vsID, func(m *manifest) error {
		e := m.mutable(fileID)
		if e == nil {
			return notFound("file", fileID)
		}
		e.Attributes = normalizeAttributes(attrs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m.file(fileID), nil
}

// DeleteFile takes a file out of a store's index (the file itself, in
// the caller's Files store, is kept): the manifest entry goes first, so
// searches stop returning it at once, then its queue marker, record and
// segments. A worker still indexing it finds the entry gone and drops
// what it wrote.
func (s *Service) DeleteFile(ctx context.Context, vsID, fileID string) error {
	if err := ValidateID("file_id", "", fileID); err != nil {
		return err
	}
	var gen int64
	_, err := s.update(ctx, vsID, func(m *manifest) error {
		e := m.Files[fileID]
		if e == nil {
			return notFound("file", fileID)
		}
		gen = e.Gen
		delete(m.Files, fileID)
		return nil
	})
	if err != nil {
		return err
	}
	s.cleanupGen(ctx, job{vsID: vsID, fileID: fileID, gen: gen})
	return s.dropMarkerOf(context.WithoutCancel(ctx), vsID, fileID, gen)
}

// ListFilesParams page through a store's files; Status and BatchID,
// if set, filter them.
type ListFilesParams struct {
	ListParams
	Status  string
	BatchID string
}

// ListFiles pages through a store's files in creation order.
func (s *Service) ListFiles(ctx context.Context, vsID string, p ListFilesParams) (*Page[*File], error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	switch p.Status {
	case "", StatusInProgress, StatusCompleted, StatusFailed, StatusCancelled:
	default:
		return nil, paramErr("filter", "must be in_progress, completed, failed or cancelled, not %q", p.Status)
	}
	d, err := s.load(ctx, vsID)
	if err != nil {
		return nil, err
	}
	m := &d.Value
	if p.BatchID != "" && m.Batches[p.BatchID] == nil {
		return nil, notFound("file batch", p.BatchID)
	}
	var ids []string
	for _, id := range m.sortedFiles() {
		e := m.Files[id]
		if (p.Status == "" || e.Status == p.Status) && (p.BatchID == "" || e.BatchID == p.BatchID) {
			ids = append(ids, id)
		}
	}
	sel, more := page(ids, p.ListParams)
	out := &Page[*File]{HasMore: more, Data: make([]*File, len(sel))}
	for i, id := range sel {
		out.Data[i] = m.file(id)
	}
	return out, nil
}

// WriteContent writes a completed file's parsed text to w, as the
// chunks hold it with their overlaps removed.
func (s *Service) WriteContent(ctx context.Context, vsID, fileID string, w io.Writer) error {
	if err := ValidateID("file_id", "", fileID); err != nil {
		return err
	}
	d, err := s.load(ctx, vsID)
	if err != nil {
		return err
	}
	e := d.Value.Files[fileID]
	if e == nil {
		return notFound("file", fileID)
	}
	for _, ref := range e.refs(vsID, fileID) {
		seg, err := s.segment(ctx, ref)
		if err != nil {
			return err
		}
		for _, c := range seg.chunks {
			if _, err := io.WriteString(w, c.text[min(c.skip, len(c.text)):]); err != nil {
				return err
			}
		}
	}
	return nil
}

// CreateBatch adds files to a store as one batch (at most
// MaxBatchFiles), in one manifest write, and returns the batch.
func (s *Service) CreateBatch(ctx context.Context, vsID string, files []FileParams) (*Batch, error) {
	if len(files) == 0 {
		return nil, paramErr("file_ids", "must not be empty")
	}
	if len(files) > MaxBatchFiles {
		return nil, paramErr("file_ids", "has %d files, at most %d are allowed", len(files), MaxBatchFiles)
	}
	seen := make(map[string]bool, len(files))
	for i := range files {
		if err := files[i].validate(fmt.Sprintf("files[%d].", i)); err != nil {
			return nil, err
		}
		if seen[files[i].FileID] {
			return nil, paramErr(fmt.Sprintf("files[%d].file_id", i), "file %q is listed twice", files[i].FileID)
		}
		seen[files[i].FileID] = true
	}
	id := NewID(PrefixFileBatch)
	if _, err := s.addFiles(ctx, vsID, files, id); err != nil {
		return nil, err
	}
	return s.GetBatch(ctx, vsID, id)
}

// GetBatch returns a batch with its file counts.
func (s *Service) GetBatch(ctx context.Context, vsID, batchID string) (*Batch, error) {
	if err := ValidateID("batch_id", PrefixFileBatch, batchID); err != nil {
		return nil, err
	}
	d, err := s.load(ctx, vsID)
	if err != nil {
		return nil, err
	}
	b := d.Value.batch(batchID)
	if b == nil {
		return nil, notFound("file batch", batchID)
	}
	return b, nil
}

// CancelBatch marks the batch's files that are still in_progress
// cancelled; an Ingest of one of them afterwards does nothing.
func (s *Service) CancelBatch(ctx context.Context, vsID, batchID string) (*Batch, error) {
	if err := ValidateID("batch_id", PrefixFileBatch, batchID); err != nil {
		return nil, err
	}
	var cancelled []fileAdd
	m, err := s.update(ctx, vsID, func(m *manifest) error {
		b := m.mutableBatch(batchID)
		if b == nil {
			return notFound("file batch", batchID)
		}
		b.Cancelled = true
		cancelled = cancelled[:0]
		for id, e := range m.Files {
			if e.BatchID == batchID && e.Status == StatusInProgress {
				m.mutable(id).Status = StatusCancelled
				cancelled = append(cancelled, fileAdd{FileParams: FileParams{FileID: id}, gen: e.Gen})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Nobody needs to index them now; a worker that is at it finds
	// them settled and drops its work.
	s.dropAdds(ctx, vsID, cancelled)
	return m.batch(batchID), nil
}

// Pending returns the ids of a store's files still in_progress, in
// creation order: the work a queue has to hand out.
func (s *Service) Pending(ctx context.Context, vsID string) ([]string, error) {
	d, err := s.load(ctx, vsID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, id := range d.Value.sortedFiles() {
		if d.Value.Files[id].Status == StatusInProgress {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

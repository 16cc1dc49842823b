package vectorstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/r2kit/r2kit/storage"
)

// Ingest indexes one file of a store that is in_progress: it opens the
// bytes through the Source, extracts the text, chunks it, embeds the
// chunks (with an Embedder), writes the segments and records the
// outcome in the manifest: completed, or failed with a last_error.
//
// Ingest is idempotent, so a lease-based queue can run it again after
// a crash or hand it to another server: segment keys are deterministic
// per file and generation and written create-only (an object left by an
// earlier attempt is reused, not written twice), and the manifest is
// changed only if the entry is still the same generation in_progress.
// A file that is no longer in_progress (completed, failed, cancelled)
// is returned as it is, with nothing done. A file removed or re-added
// meanwhile has its freshly written segments deleted.
//
// Ingest returns an error, leaving the file in_progress for a retry,
// only when ctx ends or the bucket fails; every problem with the file
// itself (unsupported, unparseable, missing, embedding failure) ends it
// failed, and Ingest returns the failed file and a nil error.
func (s *Service) Ingest(ctx context.Context, vsID, fileID string) (*File, error) {
	if err := ValidateID("file_id", "", fileID); err != nil {
		return nil, err
	}
	d, err := s.load(ctx, vsID)
	if err != nil {
		return nil, err
	}
	e := d.Value.Files[fileID]
	if e == nil {
		return nil, notFound("file", fileID)
	}
	if e.Status != StatusInProgress {
		return d.Value.file(fileID), nil
	}
	gen := e.Gen
	res, ierr := s.index(ctx, vsID, fileID, e)
	var fe *FileError
	if ierr != nil && !errors.As(ierr, &fe) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !isFileProblem(ierr) {
			return nil, ierr
		}
		fe = fileErr(CodeServerError, ierr, "%v", ierr)
	}
	stale := false
	m, err := s.update(ctx, vsID, func(m *manifest) error {
		cur := m.Files[fileID]
		stale = cur == nil || cur.Gen != gen
		if stale || cur.Status != StatusInProgress {
			return nil
		}
		cur.Filename = res.filename
		if fe != nil {
			cur.Status, cur.LastError = StatusFailed, &FileError{Code: fe.Code, Message: fe.Message}
			cur.Segments, cur.Chunks, cur.UsageBytes = nil, 0, 0
			return nil
		}
		cur.Status, cur.LastError = StatusCompleted, nil
		cur.Segments, cur.Chunks, cur.UsageBytes = res.segs, res.chunks, res.bytes
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		stale = true
	} else if err != nil {
		return nil, err
	}
	if stale || fe != nil {
		// Nobody references what was written: a removed or re-added
		// file, or a failure part-way.
		if derr := s.deletePrefix(context.WithoutCancel(ctx), segmentPrefix(vsID, fileID, gen)); derr != nil && err == nil && !stale {
			return nil, derr
		}
	}
	if err != nil {
		return nil, err
	}
	if f := m.file(fileID); f != nil {
		return f, nil
	}
	return nil, notFound("file", fileID)
}

// isFileProblem tells failures caused by the file or the embedder
// (which fail the file) from bucket failures (which are retried).
func isFileProblem(err error) bool {
	var se *storage.Error
	return !errors.As(err, &se)
}

type indexed struct {
	filename string
	segs     []segRef
	chunks   int
	bytes    int64
}

// index extracts, chunks, embeds and writes the segments of one file.
func (s *Service) index(ctx context.Context, vsID, fileID string, e *fileEntry) (indexed, error) {
	var res indexed
	if s.src == nil {
		return res, fileErr(CodeServerError, nil, "no file source configured")
	}
	sf, err := s.src.Open(ctx, fileID)
	if errors.Is(err, ErrNotFound) {
		return res, fileErr(CodeInvalidFile, err, "file %s not found", fileID)
	}
	if err != nil {
		return res, fmt.Errorf("vectorstore: opening file %s: %w", fileID, err)
	}
	defer sf.Body.Close()
	res.filename = sf.Filename
	text, err := Extract(ctx, s.opts.Extractors, sf)
	if err != nil {
		return res, err
	}
	defer text.Close()
	ch, err := NewChunker(text, e.Chunking)
	if err != nil {
		return res, err
	}
	w := &segmentWriter{s: s, ctx: ctx, vsID: vsID, fileID: fileID, gen: e.Gen, res: &res}
	batch := make([]Chunk, 0, s.opts.EmbedBatch)
	for {
		c, err := ch.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, err
		}
		batch = append(batch, c)
		if len(batch) == cap(batch) {
			if err := w.add(batch); err != nil {
				return res, err
			}
			batch = batch[:0]
		}
	}
	if err := w.add(batch); err != nil {
		return res, err
	}
	return res, w.flush()
}

// segmentWriter embeds chunks and writes a segment object every
// SegmentChunks chunks.
type segmentWriter struct {
	s            *Service
	ctx          context.Context
	vsID, fileID string
	gen          int64
	res          *indexed
	b            *segmentBuilder
}

func (w *segmentWriter) add(chunks []Chunk) error {
	if len(chunks) == 0 {
		return nil
	}
	var vecs [][]float32
	if w.s.opts.Embedder != nil {
		texts := make([]string, len(chunks))
		for i, c := range chunks {
			texts[i] = c.Text
		}
		var err error
		vecs, err = w.s.opts.Embedder.Embed(w.ctx, texts)
		if err != nil {
			if w.ctx.Err() != nil {
				return w.ctx.Err()
			}
			return fileErr(CodeServerError, err, "embedding failed: %v", err)
		}
		if len(vecs) != len(chunks) {
			return fileErr(CodeServerError, nil, "embedder returned %d vectors for %d chunks", len(vecs), len(chunks))
		}
	}
	for i, c := range chunks {
		if w.b == nil {
			w.b = newSegmentBuilder(w.fileID, w.res.chunks)
		}
		var v []float32
		if vecs != nil {
			v = vecs[i]
			if w.b.seg.dims != 0 && len(v) != w.b.seg.dims {
				return fileErr(CodeServerError, nil, "embedder returned vectors of %d and %d dimensions", w.b.seg.dims, len(v))
			}
		}
		w.b.add(c, v)
		w.res.chunks++
		if w.b.len() >= w.s.opts.SegmentChunks {
			if err := w.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// flush writes the segment being built, create-only: an object left at
// the same key by an earlier attempt of this generation is kept and
// referenced instead.
func (w *segmentWriter) flush() error {
	if w.b == nil || w.b.len() == 0 {
		return nil
	}
	seg := w.b.finish()
	w.b = nil
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := seg.encode(buf); err != nil {
		return err
	}
	key := segmentKey(w.vsID, w.fileID, w.gen, len(w.res.segs))
	a, err := w.s.b.Put(w.ctx, key, bytes.NewReader(buf.Bytes()), &storage.PutOptions{
		ContentType: "application/octet-stream", IfNoneMatch: "*",
	})
	if errors.Is(err, storage.ErrPreconditionFailed) {
		a, err = w.s.b.Stat(w.ctx, key)
	}
	if err != nil {
		return fmt.Errorf("vectorstore: writing segment: %w", err)
	}
	w.s.cache.put(key, a.ETag, seg)
	w.res.segs = append(w.res.segs, segRef{Key: key, ETag: a.ETag, Size: a.Size, Chunks: len(seg.chunks)})
	w.res.bytes += a.Size
	return nil
}

// IngestAll ingests every in_progress file of a store with at most
// workers files at a time (1 if workers < 1), and returns the first
// error that left a file in_progress. It is the simplest driver, for
// tests and single-process use; a server spreads Ingest calls over its
// queue instead.
func (s *Service) IngestAll(ctx context.Context, vsID string, workers int) error {
	ids, err := s.Pending(ctx, vsID)
	if err != nil {
		return err
	}
	workers = max(workers, 1)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan string)
	for range min(workers, len(ids)) {
		wg.Go(func() {
			for id := range next {
				if _, err := s.Ingest(ctx, vsID, id); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for _, id := range ids {
		select {
		case next <- id:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

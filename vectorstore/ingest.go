package vectorstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/r2kit/r2kit/storage"
)

// Ingest indexes one file of a store that is in_progress: it claims
// the file's lease, opens the bytes through the Source, extracts the
// text, chunks it, embeds the chunks (with an Embedder), writes the
// segments, records the outcome in the file's record (a write fenced
// by the lease) and then in the manifest: completed, or failed with a
// last_error. A Worker calls the same steps for the files of its
// queue.
//
// Ingest is idempotent, so it can run again after a crash or on
// another server: segment keys are deterministic per file and
// generation and written create-only (an object left by an earlier
// attempt is reused, not written twice); an outcome already in the
// record is only carried into the manifest; and the manifest is
// changed only if its entry is still the same generation in_progress.
// A file that is no longer in_progress (completed, failed, cancelled)
// is returned as it is, with nothing done. A file removed or re-added
// meanwhile has its freshly written segments deleted. A generation
// claimed Options.MaxAttempts times without an outcome (its workers
// died or kept failing on the bucket) ends failed.
//
// Ingest returns an error, leaving the file in_progress for a retry,
// only when ctx ends, the bucket fails, or another worker holds the
// file's lease (an error matching ErrLeased); every problem with the
// file itself (unsupported, unparseable, missing, embedding failure)
// ends it failed, and Ingest returns the failed file and a nil error.
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
	return s.ingestJob(ctx, d.Value.job(fileID), nil)
}

// job returns the indexing job of a file's current generation.
func (m *manifest) job(fileID string) job {
	e := m.Files[fileID]
	j := job{vsID: m.ID, fileID: fileID, gen: e.Gen, chunking: e.Chunking}
	if j.chunking.Type == "" {
		j.chunking = m.Chunking
	}
	return j
}

// ingestJob is Ingest of a generation the manifest held in_progress.
func (s *Service) ingestJob(ctx context.Context, j job, release func()) (*File, error) {
	r, err := s.runJob(ctx, j, s.id, release)
	if err != nil {
		return nil, err
	}
	if r.sync != syncApplied && r.sync != syncSettled {
		// Removed or re-added meanwhile: this generation is gone.
		s.cleanupGen(ctx, j)
		if r.file == nil {
			return nil, notFound("file", j.fileID)
		}
		return r.file, nil
	}
	if err := s.dropMarkerOf(context.WithoutCancel(ctx), j.vsID, j.fileID, j.gen); err != nil {
		return nil, err
	}
	return r.file, nil
}

// syncState says what the manifest made of a generation's outcome.
type syncState int

const (
	syncApplied syncState = iota // the manifest took the outcome
	syncSettled                  // the manifest had settled this generation already
	syncAbsent                   // the manifest has no entry for the file
	syncOther                    // the manifest's entry is another generation
)

type jobResult struct {
	sync syncState
	file *File // the file as the manifest holds it, nil if absent
	// other is the manifest's entry when sync is syncOther.
	other *fileEntry
}

// runJob claims, indexes and records one generation of a file and
// carries the outcome into the manifest. release, if not nil, is
// called once the indexing is over, before the manifest change is
// waited for: a driver that bounds the files indexed at once can start
// the next one while this one waits for its (batched) manifest write,
// so batches grow with the load.
func (s *Service) runJob(ctx context.Context, j job, owner string, release func()) (*jobResult, error) {
	if release != nil {
		var once sync.Once
		r := release
		release = func() { once.Do(r) }
		defer release()
	}
	c, err := s.claim(ctx, j, owner)
	switch {
	case errors.Is(err, ErrLeased):
		return nil, &leasedError{vsID: j.vsID, fileID: j.fileID, until: c.until}
	case err != nil:
		return nil, err
	}
	rec := &c.rec
	if c.mine {
		if rec, err = s.indexLeased(ctx, j, c.rec.Lease); err != nil {
			return nil, err
		}
	}
	if release != nil {
		release()
	}
	return s.sync(ctx, j, rec)
}

// leasedError is ErrLeased with the file and when the lease lapses.
type leasedError struct {
	vsID, fileID string
	until        int64
}

func (e *leasedError) Error() string {
	return fmt.Sprintf("vectorstore: file %s of %s: %v", e.fileID, e.vsID, ErrLeased)
}

func (e *leasedError) Unwrap() error { return ErrLeased }

// indexLeased indexes j while renewing lease l, and records the
// outcome in the record. A bucket failure releases the lease (keeping
// its claim count) so that the next attempt need not wait for it to
// lapse.
func (s *Service) indexLeased(ctx context.Context, j job, l lease) (*fileRecord, error) {
	ictx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		s.renew(ictx, j, l, stop)
	}()
	res, ierr := s.index(ictx, j)
	stop(nil)
	<-renewed
	if cause := context.Cause(ictx); errors.Is(cause, errLeaseLost) {
		return nil, fmt.Errorf("vectorstore: indexing %s: %w", j.fileID, errLeaseLost)
	}
	var fe *FileError
	if ierr != nil && !errors.As(ierr, &fe) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !isFileProblem(ierr) {
			_, _ = s.fenced(context.WithoutCancel(ctx), j, l, func(r *fileRecord) { r.Lease.Owner, r.Lease.Until = "", 0 })
			return nil, ierr
		}
		fe = fileErr(CodeServerError, ierr, "%v", ierr)
	}
	return s.fenced(ctx, j, l, func(r *fileRecord) {
		r.Lease.Owner, r.Lease.Until = "", 0
		r.Filename = res.filename
		if fe != nil {
			r.Status, r.LastError = StatusFailed, &FileError{Code: fe.Code, Message: fe.Message}
			return
		}
		r.Status, r.LastError = StatusCompleted, nil
		r.Segments, r.Chunks, r.UsageBytes = res.segs, res.chunks, res.bytes
	})
}

// renew extends the lease every LeaseDuration/3 until ctx ends; when
// the lease is lost, or cannot be renewed before it lapses, it stops
// the indexing with errLeaseLost.
func (s *Service) renew(ctx context.Context, j job, l lease, stop context.CancelCauseFunc) {
	every := max(s.opts.LeaseDuration/3, time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		until := s.opts.Now().Add(s.opts.LeaseDuration).UnixMilli()
		_, err := s.fenced(ctx, j, l, func(r *fileRecord) { r.Lease.Until = until })
		switch {
		case err == nil:
			l.Until = until
		case errors.Is(err, errLeaseLost):
			stop(errLeaseLost)
			return
		case ctx.Err() != nil:
			return
		case s.opts.Now().UnixMilli() >= l.Until:
			stop(errLeaseLost)
			return
		}
	}
}

// sync carries a generation's outcome (rec, nil if unknown) into the
// manifest if its entry is still that generation in_progress.
func (s *Service) sync(ctx context.Context, j job, rec *fileRecord) (*jobResult, error) {
	r := &jobResult{}
	err := s.updateInPlace(ctx, j.vsID, func(m *manifest) {
		cur := m.Files[j.fileID]
		r.other = nil
		switch {
		case cur == nil:
			r.sync = syncAbsent
		case cur.Gen != j.gen:
			r.sync, r.other = syncOther, cur
		case cur.Status != StatusInProgress || rec == nil || rec.Status == StatusInProgress:
			r.sync, r.other = syncSettled, cur
		default:
			r.sync = syncApplied
			cur = m.mutable(j.fileID)
			cur.Status, cur.Filename, cur.LastError = rec.Status, rec.Filename, rec.LastError
			cur.Segments, cur.Chunks, cur.UsageBytes = rec.Segments, rec.Chunks, rec.UsageBytes
			if rec.Status != StatusCompleted {
				cur.Segments, cur.Chunks, cur.UsageBytes = nil, 0, 0
			}
		}
		r.file = m.file(j.fileID)
	})
	if errors.Is(err, ErrNotFound) {
		return &jobResult{sync: syncAbsent}, nil
	}
	if err != nil {
		return nil, err
	}
	if r.sync == syncApplied && rec.Status != StatusCompleted || r.sync == syncSettled && r.other.Status != StatusCompleted && r.other.Status != StatusInProgress {
		// A failure part-way: nobody references what was written.
		if err := s.deletePrefix(context.WithoutCancel(ctx), segmentPrefix(j.vsID, j.fileID, j.gen)); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// cleanupGen deletes what a generation the manifest no longer holds
// left behind: its segments and its record.
func (s *Service) cleanupGen(ctx context.Context, j job) {
	ctx = context.WithoutCancel(ctx)
	_ = s.deletePrefix(ctx, segmentPrefix(j.vsID, j.fileID, j.gen))
	_ = s.deleteRecord(ctx, j.vsID, j.fileID, j.gen)
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
func (s *Service) index(ctx context.Context, j job) (indexed, error) {
	vsID, fileID := j.vsID, j.fileID
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
	ch, err := NewChunker(text, j.chunking)
	if err != nil {
		return res, err
	}
	w := &segmentWriter{s: s, ctx: ctx, vsID: vsID, fileID: fileID, gen: j.gen, res: &res}
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
	d, err := s.load(ctx, vsID)
	if err != nil {
		return err
	}
	var jobs []job
	for _, id := range d.Value.sortedFiles() {
		if d.Value.Files[id].Status == StatusInProgress {
			jobs = append(jobs, d.Value.job(id))
		}
	}
	// At most workers files are indexed at once; those waiting for
	// their manifest write do not count, so that the writes batch.
	sem := make(chan struct{}, max(workers, 1))
	err = forEach(ctx, jobs, len(jobs), func(ctx context.Context, j job) error {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		_, err := s.ingestJob(ctx, j, func() { <-sem })
		return err
	})
	if err == nil {
		err = ctx.Err()
	}
	return err
}

package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/vectorstore"
)

// DefaultIngestWorkers bounds the files the in-process ingestion pool
// indexes at a time.
const DefaultIngestWorkers = 2

// IngestExecutor indexes the files added to vector stores. The server
// adds a file to a store's manifest in_progress (create with file_ids,
// add a file, create a batch), answers at once, and calls Enqueue for
// each file it added; the executor then runs vectorstore's Ingest for
// it, in the background, which ends the file completed or failed.
// Config.Ingest may be nil: the server then ingests in its own process
// with a small goroutine pool (Config.IngestWorkers), stopped by Close.
//
// A lease-based worker, spreading ingestion over every process sharing
// the bucket and taking over the work of a process that died, plugs in
// here: it implements Enqueue (writing its queue marker), is set as
// Config.Ingest, and builds on the server's Service (Server.VectorStores)
// or on its own over the same bucket and FileSource. Ingest is
// idempotent, so a file enqueued twice is indexed once.
//
// Enqueue may be called concurrently, by many requests. Its ctx is the
// request's: work that outlives Enqueue must not use it. An error from
// Enqueue is the request's answer (the file stays in_progress).
type IngestExecutor interface {
	Enqueue(ctx context.Context, vectorStoreID, fileID string) error
}

// FileSource is the vectorstore.Source over the server's files: the
// bytes of a file id and its filename (whose extension picks the
// extractor). An unknown file matches vectorstore.ErrNotFound.
func FileSource(files *store.Files) vectorstore.Source { return fileSource{files} }

type fileSource struct{ files *store.Files }

var _ vectorstore.Source = fileSource{}

func (s fileSource) Open(ctx context.Context, fileID string) (*vectorstore.SourceFile, error) {
	d, err := s.files.GetMetadata(ctx, fileID)
	if err != nil {
		return nil, err
	}
	r, err := s.files.GetBlob(ctx, fileID, nil)
	if err != nil {
		return nil, err
	}
	return &vectorstore.SourceFile{Filename: d.Value.Filename, Size: r.Length, Body: r}, nil
}

// ingestRetries are the waits between the attempts of an Ingest that
// failed with a bucket error (the file is still in_progress).
var ingestRetries = []time.Duration{time.Second, 4 * time.Second, 15 * time.Second}

// ingestPool is the in-process IngestExecutor: a FIFO of files and at
// most max goroutines draining it, started on demand and gone when the
// queue is empty, so an idle server runs none. Files still queued when
// the pool is closed stay in_progress (ResumeIngest, or a worker, takes
// them up again).
type ingestPool struct {
	svc    *vectorstore.Service
	log    *slog.Logger
	max    int
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	queue   []ingestJob
	running int
	closed  bool
	wg      sync.WaitGroup
}

type ingestJob struct{ vsID, fileID string }

var _ IngestExecutor = (*ingestPool)(nil)

func newIngestPool(svc *vectorstore.Service, log *slog.Logger, workers int) *ingestPool {
	if workers <= 0 {
		workers = DefaultIngestWorkers
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &ingestPool{svc: svc, log: log, max: workers, ctx: ctx, cancel: cancel}
}

// Enqueue queues the file; it fails only once the pool is closed.
func (p *ingestPool) Enqueue(_ context.Context, vsID, fileID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("api: ingesting %s into %s: the server is shutting down: %w", fileID, vsID, storage.ErrClosed)
	}
	p.queue = append(p.queue, ingestJob{vsID, fileID})
	if p.running < p.max {
		p.running++
		p.wg.Add(1)
		go p.work()
	}
	return nil
}

// work ingests queued files until the queue is empty or the pool closed.
func (p *ingestPool) work() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		if len(p.queue) == 0 || p.closed {
			p.running--
			p.mu.Unlock()
			return
		}
		j := p.queue[0]
		p.queue[0] = ingestJob{}
		p.queue = p.queue[1:]
		p.mu.Unlock()
		p.ingest(j)
	}
}

// ingest runs Ingest for j, again after a bucket failure.
func (p *ingestPool) ingest(j ingestJob) {
	for attempt := 0; ; attempt++ {
		_, err := p.svc.Ingest(p.ctx, j.vsID, j.fileID)
		switch {
		case err == nil, p.ctx.Err() != nil:
			return
		case errors.Is(err, vectorstore.ErrNotFound): // store or file removed meanwhile
			return
		case attempt == len(ingestRetries):
			p.log.Error("ingestion failed; the file stays in_progress", "vector_store_id", j.vsID,
				"file_id", j.fileID, "error", err.Error())
			return
		}
		p.log.Warn("ingestion failed; retrying", "vector_store_id", j.vsID, "file_id", j.fileID,
			"attempt", attempt+1, "error", err.Error())
		t := time.NewTimer(ingestRetries[attempt])
		select {
		case <-p.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// close stops the pool: no new work, Ingest calls under way are
// cancelled (their files stay in_progress), and close returns once
// every goroutine has ended.
func (p *ingestPool) close() {
	p.mu.Lock()
	p.closed = true
	p.queue = nil
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
}

// openVectorStores opens the vector store service over the server's
// bucket and files, and its ingestion: Config.Ingest, else the pool.
func (s *Server) openVectorStores() {
	var opts vectorstore.Options
	if s.cfg.VectorStores != nil {
		opts = *s.cfg.VectorStores
	}
	if opts.Now == nil {
		opts.Now = s.now
	}
	s.vs = vectorstore.New(s.bucket, FileSource(s.store.Files), &opts)
	s.ingest = s.cfg.Ingest
	if s.ingest == nil {
		s.pool = newIngestPool(s.vs, s.log, s.cfg.IngestWorkers)
		s.ingest = s.pool
	}
}

// VectorStores returns the vector store service the endpoints use, over
// Bucket: an IngestExecutor (Config.Ingest) may ingest through it.
func (s *Server) VectorStores() *vectorstore.Service { return s.vs }

// Close stops the server's background work: the in-process ingestion
// pool, if it has one. Call it after the HTTP server has shut down.
// Files whose ingestion it cut short stay in_progress; ResumeIngest
// enqueues them again. Close does not close the Bucket.
func (s *Server) Close() error {
	if s.pool != nil {
		s.pool.close()
	}
	return nil
}

// ResumeIngest enqueues every file of every vector store that is still
// in_progress, for example at startup after a restart cut ingestion
// short. Ingest is idempotent, so servers sharing a bucket may all call
// it; it reads every store's manifest, so it costs a listing and one GET
// per store.
func (s *Server) ResumeIngest(ctx context.Context) error {
	n := 0
	err := s.eachVectorStore(ctx, func(vsID string) error {
		ids, err := s.vs.Pending(ctx, vsID)
		if errors.Is(err, vectorstore.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := s.ingest.Enqueue(ctx, vsID, id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if n > 0 {
		s.log.Info("resumed ingestion", "files", n)
	}
	return err
}

// eachVectorStore calls fn with the id of every vector store, oldest
// first.
func (s *Server) eachVectorStore(ctx context.Context, fn func(vsID string) error) error {
	p := vectorstore.ListParams{Limit: 100, Order: "asc"}
	for {
		page, err := s.vs.List(ctx, p)
		if err != nil {
			return err
		}
		for _, v := range page.Data {
			if err := fn(v.ID); err != nil {
				return err
			}
		}
		if !page.HasMore || len(page.Data) == 0 {
			return nil
		}
		p.After = page.Data[len(page.Data)-1].ID
	}
}

// removeFromVectorStores takes a file out of every vector store that
// holds it (DELETE /v1/files/{file_id}).
func (s *Server) removeFromVectorStores(ctx context.Context, fileID string) error {
	return s.eachVectorStore(ctx, func(vsID string) error {
		err := s.vs.DeleteFile(ctx, vsID, fileID)
		if errors.Is(err, vectorstore.ErrNotFound) {
			return nil
		}
		return err
	})
}

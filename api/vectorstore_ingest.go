package api

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/vectorstore"
)

// DefaultIngestWorkers bounds the files a server's ingestion Worker
// indexes at a time.
const DefaultIngestWorkers = 2

// IngestExecutor indexes the files added to vector stores. The server
// adds a file to a store's manifest in_progress (create with file_ids,
// add a file, create a batch), answers at once, and calls Enqueue for
// each file it added; the executor then runs vectorstore's Ingest for
// it, in the background, which ends the file completed or failed.
// Config.Ingest may be nil: the server then runs a vectorstore.Worker
// (Config.IngestWorkers files at a time), which spreads ingestion over
// every process sharing the bucket and takes over the work of a process
// that died; Close stops it. Another executor builds on the server's
// Service (Server.VectorStores) or on its own over the same bucket and
// FileSource. Ingest is
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

// openVectorStores opens the vector store service over the server's
// bucket and files, and its ingestion: Config.Ingest, else a Worker.
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
		s.worker = newIngestWorker(s.vs, s.log, s.cfg.IngestWorkers)
		s.ingest = s.worker
	}
}

// ingestWorker runs a vectorstore.Worker in the background: every
// server sharing the bucket runs one, files are claimed by lease, and
// the files of a server that died are taken over once their leases
// lapse (see vectorstore.Worker). Enqueue wakes it; after close it
// refuses work.
type ingestWorker struct {
	w      *vectorstore.Worker
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once
	done   chan struct{}
	closed atomic.Bool
}

var _ IngestExecutor = (*ingestWorker)(nil)

func newIngestWorker(svc *vectorstore.Service, log *slog.Logger, workers int) *ingestWorker {
	if workers <= 0 {
		workers = DefaultIngestWorkers
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &ingestWorker{w: vectorstore.NewWorker(svc, &vectorstore.WorkerOptions{Concurrency: workers, Logger: log}),
		log: log, ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

// start runs the worker's loop, once.
func (iw *ingestWorker) start() {
	iw.once.Do(func() {
		go func() {
			defer close(iw.done)
			if err := iw.w.Run(iw.ctx); err != nil && iw.ctx.Err() == nil {
				iw.log.Error("vector store ingestion stopped", "error", err.Error())
			}
		}()
	})
}

// Enqueue starts the worker if it is not running and wakes it for the
// file; it fails once closed.
func (iw *ingestWorker) Enqueue(ctx context.Context, vsID, fileID string) error {
	if iw.closed.Load() {
		return storage.Errorf("enqueue file", fileID, storage.ErrClosed, "the server is shutting down")
	}
	iw.start()
	return iw.w.Enqueue(ctx, vsID, fileID)
}

// close stops the worker and waits for it: files it had claimed are
// taken over by another server's worker when their leases lapse, or by
// this one at its next start.
func (iw *ingestWorker) close() {
	iw.closed.Store(true)
	iw.cancel()
	iw.once.Do(func() { close(iw.done) }) // never started
	<-iw.done
}

// StartIngestion starts the server's ingestion Worker now (it starts by
// itself when this server adds a file to a vector store), so that it
// also takes up files that other servers sharing the bucket added, and
// those of a server that died. r2kit serve calls it at startup. With
// Config.Ingest set, it does nothing.
func (s *Server) StartIngestion() {
	if s.worker != nil && !s.worker.closed.Load() {
		s.worker.start()
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
	if s.worker != nil {
		s.worker.close()
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

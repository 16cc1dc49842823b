package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/spf13/pflag"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/vectorstore"
)

// vectorStoreOptions are the flags of serve that configure vector
// stores: the embeddings endpoint, the segment cache and ingestion.
type vectorStoreOptions struct {
	embeddingsBaseURL    string
	embeddingsModel      string
	embeddingsAPIKey     string
	embeddingsDimensions int
	segmentCache         byteSize
	ingestWorkers        int
	ingestLease          time.Duration
}

// addVectorStoreFlags registers the vector store flags and their
// variables.
func (a *app) addVectorStoreFlags(f *pflag.FlagSet, o *vectorStoreOptions) {
	o.segmentCache = 256 << 20
	f.StringVar(&o.embeddingsBaseURL, "embeddings-base-url", "",
		"OpenAI-compatible base URL for embeddings, such as http://127.0.0.1:11434/v1 (/embeddings is appended); "+
			"with one, vector store search is hybrid (vectors and BM25), without one it is BM25 only")
	f.StringVar(&o.embeddingsModel, "embeddings-model", "", "embedding model name (required with --embeddings-base-url)")
	f.StringVar(&o.embeddingsAPIKey, "embeddings-api-key", "", "bearer key sent to the embeddings endpoint")
	f.IntVar(&o.embeddingsDimensions, "embeddings-dimensions", 0, "vector length requested from the embeddings endpoint (0: the model's)")
	f.Var(&o.segmentCache, "segment-cache-bytes", "memory bound of the cache of index segments (0: none)")
	f.IntVar(&o.ingestWorkers, "ingest-workers", api.DefaultIngestWorkers, "files this process ingests into vector stores at a time")
	f.DurationVar(&o.ingestLease, "ingest-lease", time.Minute,
		"how long a file's ingestion claim lasts unless renewed: the files of a process that died are taken over this long after")
	for name, env := range map[string]string{
		"embeddings-base-url": "R2KIT_EMBEDDINGS_BASE_URL", "embeddings-model": "R2KIT_EMBEDDINGS_MODEL",
		"embeddings-api-key": "R2KIT_EMBEDDINGS_API_KEY", "embeddings-dimensions": "R2KIT_EMBEDDINGS_DIMENSIONS",
		"segment-cache-bytes": "R2KIT_SEGMENT_CACHE_BYTES", "ingest-workers": "R2KIT_INGEST_WORKERS",
		"ingest-lease": "R2KIT_INGEST_LEASE",
	} {
		a.bindEnv(f, name, env)
	}
}

// options returns the vectorstore configuration of the flags.
func (o *vectorStoreOptions) options() *vectorstore.Options {
	opts := &vectorstore.Options{CacheBytes: int64(o.segmentCache), LeaseDuration: o.ingestLease}
	if o.segmentCache == 0 {
		opts.CacheBytes = -1 // the flag's 0 means no cache; the library's 0 means its default
	}
	if o.embeddingsBaseURL != "" {
		opts.Embedder = &vectorstore.OpenAIEmbedder{
			BaseURL: o.embeddingsBaseURL, Model: o.embeddingsModel, APIKey: o.embeddingsAPIKey,
			Dimensions: o.embeddingsDimensions, Client: &http.Client{Timeout: 60 * time.Second},
		}
	}
	return opts
}

// check refuses an embeddings endpoint without a model.
func (o *vectorStoreOptions) check() error {
	if o.embeddingsBaseURL != "" && o.embeddingsModel == "" {
		return fmt.Errorf("--embeddings-base-url needs --embeddings-model (or $R2KIT_EMBEDDINGS_MODEL)")
	}
	return nil
}

// resumeIngest enqueues the files a previous process left in_progress,
// in the background; stop waits for it.
func resumeIngest(log *slog.Logger, s *api.Server) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.ResumeIngest(ctx); err != nil && ctx.Err() == nil {
			log.Error("resuming vector store ingestion failed", "error", err.Error())
		}
	}()
	return func() { cancel(); <-done }
}

package api

import (
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/vectorstore"
)

// Defaults of Config.
const (
	// DefaultMaxBodyBytes limits JSON request bodies: 1 MiB.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultMaxUploadBytes limits uploaded files: 512 MiB (OpenAI's
	// limit is 512 MB).
	DefaultMaxUploadBytes = 512 << 20
	// DefaultBodyReadTimeout is how long a request body may go without
	// a byte arriving before the request is dropped.
	DefaultBodyReadTimeout = 30 * time.Second
	// DefaultReadyTimeout bounds the storage check of /readyz.
	DefaultReadyTimeout = 5 * time.Second
	// ReadyProbeKey is the key /readyz stats. Nothing is stored there:
	// "not found" is the healthy answer.
	ReadyProbeKey = "github.com/r2kit/r2kit/readyz-probe"
)

// Config configures a Server.
type Config struct {
	// Bucket holds all state. Required. The Server wraps it with
	// resilience.Instrument to record metrics, but does not own it: the
	// caller closes it after the server has shut down. Wrap it in
	// resilience.Retry and resilience.Breaker first to retry transient
	// failures and fail fast while the store is down.
	Bucket storage.Bucket
	// APIKeys are the accepted bearer keys. Empty strings are ignored.
	// With no key every request is accepted: bind such a server to a
	// loopback address only.
	APIKeys []string
	// MaxBodyBytes limits JSON request bodies. Zero means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxUploadBytes limits the file of an upload. Zero means
	// DefaultMaxUploadBytes. The whole multipart body may exceed it by
	// MaxBodyBytes, for the other parts and the part headers.
	MaxUploadBytes int64
	// BodyReadTimeout is how long a request body may go without a byte
	// arriving (the deadline is renewed as data comes, so a slow but
	// steady upload is not cut). A body that stalls longer is answered
	// 408 and its connection closed; an upload's bytes are dropped. Zero
	// means DefaultBodyReadTimeout; negative, no limit.
	BodyReadTimeout time.Duration
	// Logger receives the access log and error logs. Nil means
	// slog.Default().
	Logger *slog.Logger
	// ReadyTimeout bounds the storage check of /readyz. Zero means
	// DefaultReadyTimeout.
	ReadyTimeout time.Duration
	// Runs executes runs (see RunExecutor). Nil: created runs are stored
	// queued and stay queued, and requests with "stream": true answer
	// 400.
	Runs RunExecutor
	// Models lists the models GET /v1/models answers (EndpointModels asks
	// the model endpoint). Nil: an empty list.
	Models ModelLister
	// CORSOrigins are the origins browsers may call the API from
	// (exact, like "https://app.example.com"; "*" for any). Empty: no
	// CORS (see cors.go).
	CORSOrigins []string
	// Store configures the entity store the server opens over Bucket
	// (the instrumented bucket). Nil means TTL store.KeepUntilDeleted:
	// objects are kept until they are deleted, as the hosted API did. A
	// zero MaxFileBytes is set to MaxUploadBytes.
	Store *store.Options
	// VectorStores configures the vector store service of
	// /v1/vector_stores, opened over the instrumented Bucket with the
	// server's files as its Source. Nil means the defaults: BM25 search,
	// no embeddings. A nil Now is set to Store's clock.
	VectorStores *vectorstore.Options
	// Ingest indexes the files added to vector stores (see
	// IngestExecutor). Nil: a vectorstore.Worker in this process,
	// claiming files by lease with every other server sharing the
	// bucket, stopped by Close.
	Ingest IngestExecutor
	// IngestWorkers bounds the files this process's Worker indexes at
	// once. Zero means DefaultIngestWorkers.
	IngestWorkers int
}

// Server is the r2kit HTTP API: an http.Handler serving the OpenAI
// Assistants API v2 under /v1, and /healthz, /readyz and /metrics. It is
// safe for concurrent use. With APIKeys set, /v1 and /metrics take a key
// (see needsKey).
type Server struct {
	cfg      Config
	bucket   storage.Bucket
	store    *store.DB
	docs     *doc.Store // idempotency records
	vs       *vectorstore.Service
	ingest   IngestExecutor
	worker   *ingestWorker // the ingestion worker, if Config.Ingest is nil
	now      func() time.Time
	registry *prometheus.Registry
	storage  *resilience.Metrics
	metrics  *httpMetrics
	keys     keyring
	log      *slog.Logger
	mux      *http.ServeMux
	handler  http.Handler
}

var _ http.Handler = (*Server)(nil)

// New returns a Server for cfg. It panics if cfg.Bucket is nil.
func New(cfg Config) *Server {
	if cfg.Bucket == nil {
		panic("api.New: Config.Bucket is nil")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if cfg.BodyReadTimeout == 0 {
		cfg.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = DefaultReadyTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Server{
		cfg:      cfg,
		registry: reg,
		storage:  resilience.NewMetrics(reg),
		metrics:  newHTTPMetrics(reg),
		keys:     newKeyring(cfg.APIKeys),
		log:      cfg.Logger,
		mux:      http.NewServeMux(),
	}
	s.bucket = s.storage.Instrument(cfg.Bucket)
	s.store, s.now = openStore(s.bucket, cfg)
	s.docs = doc.New(s.bucket, &doc.Options{Now: s.now})
	s.openVectorStores()
	s.routes()
	s.handler = s.observe(s.cors(http.HandlerFunc(s.dispatch)))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// openStore opens the entity store of cfg over b and returns it with
// its clock.
func openStore(b storage.Bucket, cfg Config) (*store.DB, func() time.Time) {
	opts := store.Options{TTL: store.KeepUntilDeleted}
	if cfg.Store != nil {
		opts = *cfg.Store
	}
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = cfg.MaxUploadBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return store.Open(b, &opts), opts.Now
}

// Bucket returns the instrumented Bucket every endpoint uses.
func (s *Server) Bucket() storage.Bucket { return s.bucket }

// Store returns the entity store the endpoints use, over Bucket. A
// maintenance job (store.DB.Repair) may use it too.
func (s *Server) Store() *store.DB { return s.store }

// Registry returns the Prometheus registry /metrics serves. More
// collectors (a run executor's, the document layer's hooks through
// resilience.NewMetrics) can be registered with it.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// AuthRequired reports whether the server checks API keys.
func (s *Server) AuthRequired() bool { return len(s.keys) > 0 }

// dispatch authenticates /v1 requests and routes them; paths and
// methods no route matches get OpenAI's 404 and 405 envelopes.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if needsKey(r.URL.Path) {
		if e := s.keys.authenticate(r); e != nil {
			s.WriteError(w, r, e)
			return
		}
	}
	if !cleanPath(r.URL.EscapedPath()) {
		s.WriteError(w, r, invalidURL(r)) // no redirect to the cleaned path
		return
	}
	if h, pattern := s.mux.Handler(r); pattern == "" {
		s.noRoute(w, r, h)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// cleanPath reports whether p (escaped: %2F is no separator) has no "."
// or ".." segment and no empty one (but a final slash). ServeMux would
// redirect such a path to its cleaned form; the API answers it as an
// unknown URL instead, so that no request acts on another path than the
// one it names.
func cleanPath(p string) bool {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// isAPIPath reports whether p is under /v1, where keys are checked.
func isAPIPath(p string) bool {
	return p == "/v1" || len(p) > 3 && p[:4] == "/v1/"
}

// noRoute answers a request no route matches. h is the ServeMux's own
// answer, consulted for its status (404 or 405) and Allow header only.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request, h http.Handler) {
	probe := &headerProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		s.WriteError(w, r, invalidMethod(r, probe.header.Get("Allow")))
		return
	}
	s.WriteError(w, r, invalidURL(r))
}

// headerProbe is a ResponseWriter that keeps the status and headers and
// drops the body.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(code int)        { p.status = code }

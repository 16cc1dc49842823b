package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/console"
	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
)

const serveLong = `Serve the OpenAI Assistants API v2 (under /v1) over the bucket, with
/healthz, /readyz (checks the bucket) and /metrics (Prometheus), and a web
console at / (--console=false turns it off) that logs in with an API key
and reads and writes only through the API.

Clients authenticate with "Authorization: Bearer KEY", KEY being one of the
--api-key flags or of the comma-separated $R2KIT_API_KEYS (or
$R2KIT_API_KEY). With keys, /metrics takes one too (Prometheus:
authorization.credentials); /healthz and /readyz never do. With no key,
every request is accepted, so the server only binds a loopback address;
binding any other address without a key is refused unless
--insecure-no-auth is given.

Objects are kept until they are deleted, as the hosted API kept them.
With --repair-interval, the server also repairs the bucket at that
interval (assistants' Repair: it finishes interrupted thread deletes,
removes what crashed requests left behind and releases stale active-run
locks). It lists the whole bucket, so keep the interval long (an hour or
more) on big buckets; servers sharing a bucket may all run it.

Runs execute against an OpenAI-compatible chat-completions endpoint,
--model-base-url / $R2KIT_MODEL_BASE_URL (such as http://127.0.0.1:11434/v1;
/chat/completions is appended), with --model-api-key / $R2KIT_MODEL_API_KEY
as its bearer key. Without an endpoint, runs fail at once saying so. Every
serve process executes queued runs (--worker=false turns that off), and
any number of them may share a bucket: a run is executed by one process
at a time, and the run of a process that dies is taken over by another
after --run-lease.

Vector stores (/v1/vector_stores) keep their index in the bucket. Search
ranks with BM25 alone, or hybrid (vectors fused with BM25) with an
OpenAI-compatible embeddings endpoint: --embeddings-base-url /
$R2KIT_EMBEDDINGS_BASE_URL (/embeddings is appended), --embeddings-model,
--embeddings-api-key and --embeddings-dimensions. Files are ingested in
the background, --ingest-workers at a time; files a stopped process left
in_progress are taken up again at startup.

The server prints "r2kit: listening on http://ADDR (API base URL
http://ADDR/v1)" on standard error once it accepts connections: clients
take the base URL, /v1 included. SIGINT or SIGTERM stops it gracefully:
it stops accepting, lets requests in flight finish (up to
--shutdown-timeout) and exits 0.`

const serveExample = `  r2kit serve                                            # ./r2kit-data on 127.0.0.1:8080
  R2KIT_API_KEYS=sk-1,sk-2 r2kit serve --addr :8080      # all interfaces, with keys
  r2kit serve --bucket 'r2://my-bucket?account=ACCOUNT_ID' --api-key "$KEY" --log-format json
  curl -H "Authorization: Bearer $KEY" -H "OpenAI-Beta: assistants=v2" http://127.0.0.1:8080/v1/assistants`

// serveOptions are the flags of serve.
type serveOptions struct {
	addr            string
	apiKeys         []string
	insecureNoAuth  bool
	maxBody         byteSize
	maxUpload       byteSize
	bodyTimeout     time.Duration
	logLevel        enumFlag
	logFormat       enumFlag
	shutdownTimeout time.Duration
	repairInterval  time.Duration
	console         bool
	corsOrigins     []string
	runs            runOptions
	vs              vectorStoreOptions
}

// DefaultAddr is the address serve listens on by default.
const DefaultAddr = "127.0.0.1:8080"

func (a *app) serveCommand() *cobra.Command {
	o := &serveOptions{
		maxBody: api.DefaultMaxBodyBytes, maxUpload: api.DefaultMaxUploadBytes,
		logLevel:  enumFlag{value: "info", allowed: []string{"debug", "info", "warn", "error"}},
		logFormat: enumFlag{value: "text", allowed: []string{"text", "json"}},
	}
	cmd := &cobra.Command{
		Use:     "serve",
		Short:   "Serve the OpenAI Assistants API v2 over the bucket",
		Long:    serveLong,
		Example: serveExample,
		Args:    args(0, 0),
		RunE: run(func(cmd *cobra.Command, _ []string) error {
			return a.serve(cmd.Context(), o)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", DefaultAddr, "address to listen on (port 0: any free port)")
	f.StringArrayVar(&o.apiKeys, "api-key", nil, "accepted bearer key (repeatable; $R2KIT_API_KEYS or $R2KIT_API_KEY add comma-separated keys)")
	f.BoolVar(&o.insecureNoAuth, "insecure-no-auth", false, "allow serving a non-loopback address without API keys")
	f.Var(&o.maxBody, "max-body-bytes", "largest JSON request body")
	f.Var(&o.maxUpload, "max-upload-bytes", "largest uploaded file")
	f.DurationVar(&o.bodyTimeout, "body-read-timeout", api.DefaultBodyReadTimeout,
		"drop a request whose body sends no byte for this long (0: never)")
	f.Var(&o.logLevel, "log-level", "log level: debug, info, warn or error")
	f.Var(&o.logFormat, "log-format", "log format: text or json")
	f.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 30*time.Second, "how long requests in flight may run after SIGINT/SIGTERM")
	f.DurationVar(&o.repairInterval, "repair-interval", 0, "repair the bucket at this interval (0: never)")
	f.BoolVar(&o.console, "console", true, "serve the web console at / (it logs in with an API key and uses only the API)")
	f.StringSliceVar(&o.corsOrigins, "cors-origin", nil, "origin browsers may call the API from, like https://app.example.com or * (repeatable; default none: no CORS)")
	a.addRunFlags(f, &o.runs)
	a.addVectorStoreFlags(f, &o.vs)
	for name, env := range map[string]string{
		"addr": "R2KIT_ADDR", "insecure-no-auth": "R2KIT_INSECURE_NO_AUTH",
		"max-body-bytes": "R2KIT_MAX_BODY_BYTES", "max-upload-bytes": "R2KIT_MAX_UPLOAD_BYTES",
		"log-level": "R2KIT_LOG_LEVEL", "log-format": "R2KIT_LOG_FORMAT", "shutdown-timeout": "R2KIT_SHUTDOWN_TIMEOUT",
		"repair-interval": "R2KIT_REPAIR_INTERVAL", "body-read-timeout": "R2KIT_BODY_READ_TIMEOUT",
		"console": "R2KIT_CONSOLE", "cors-origin": "R2KIT_CORS_ORIGIN",
	} {
		a.bindEnv(f, name, env)
	}
	return cmd
}

// serve runs the server until ctx is done, then shuts it down.
func (a *app) serve(ctx context.Context, o *serveOptions) (err error) {
	log := newLogger(a.env.Stderr, o.logLevel.value, o.logFormat.value)
	keys := a.keys(o)
	if len(keys) == 0 && !o.insecureNoAuth && !maybeLoopback(o.addr) {
		return refuseNoAuth(o.addr)
	}
	if err := o.vs.check(); err != nil {
		return err
	}
	bucket, err := a.openBucket(ctx)
	if err != nil {
		return err
	}
	defer closeBucket(bucket, &err)
	runs := &executorRef{}
	handler := api.New(api.Config{
		Runs:            runs,
		Bucket:          resilient(bucket),
		APIKeys:         keys,
		MaxBodyBytes:    int64(o.maxBody),
		MaxUploadBytes:  int64(o.maxUpload),
		BodyReadTimeout: bodyReadTimeout(o.bodyTimeout),
		Logger:          log,
		Store:           &store.Options{TTL: store.KeepUntilDeleted},
		VectorStores:    o.vs.options(),
		IngestWorkers:   o.vs.ingestWorkers,
		CORSOrigins:     o.corsOrigins,
		Models:          modelLister(&o.runs),
	})
	defer handler.Close() // after the HTTP server stopped: ends the ingestion pool
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	if len(keys) == 0 && !o.insecureNoAuth && !isLoopback(ln.Addr()) {
		ln.Close()
		return refuseNoAuth(o.addr)
	}
	a.announce(log, ln.Addr(), len(keys), o)
	stopWorker := startWorker(log, runs, handler.Store(), handler.VectorStores(), &o.runs)
	defer stopWorker()
	handler.StartIngestion()
	defer resumeIngest(log, handler)()
	if o.repairInterval > 0 {
		stop := repairEvery(ctx, log, handler.Store(), o.repairInterval)
		defer stop()
	}
	var h http.Handler = handler
	if o.console {
		h = console.Mount(handler)
	}
	return a.runServer(ctx, log, ln, h, o.shutdownTimeout)
}

// bodyReadTimeout is api.Config.BodyReadTimeout for the flag's value d:
// the flag's 0 (never) is the config's negative.
func bodyReadTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}

// repairEvery runs store's Repair every interval until ctx is done or
// stop is called; stop returns once a repair under way has ended.
func repairEvery(ctx context.Context, log *slog.Logger, db *store.DB, interval time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			start := time.Now()
			res, err := db.Repair(ctx, nil)
			attrs := []any{"duration", time.Since(start).String(), "thread_deletes", res.ThreadDeletes,
				"orphans", res.Orphans, "orphan_markers", res.OrphanMarkers, "missing_markers", res.MissingMarkers,
				"orphan_blobs", res.OrphanBlobs, "stale_locks", res.StaleLocks}
			if err != nil && ctx.Err() == nil {
				log.Error("repair failed", append(attrs, "error", err.Error())...)
				continue
			}
			log.Info("repair", attrs...)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// keys returns the API keys of the flags, of $R2KIT_API_KEYS and of
// $R2KIT_API_KEY (the name the R2KIT_<FLAG> rule gives --api-key).
func (a *app) keys(o *serveOptions) []string {
	var keys []string
	env := a.env.Getenv("R2KIT_API_KEYS") + "," + a.env.Getenv("R2KIT_API_KEY")
	for _, k := range append(strings.Split(env, ","), o.apiKeys...) {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

func refuseNoAuth(addr string) error {
	return fmt.Errorf("refusing to serve %s without an API key: it is not a loopback address; "+
		"set R2KIT_API_KEYS or --api-key, bind 127.0.0.1, or pass --insecure-no-auth", addr)
}

// maybeLoopback reports whether addr's host may be a loopback address:
// false for an empty host (all interfaces) and for IP addresses that are
// not loopback. Host names are checked after binding.
func maybeLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return true // net.Listen reports it
	}
	if host == "" {
		return false
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	return true
}

func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// resilient wraps the bucket in the server's storage stack: retries of
// transient failures, and a circuit breaker that fails fast while the
// store is down. api.New adds the metrics on top.
func resilient(b storage.Bucket) storage.Bucket {
	return resilience.Breaker(resilience.Retry(b, resilience.Standard),
		resilience.BreakerSettings{RecoveryTimeout: 10 * time.Second})
}

// announce says where the server listens and how it authenticates.
func (a *app) announce(log *slog.Logger, addr net.Addr, keys int, o *serveOptions) {
	fmt.Fprintf(a.env.Stderr, "r2kit: listening on http://%s (API base URL http://%s/v1)\n", addr, addr)
	switch {
	case keys == 0 && isLoopback(addr):
		fmt.Fprintf(a.env.Stderr, "r2kit: no API key configured: serving without authentication, on loopback only\n")
	case keys == 0:
		fmt.Fprintf(a.env.Stderr, "r2kit: WARNING: no API key configured and --insecure-no-auth given: anyone who reaches %s can read and write all data\n", addr)
	}
	log.Info("serving", "addr", addr.String(), "bucket", redact(a.bucketURL), "api_keys", keys,
		"max_body_bytes", int64(o.maxBody), "max_upload_bytes", int64(o.maxUpload),
		"body_read_timeout", o.bodyTimeout.String())
}

// redact hides a password in a bucket URL, if any.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return raw
}

// runServer serves ln until ctx is done, then shuts down: no new
// connections, requests in flight finish within timeout.
func (a *app) runServer(ctx context.Context, log *slog.Logger, ln net.Listener, h http.Handler, timeout time.Duration) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", timeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		srv.Close()
		err = fmt.Errorf("shutdown: requests still running after %s were cut off", timeout)
	}
	if serr := <-served; err == nil && !errors.Is(serr, http.ErrServerClosed) {
		err = serr
	}
	if err == nil {
		fmt.Fprintf(a.env.Stderr, "r2kit: stopped\n")
	}
	return err
}

// newLogger returns the logger of --log-level and --log-format (values
// the flags checked), writing to w.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// enumFlag is a string flag limited to some values.
type enumFlag struct {
	value   string
	allowed []string
}

func (e *enumFlag) Set(v string) error {
	if !slices.Contains(e.allowed, v) {
		return fmt.Errorf("%q is not one of %s", v, strings.Join(e.allowed, ", "))
	}
	e.value = v
	return nil
}

func (e *enumFlag) String() string { return e.value }
func (e *enumFlag) Type() string   { return "string" }

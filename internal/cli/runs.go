package cli

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/runner"
)

// runOptions are the flags of serve that configure run execution.
type runOptions struct {
	modelBaseURL string
	modelAPIKey  string
	worker       bool
	runLease     time.Duration
	contextTok   int
	imageURLs    bool
}

// addRunFlags registers the run execution flags and their variables.
func (a *app) addRunFlags(f *pflag.FlagSet, o *runOptions) {
	f.StringVar(&o.modelBaseURL, "model-base-url", "",
		"OpenAI-compatible base URL runs call, such as http://127.0.0.1:11434/v1 (/chat/completions is appended); "+
			"without one, runs fail at once saying so")
	f.StringVar(&o.modelAPIKey, "model-api-key", "", "bearer key sent to the model endpoint")
	f.BoolVar(&o.worker, "worker", true, "execute queued runs in this process (--worker=false: only the runs streamed by its requests)")
	f.DurationVar(&o.runLease, "run-lease", 30*time.Second,
		"how long a run's claim lasts unless renewed: a run whose process died is taken over this long after")
	f.IntVar(&o.contextTok, "model-context-tokens", 0,
		"context window of the model in tokens, for truncation_strategy auto (0: a built-in table of OpenAI models; "+
			"no truncation for others)")
	f.BoolVar(&o.imageURLs, "model-image-urls", false,
		"send image files to the model as presigned URLs of the bucket (R2, S3) instead of data URLs; the model must reach the bucket")
	for name, env := range map[string]string{
		"model-base-url": "R2KIT_MODEL_BASE_URL", "model-api-key": "R2KIT_MODEL_API_KEY",
		"worker": "R2KIT_WORKER", "run-lease": "R2KIT_RUN_LEASE",
		"model-context-tokens": "R2KIT_MODEL_CONTEXT_TOKENS", "model-image-urls": "R2KIT_MODEL_IMAGE_URLS",
	} {
		a.bindEnv(f, name, env)
	}
}

// executorRef is the api's RunExecutor: the worker, which is made after
// the api.Server because it executes runs through the server's Store.
type executorRef struct{ w *runner.Worker }

var (
	_ api.RunExecutor = (*executorRef)(nil)
	_ api.RunExecutor = (*runner.Worker)(nil)
)

func (e *executorRef) Enqueue(ctx context.Context, thread, run string) error {
	return e.w.Enqueue(ctx, thread, run)
}

func (e *executorRef) Stream(ctx context.Context, thread, run string, emit func(string, any) error) error {
	return e.w.Stream(ctx, thread, run, emit)
}

// startWorker makes the worker of ref over store, searching vs for
// file_search, and, with o.worker,
// runs its loop until stop is called; stop returns once the runs it
// executes have stopped (their leases lapse; other processes take them
// over).
func startWorker(log *slog.Logger, ref *executorRef, db *store.DB, vs runner.VectorStores, o *runOptions) (stop func()) {
	client := &runner.Client{BaseURL: o.modelBaseURL, APIKey: o.modelAPIKey}
	ref.w = runner.New(db, client, &runner.Options{LeaseDuration: o.runLease, Logger: log,
		ContextTokens: o.contextTok, ImageURLs: o.imageURLs, VectorStores: vs})
	if o.modelBaseURL == "" {
		log.Warn("no model endpoint configured (--model-base-url or R2KIT_MODEL_BASE_URL): runs fail at once")
	}
	if !o.worker {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = ref.w.Run(ctx)
	}()
	log.Info("run worker started", "worker", ref.w.ID(), "model_base_url", o.modelBaseURL, "run_lease", o.runLease.String())
	return func() { cancel(); wg.Wait() }
}

// modelLister is what GET /v1/models answers: the models of
// --model-base-url, or none without it.
func modelLister(o *runOptions) api.ModelLister {
	if o.modelBaseURL == "" {
		return nil
	}
	return &api.EndpointModels{BaseURL: o.modelBaseURL, APIKey: o.modelAPIKey}
}

package runner_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/runner"
	"github.com/r2kit/r2kit/storage"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// Idle keep-alive connections of the shared HTTP transports.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

// Test timings: leases lapse in a second, workers poll every 20 ms.
var fastOptions = runner.Options{
	LeaseDuration: time.Second,
	PollInterval:  20 * time.Millisecond,
	CheckInterval: 50 * time.Millisecond,
	ScanInterval:  200 * time.Millisecond,
	OrphanAge:     300 * time.Millisecond,
}

// env is a bucket with a fake model endpoint.
type env struct {
	t      *testing.T
	bucket storage.Bucket
	store  *store.DB
	fm     *fakemodel.Server
	url    string
}

func newEnv(t *testing.T, bucket storage.Bucket, fm *fakemodel.Server) *env {
	t.Helper()
	srv := httptest.NewServer(fm)
	t.Cleanup(srv.Close)
	return &env{t: t, bucket: bucket, store: store.Open(bucket, nil), fm: fm, url: srv.URL}
}

// client returns a client of the fake model under base path p ("" or
// "/wN"), retrying quickly.
func (e *env) client(p string) *runner.Client {
	return &runner.Client{BaseURL: e.url + p + "/v1", APIKey: "sk-test",
		Retry: resilience.Policy{MaxRetries: 1, Base: time.Millisecond, Max: time.Millisecond}}
}

// worker returns a worker with its own Store on the env's bucket.
func (e *env) worker(c *runner.Client, id string) *runner.Worker {
	o := fastOptions
	o.ID = id
	return runner.New(store.Open(e.bucket, nil), c, &o)
}

// start runs w in the background until the test ends (or stop is
// called) and returns stop, which waits for it.
func (e *env) start(w *runner.Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := w.Run(ctx); err != nil {
			e.t.Errorf("worker: %v", err)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	e.t.Cleanup(stop)
	return stop
}

// thread creates a thread with one user message.
func (e *env) thread(text string) string {
	e.t.Helper()
	d, err := e.store.Threads.Create(e.t.Context(), &assistants.ThreadCreateRequest{Messages: []assistants.MessageCreateRequest{
		{Role: assistants.RoleUser, Content: assistants.TextInput(text)},
	}})
	if err != nil {
		e.t.Fatalf("create thread: %v", err)
	}
	return d.Value.ID
}

const testAssistant = "asst_test"

// run stores a queued run of thread, as the API creates it, changed by
// mod (may be nil).
func (e *env) run(thread string, mod func(*assistants.Run)) assistants.Run {
	e.t.Helper()
	now := time.Now().Unix()
	r := assistants.Run{
		ID: assistants.NewID(assistants.PrefixRun), Object: assistants.ObjectRun, CreatedAt: now,
		ThreadID: thread, AssistantID: testAssistant, Status: assistants.RunQueued,
		ExpiresAt: assistants.Ptr(now + assistants.DefaultRunExpiry), Model: "fake-model",
		Instructions: "Be brief.", Tools: []assistants.Tool{}, ParallelToolCalls: true,
		ToolChoice: assistants.ToolChoice{Mode: assistants.ToolChoiceAuto}, ResponseFormat: assistants.AutoResponseFormat(),
	}
	if mod != nil {
		mod(&r)
	}
	d, err := e.store.Runs.Create(e.t.Context(), r)
	if err != nil {
		e.t.Fatalf("create run: %v", err)
	}
	return d.Value
}

// getRun reads a run.
func (e *env) getRun(thread, run string) assistants.Run {
	e.t.Helper()
	d, err := e.store.Runs.Get(context.Background(), thread, run)
	if err != nil {
		e.t.Fatalf("get run: %v", err)
	}
	return d.Value
}

// wait polls the run until its status is one of want.
func (e *env) wait(thread, run string, want ...assistants.RunStatus) assistants.Run {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := e.getRun(thread, run)
		if slices.Contains(want, r.Status) {
			return r
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("run %s is %s after 30s; want %v (last_error %+v)", run, r.Status, want, r.LastError)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// messages returns the thread's messages, oldest first.
func (e *env) messages(thread string) []assistants.Message {
	e.t.Helper()
	var out []assistants.Message
	p := store.MessageListParams{ListParams: assistants.ListParams{Limit: 100, Order: assistants.OrderAsc}}
	for {
		page, err := e.store.Messages.List(context.Background(), thread, p)
		if err != nil {
			e.t.Fatalf("list messages: %v", err)
		}
		out = append(out, page.Data...)
		if !page.HasMore {
			return out
		}
		p.After = *page.LastID
	}
}

// steps returns the run's steps, oldest first.
func (e *env) steps(thread, run string) []assistants.RunStep {
	e.t.Helper()
	page, err := e.store.Steps.List(context.Background(), thread, run, assistants.ListParams{Limit: 100, Order: assistants.OrderAsc})
	if err != nil {
		e.t.Fatalf("list steps: %v", err)
	}
	return page.Data
}

// text returns the text of a message.
func text(m assistants.Message) string {
	s := ""
	for _, p := range m.Content {
		if p.Text != nil {
			s += p.Text.Value
		}
	}
	return s
}

// replies returns the assistant messages of a run in a thread.
func replies(ms []assistants.Message, run string) []assistants.Message {
	var out []assistants.Message
	for _, m := range ms {
		if m.Role == assistants.RoleAssistant && m.RunID != nil && *m.RunID == run {
			out = append(out, m)
		}
	}
	return out
}

// roles returns the roles of a chat request's messages.
func roles(req fakemodel.Request) []string {
	var out []string
	msgs, _ := req.Body["messages"].([]any)
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		r, _ := mm["role"].(string)
		out = append(out, r)
	}
	return out
}

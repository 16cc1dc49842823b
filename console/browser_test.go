package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/console"
	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/runner"
	"github.com/r2kit/r2kit/storage/memstore"
)

// The browser tests drive Debian's headless Chromium through chromedp.
// Set R2KIT_CHROMIUM to use another binary. Without one they skip, with
// a message, unless CI=true: CI installs chromium (scripts/chromium.sh)
// and the tests must run there.

// chromium returns the Chromium binary, or skips (fails in CI).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("R2KIT_CHROMIUM"), "chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium found and CI=true: install it with scripts/chromium.sh (apt-get install chromium)")
	}
	t.Skip("no chromium found: the console's browser tests need it (sudo apt-get install chromium, or set R2KIT_CHROMIUM)")
	return ""
}

// artifacts is where screenshots go: $R2KIT_CONSOLE_ARTIFACTS, or
// artifacts/console/ at the top of the repository.
func artifacts(t *testing.T) string {
	dir := os.Getenv("R2KIT_CONSOLE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "artifacts", "console")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshots folder: %v", err)
	}
	return dir
}

// browser starts a fresh headless Chromium for the test and returns a
// tab's context, which ends with the test.
func browser(t *testing.T, width, height int) context.Context {
	t.Helper()
	bin := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium %s: %v", bin, err)
	}
	return ctx
}

// consoleEnv is a served API (with a worker on the fake model) under
// the console, with keys.
type consoleEnv struct {
	t   *testing.T
	url string
	srv *api.Server
	fm  *fakemodel.Server
}

type executorRef struct{ w *runner.Worker }

func (e *executorRef) Enqueue(ctx context.Context, thread, run string) error {
	return e.w.Enqueue(ctx, thread, run)
}

func (e *executorRef) Stream(ctx context.Context, thread, run string, emit func(string, any) error) error {
	return e.w.Stream(ctx, thread, run, emit)
}

func newConsoleEnv(t *testing.T) *consoleEnv {
	t.Helper()
	b := memstore.New()
	t.Cleanup(func() { b.Close() })
	fm := fakemodel.New()
	model := httptest.NewServer(fm)
	t.Cleanup(model.Close)
	ref := &executorRef{}
	s := api.New(api.Config{Bucket: b, APIKeys: []string{testKey}, Runs: ref, Logger: slog.New(slog.DiscardHandler)})
	ref.w = runner.New(s.Store(), &runner.Client{BaseURL: model.URL + "/v1", APIKey: "sk-model"},
		&runner.Options{LeaseDuration: 2 * time.Second, PollInterval: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	wctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ref.w.Run(wctx) }()
	ts := httptest.NewServer(console.Mount(s))
	t.Cleanup(func() { ts.Close(); stop(); <-done })
	return &consoleEnv{t: t, url: ts.URL, srv: s, fm: fm}
}

// call makes an API request with the key and decodes the answer into out.
func (e *consoleEnv) call(method, path string, body, out any) {
	e.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("OpenAI-Beta", "assistants=v2")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		var b bytes.Buffer
		_, _ = b.ReadFrom(res.Body)
		e.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b.String())
	}
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			e.t.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
}

func (e *consoleEnv) assistant(name string, tools ...map[string]any) string {
	e.t.Helper()
	var a struct{ ID string }
	body := map[string]any{"model": "fake-model", "name": name, "instructions": "Answer briefly."}
	if len(tools) > 0 {
		body["tools"] = tools
	}
	e.call("POST", "/v1/assistants", body, &a)
	return a.ID
}

// shot saves a PNG screenshot of the page as name under artifacts.
func shot(t *testing.T, name string) step {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		buf, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		p := filepath.Join(artifacts(t), name)
		t.Logf("screenshot %s", p)
		return os.WriteFile(p, buf, 0o644)
	})
}

// run runs actions, failing the test with what it was doing.
func run(t *testing.T, ctx context.Context, what string, actions ...step) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS("body")))
		t.Fatalf("%s: %v\npage text:\n%s", what, err, body)
	}
}

// waitText waits until the element sel's text contains want.
func waitText(sel, want string) step {
	return void(chromedp.Poll[bool](fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.textContent.includes(%q); })()`, sel, want),
		chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
}

// noJunk fails if the page shows "null", "undefined" or "[object":
// values the pages forgot to format.
func noJunk() step {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		bad, err := chromedp.Evaluate[string](`(document.querySelector("main").innerText.match(/\bnull\b|\bundefined\b|\[object /) || [""])[0]`)(ctx, t)
		if err == nil && bad != "" {
			err = fmt.Errorf("the page shows %q", bad)
		}
		return err
	})
}

func login(key string) step {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS("#key")),
		chromedp.SetValue(chromedp.CSS("#key"), key),
		chromedp.Click(chromedp.CSS(`form.login button[type="submit"]`)),
	)
}

// step is an action whose value does not matter.
type step = chromedp.Action[chromedp.Void]

// into is the step of a, storing its value in p.
func into[T any](a chromedp.Action[T], p *T) step {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		v, err := a(ctx, t)
		*p = v
		return err
	})
}

// void is the step of a, its value dropped.
func void[T any](a chromedp.Action[T]) step {
	var v T
	return into(a, &v)
}

func evaluate[T any](expr string, p *T) step { return into(chromedp.Evaluate[T](expr), p) }

// TestBrowserLoginAndThread: a wrong key shows an error and no data; the
// right key shows the thread list, and a thread created through the API
// with its messages.
func TestBrowserLoginAndThread(t *testing.T) {
	e := newConsoleEnv(t)
	var th struct{ ID string }
	e.call("POST", "/v1/threads", map[string]any{
		"metadata": map[string]string{"customer": "ada"},
		"messages": []map[string]any{
			{"role": "user", "content": "Where is my parcel?"},
			{"role": "assistant", "content": "It left the depot this morning.", "attachments": []any{}},
		},
	}, &th)
	ctx := browser(t, 1100, 800)

	var body, stored, cookies string
	run(t, ctx, "wrong key",
		chromedp.Navigate(e.url+"/"),
		login("sk-wrong-key-000000000"),
		waitText("#login-error", "refused"),
		into(chromedp.TextContent(chromedp.CSS("body")), &body),
		evaluate(`String(sessionStorage.getItem("r2kit.apiKey"))`, &stored),
		shot(t, "login-wrong-key.png"),
	)
	if strings.Contains(body, th.ID) || strings.Contains(body, "parcel") || stored != "null" {
		t.Fatalf("wrong key: data shown or key kept (stored %q):\n%s", stored, body)
	}
	var navHidden bool
	run(t, ctx, "nav hidden", evaluate(`document.getElementById("nav").hidden`, &navHidden))
	if !navHidden {
		t.Fatal("wrong key: the navigation is shown")
	}
	// Even with a wrong key stored by hand, pages show the login form, not data.
	run(t, ctx, "wrong key stored by hand",
		void(chromedp.Evaluate[bool](`sessionStorage.setItem("r2kit.apiKey", "sk-forged-000000000"); location.hash = "#/threads/`+th.ID+`"; true`)),
		waitText("#login-error", "refused"),
		into(chromedp.TextContent(chromedp.CSS("body")), &body),
	)
	if strings.Contains(body, "parcel") {
		t.Fatalf("forged key shows data:\n%s", body)
	}

	run(t, ctx, "log in",
		void(chromedp.Evaluate[bool](`location.hash = "#/threads"; true`)),
		login(testKey),
		waitText("main h1", "Threads"),
		waitText("main table", th.ID),
		evaluate(`String(sessionStorage.getItem("r2kit.apiKey"))`, &stored),
		evaluate(`document.cookie`, &cookies),
		shot(t, "threads.png"),
	)
	if stored != testKey || cookies != "" {
		t.Fatalf("after login: sessionStorage %q, cookies %q", stored, cookies)
	}
	run(t, ctx, "open the thread",
		chromedp.Click(chromedp.CSS(`a[href="#/threads/`+th.ID+`"]`)),
		waitText("main h1", "Thread "+th.ID),
		waitText("main .messages", "Where is my parcel?"),
		waitText("main .messages", "It left the depot this morning."),
		waitText("main", "customer"),
		noJunk(),
		shot(t, "thread.png"),
	)
	// Vector stores answer 404 until their endpoints exist.
	run(t, ctx, "vector stores",
		chromedp.Navigate(e.url+"/#/vector_stores"),
		waitText("main h1", "Vector stores"),
		void(chromedp.Poll[bool](`(() => { const m = document.querySelector("main"); return m.textContent.includes("not available") || !!m.querySelector("table") || m.textContent.includes("No vector stores"); })()`,
			chromedp.WithPollingTimeout(10*time.Second))),
		shot(t, "vector-stores.png"),
	)
	var errs int
	run(t, ctx, "vector stores error", evaluate(`document.querySelectorAll("main div.error").length`, &errs))
	if errs != 0 {
		t.Fatal("the vector stores page shows an error")
	}
}

// TestBrowserPlayground: a message sent in the playground streams the
// fake model's reply in; a function call asks for its output, which the
// user types, and the run completes with it.
func TestBrowserPlayground(t *testing.T) {
	e := newConsoleEnv(t)
	e.assistant("Echo")
	ctx := browser(t, 1100, 900)
	run(t, ctx, "log in",
		chromedp.Navigate(e.url+"/"),
		login(testKey),
		waitText("main h1", "Threads"),
	)
	// Slow tokens, so that the reply is seen growing before it completes.
	e.fm.Push(fakemodel.Reply{Tokens: []string{"Hello", " from", " the", " fake", " model."}, TokenDelay: 300 * time.Millisecond})
	run(t, ctx, "stream a reply",
		chromedp.Click(chromedp.CSS(`#nav a[href="#/playground"]`)),
		chromedp.WaitVisible(chromedp.CSS("#pg-message")),
		chromedp.SetValue(chromedp.CSS("#pg-message"), "Say hello"),
		chromedp.Click(chromedp.CSS(`form.playground button[type="submit"]`)),
		waitText("#pg-transcript", "Say hello"),
		waitText("#pg-transcript p.streaming", "Hello"), // deltas arriving
		waitText("#pg-transcript", "Hello from the fake model."),
		waitText("#pg-status", "completed"),
		shot(t, "playground.png"),
	)

	weather := e.assistant("Weather", map[string]any{"type": "function", "function": map[string]any{
		"name": "get_weather", "description": "The weather in a city",
		"parameters": map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}},
	}})
	e.fm.Push(
		fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{{ID: "call_weather_1", Name: "get_weather", Arguments: `{"city":"Oslo"}`}}},
		fakemodel.Reply{Content: "It is sunny in Oslo."},
	)
	var args string
	run(t, ctx, "function call",
		chromedp.Click(chromedp.CSS(`form.playground button.secondary`)), // new thread
		waitText("#pg-status", "A new thread starts"),                    // the page drawn anew
		chromedp.WaitVisible(chromedp.CSS("#pg-assistant")),
		chromedp.SetValue(chromedp.CSS("#pg-assistant"), weather),
		chromedp.SetValue(chromedp.CSS("#pg-message"), "Weather in Oslo?"),
		chromedp.Click(chromedp.CSS(`form.playground button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#pg-output-0")),
		into(chromedp.TextContent(chromedp.CSS("#pg-tools pre.args")), &args),
		waitText("#pg-status", "requires_action"),
		shot(t, "playground-tool-call.png"),
		chromedp.SendKeys(chromedp.CSS("#pg-output-0"), "sunny, 21 C"),
		chromedp.Click(chromedp.CSS(`form.tool-outputs button[type="submit"]`)),
		waitText("#pg-transcript", "It is sunny in Oslo."),
		waitText("#pg-status", "completed"),
	)
	if !strings.Contains(args, `"city":"Oslo"`) {
		t.Fatalf("arguments shown: %q", args)
	}
	// The model got the typed output back as the tool message.
	reqs := e.fm.Requests()
	last := reqs[len(reqs)-1]
	msgs, _ := last.Body["messages"].([]any)
	found := false
	for _, m := range msgs {
		if mm, _ := m.(map[string]any); mm["role"] == "tool" && mm["content"] == "sunny, 21 C" {
			found = true
		}
	}
	if !found {
		t.Fatalf("the model did not get the tool output: %v", msgs)
	}

	// The run's timeline shows the call with its arguments and output.
	run(t, ctx, "run timeline",
		chromedp.Click(chromedp.CSS(`#pg-status a`)),
		waitText("main h1", "Run run_"),
		waitText("main ol.steps", "get_weather"),
		waitText("main ol.steps", "sunny, 21 C"),
		waitText("main ol.timeline", "run completed"),
		waitText("main dl", "tokens"),
		noJunk(),
		shot(t, "run-timeline.png"),
	)
}

// TestBrowserPaging: 1,000 threads and a 1,000-message thread render one
// page at a time, quickly, with a link to the next page.
func TestBrowserPaging(t *testing.T) {
	e := newConsoleEnv(t)
	ctx := t.Context()
	db := e.srv.Store()
	var newest string
	for range 1000 {
		d, err := db.Threads.Create(ctx, &assistants.ThreadCreateRequest{})
		if err != nil {
			t.Fatal(err)
		}
		newest = d.Value.ID
	}
	big := newest
	for i := range 1000 {
		if _, err := db.Messages.Create(ctx, big, &assistants.MessageCreateRequest{Role: assistants.RoleUser,
			Content: assistants.TextInput(fmt.Sprintf("message number %d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	b := browser(t, 1100, 900)
	run(t, b, "log in", chromedp.Navigate(e.url+"/"), login(testKey), waitText("main h1", "Threads"))

	const bound = 10 * time.Second
	var rows int
	start := time.Now()
	run(t, b, "thread list",
		chromedp.Navigate(e.url+"/#/threads"),
		waitText("main table", newest),
		chromedp.WaitVisible(chromedp.CSS(`main nav.pager a[rel="next"]`)),
		evaluate(`document.querySelectorAll("main tbody tr").length`, &rows),
	)
	if d := time.Since(start); d > bound {
		t.Errorf("thread list took %s, want under %s", d, bound)
	}
	if rows != 20 {
		t.Fatalf("thread list shows %d rows, want one page of 20", rows)
	}
	var first string
	run(t, b, "next page",
		chromedp.Click(chromedp.CSS(`main nav.pager a[rel="next"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main nav.pager a[rel="prev"]`)),
		into(chromedp.TextContent(chromedp.CSS("main tbody tr td a")), &first),
		evaluate(`document.querySelectorAll("main tbody tr").length`, &rows),
	)
	if first == newest || rows != 20 {
		t.Fatalf("second page: first %s (newest %s), %d rows", first, newest, rows)
	}

	var msgs int
	start = time.Now()
	run(t, b, "big thread",
		chromedp.Navigate(e.url+"/#/threads/"+big),
		waitText("main .messages", "message number 0"),
		waitText("main .messages", "message number 19"),
		chromedp.WaitVisible(chromedp.CSS(`main nav.pager a[rel="next"]`)),
		evaluate(`document.querySelectorAll("main .messages article").length`, &msgs),
		shot(t, "thread-1000-messages.png"),
	)
	if d := time.Since(start); d > bound {
		t.Errorf("thread of 1,000 messages took %s, want under %s", d, bound)
	}
	if msgs != 20 {
		t.Fatalf("thread page shows %d messages, want one page of 20", msgs)
	}
	run(t, b, "next messages",
		chromedp.Click(chromedp.CSS(`main nav.pager a[rel="next"]`)),
		waitText("main .messages", "message number 20"),
		waitText("main .messages", "message number 39"),
	)
}

// TestBrowserNarrow: the pages fit a phone's width (no sideways scroll
// of the page itself).
func TestBrowserNarrow(t *testing.T) {
	e := newConsoleEnv(t)
	var th struct{ ID string }
	e.call("POST", "/v1/threads", map[string]any{"messages": []map[string]any{{"role": "user", "content": "A message on a small screen."}}}, &th)
	ctx := browser(t, 375, 740)
	var overflow bool
	run(t, ctx, "narrow",
		chromedp.Navigate(e.url+"/"),
		login(testKey),
		waitText("main table", th.ID),
		chromedp.Navigate(e.url+"/#/threads/"+th.ID),
		waitText("main .messages", "small screen"),
		evaluate(`document.documentElement.scrollWidth > window.innerWidth + 1`, &overflow),
		shot(t, "thread-narrow.png"),
	)
	if overflow {
		t.Fatal("the thread page scrolls sideways at 375px")
	}
}

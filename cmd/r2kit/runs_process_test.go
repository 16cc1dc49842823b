package main

//lint:file-ignore SA1019 r2kit serves the Assistants API, which openai-go marks deprecated

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/internal/servetest"
)

// TestServeProcessesShareRuns: three r2kit serve processes on one real
// S3 bucket execute 60 runs created across them; one is killed with
// SIGKILL while it executes runs. Every run ends completed with exactly
// one reply; the model requests repeated are those of runs the killed
// process had in flight; no run is executed by two processes at once.
func TestServeProcessesShareRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs three servers")
	}
	s3 := backendtest.RequireS3(t, false)
	bucket := backendtest.CreateBucket(t, s3.Client())
	bin := servetest.Build(t)

	fm := fakemodel.New()
	fm.Default = func(req fakemodel.Request) fakemodel.Reply {
		if fakemodel.LastUserText(req) == "keeper" {
			return fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{{ID: "call_k", Name: "wait", Arguments: "{}"}}}
		}
		delay := 300 * time.Millisecond
		if strings.HasPrefix(req.Path, "/p0/") {
			// Process 0's model calls last until it is killed, so that it
			// has calls in flight then, however loaded the machine.
			delay = 20 * time.Second
		}
		return fakemodel.Reply{Content: "done with " + fakemodel.LastUserText(req), Delay: delay,
			TokenDelay: 20 * time.Millisecond}
	}
	model := httptest.NewServer(fm)
	defer model.Close()

	q := url.Values{"endpoint": {s3.Endpoint}, "region": {s3.Region}, "path_style": {"true"}}
	env := []string{"R2KIT_BUCKET=s3://" + bucket + "?" + q.Encode(),
		"AWS_ACCESS_KEY_ID=" + s3.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s3.SecretKey, "R2KIT_LOG_LEVEL=warn"}
	procs := make([]*servetest.Process, 3)
	for i := range procs {
		procs[i] = servetest.Start(t, bin, env, "--run-lease", "2s",
			"--model-base-url", fmt.Sprintf("%s/p%d/v1", model.URL, i))
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer hc.CloseIdleConnections()
	clients := make([]openai.Client, len(procs))
	for i, p := range procs {
		clients[i] = openai.NewClient(option.WithBaseURL(p.Base+"/v1/"), option.WithAPIKey("sk-none"),
			option.WithHTTPClient(hc), option.WithMaxRetries(3))
	}
	ctx := t.Context()
	a, err := clients[0].Beta.Assistants.New(ctx, openai.BetaAssistantNewParams{Model: "fake-model"})
	if err != nil {
		t.Fatal(err)
	}

	// A run waiting for tool outputs all along keeps an active-run lock
	// in the bucket: the test server stores objects as files and refuses
	// a put racing the removal of the last object of its directory (here
	// the lock of the last active run), which S3 and R2 never do.
	keeper, err := clients[0].Beta.Threads.NewAndRun(ctx, openai.BetaThreadNewAndRunParams{AssistantID: a.ID,
		Tools: []openai.AssistantToolUnionParam{{OfFunction: &openai.FunctionToolParam{Function: shared.FunctionDefinitionParam{Name: "wait"}}}},
		Thread: openai.BetaThreadNewAndRunParamsThread{Messages: []openai.BetaThreadNewAndRunParamsThreadMessage{{
			Role: "user", Content: openai.BetaThreadNewAndRunParamsThreadMessageContentUnion{OfString: openai.String("keeper")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for {
		r, err := clients[0].Beta.Threads.Runs.Get(ctx, keeper.ThreadID, keeper.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == openai.RunStatusRequiresAction {
			break
		}
		if r.Status != openai.RunStatusQueued && r.Status != openai.RunStatusInProgress {
			t.Fatalf("keeper run %s", r.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}

	const n = 60
	type job struct{ thread, run string }
	jobs := make([]job, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 6)
	for i := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			run, err := clients[i%len(clients)].Beta.Threads.NewAndRun(ctx, openai.BetaThreadNewAndRunParams{AssistantID: a.ID,
				Thread: openai.BetaThreadNewAndRunParamsThread{Messages: []openai.BetaThreadNewAndRunParamsThreadMessage{{
					Role: "user", Content: openai.BetaThreadNewAndRunParamsThreadMessageContentUnion{OfString: openai.String(fmt.Sprintf("job-%02d", i))}}}}})
			if err != nil {
				t.Errorf("create thread and run %d: %v", i, err)
				return
			}
			jobs[i] = job{run.ThreadID, run.ID}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// SIGKILL process 0 while it has model requests in flight.
	deadline := time.Now().Add(60 * time.Second)
	for activeUnder(fm, "/p0/") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("process 0 never had two model requests in flight (%d requests in all)", fm.Count())
		}
		time.Sleep(2 * time.Millisecond)
	}
	killedWith := activeUnder(fm, "/p0/")
	if err := procs[0].Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()

	c := clients[1]
	for _, j := range jobs {
		var r *openai.Run
		for {
			if r, err = c.Beta.Threads.Runs.Get(ctx, j.thread, j.run); err != nil {
				t.Fatal(err)
			}
			if r.Status != openai.RunStatusQueued && r.Status != openai.RunStatusInProgress {
				break
			}
			if time.Since(killed) > 90*time.Second {
				t.Fatalf("run %s still %s", j.run, r.Status)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if r.Status != openai.RunStatusCompleted {
			t.Errorf("run %s ended %s: %s", j.run, r.Status, r.LastError.Message)
		}
		msgs, err := c.Beta.Threads.Messages.List(ctx, j.thread, openai.BetaThreadMessageListParams{})
		if err != nil {
			t.Fatal(err)
		}
		replies := 0
		for _, m := range msgs.Data {
			if m.Role == "assistant" {
				replies++
			}
		}
		if replies != 1 {
			t.Errorf("thread %s has %d assistant replies", j.thread, replies)
		}
	}
	took := time.Since(killed)

	paths := map[string][]string{}
	for _, req := range fm.Requests() {
		k := fakemodel.LastUserText(req)
		paths[k] = append(paths[k], req.Path)
	}
	repeated, runsRepeated := 0, 0
	for k, ps := range paths {
		if len(ps) < 2 || k == "keeper" {
			continue
		}
		repeated += len(ps) - 1
		runsRepeated++
		fromKilled := 0
		for _, p := range ps {
			if strings.HasPrefix(p, "/p0/") {
				fromKilled++
			}
		}
		if len(ps) > 2 || fromKilled != 1 {
			t.Errorf("%s: model requests %v: repeated although not in flight on the killed process", k, ps)
		}
	}
	for k, m := range fm.MaxInFlight() {
		if m > 1 {
			t.Errorf("%s: %d model requests in flight at once", k, m)
		}
	}
	t.Logf("%d runs on 3 processes; process 0 SIGKILLed with %d model requests in flight; %d runs repeated, "+
		"%d model requests repeated (%d in all); all completed %v after the kill",
		n, killedWith, runsRepeated, repeated, fm.Count(), took.Round(time.Millisecond))
	for _, p := range procs[1:] {
		_ = p.Signal(syscall.SIGTERM)
	}
	for i, p := range procs[1:] {
		if err := p.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", i+1, err, p.Out)
		}
	}
}

// activeUnder counts the requests the fake model answers under path
// prefix p.
func activeUnder(fm *fakemodel.Server, p string) int {
	n := 0
	for _, r := range fm.Active() {
		if strings.HasPrefix(r.Path, p) {
			n++
		}
	}
	return n
}

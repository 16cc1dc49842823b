package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/r2kit/r2kit/internal/servetest"
)

// client makes requests without keeping connections alive, so that no
// goroutine outlives a test.
var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}

func get(t *testing.T, url, key string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("OpenAI-Beta", "assistants=v2")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// waitListening polls the output of an in-process serve for its address.
func waitListening(t *testing.T, out *servetest.LockedBuffer, done <-chan int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := servetest.Listening.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d:\n%s", code, out)
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not say where it listens:\n%s", out)
	return ""
}

func TestServeInProcess(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out servetest.LockedBuffer
	env := map[string]string{"R2KIT_BUCKET": t.TempDir(), "R2KIT_API_KEYS": "sk-one, ,sk-two", "R2KIT_LOG_FORMAT": "json"}
	done := runAsync(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--api-key", "sk-three", "--max-body-bytes", "1KiB"}, env, &out)
	base := waitListening(t, &out, done)

	if resp, body := get(t, base+"/readyz", ""); resp.StatusCode != 200 {
		t.Fatalf("readyz: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, base+"/v1/assistants", ""); resp.StatusCode != 401 {
		t.Fatalf("no key: %d", resp.StatusCode)
	}
	for _, key := range []string{"sk-one", "sk-two", "sk-three"} {
		if resp, _ := get(t, base+"/v1/assistants", key); resp.StatusCode == 401 {
			t.Fatalf("key %s refused", key)
		}
	}
	req, _ := http.NewRequest("POST", base+"/v1/assistants", strings.NewReader(strings.Repeat(" ", 1025)))
	req.Header.Set("Authorization", "Bearer sk-one")
	req.Header.Set("Content-Type", "application/json")
	if resp, err := client.Do(req); err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body over --max-body-bytes: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, out.String())
	}
	logs := out.String()
	if strings.Contains(logs, "sk-one") || strings.Contains(logs, "sk-three") {
		t.Fatalf("a key reached the logs:\n%s", logs)
	}
	if strings.Contains(logs, "no API key configured") || !strings.Contains(logs, `"msg":"shutting down"`) || !strings.HasSuffix(logs, "r2kit: stopped\n") {
		t.Fatalf("serve output:\n%s", logs)
	}
}

// --repair-interval repairs the bucket at that interval, and a repair
// under way does not keep the server from stopping.
func TestServeRepairs(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out servetest.LockedBuffer
	env := map[string]string{"R2KIT_BUCKET": t.TempDir(), "R2KIT_LOG_FORMAT": "json", "R2KIT_REPAIR_INTERVAL": "5ms"}
	done := runAsync(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, env, &out)
	waitListening(t, &out, done)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), `"msg":"repair"`); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no repair logged:\n%s", out.String())
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, out.String())
	}
}

func TestServeNoKeys(t *testing.T) {
	t.Run("loopback", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var out servetest.LockedBuffer
		done := runAsync(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--bucket", "mem://"}, nil, &out)
		base := waitListening(t, &out, done)
		if resp, _ := get(t, base+"/v1/assistants", ""); resp.StatusCode == 401 {
			t.Fatal("a server without keys asked for one")
		}
		cancel()
		<-done
		if !strings.Contains(out.String(), "r2kit: no API key configured: serving without authentication, on loopback only\n") {
			t.Fatalf("serve did not say it serves without keys:\n%s", out.String())
		}
	})
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		t.Run("refused "+addr, func(t *testing.T) {
			r := invocation{args: []string{"serve", "--addr", addr, "--bucket", "mem://"}}.run(t)
			fails(t, r, 1, "r2kit: refusing to serve "+addr+" without an API key: it is not a loopback address; "+
				"set R2KIT_API_KEYS or --api-key, bind 127.0.0.1, or pass --insecure-no-auth")
		})
	}
	t.Run("insecure", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var out servetest.LockedBuffer
		done := runAsync(ctx, []string{"serve", "--addr", "0.0.0.0:0", "--bucket", "mem://", "--insecure-no-auth"}, nil, &out)
		waitListening(t, &out, done)
		cancel()
		if code := <-done; code != 0 || !strings.Contains(out.String(), "WARNING: no API key configured") {
			t.Fatalf("exit %d:\n%s", code, out.String())
		}
	})
}

// The README's run command, as a user runs it: build the binary, start
// "r2kit serve" on the default bucket, wait for /readyz, send a request,
// stop it with SIGTERM and see it exit 0.
func TestServeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := servetest.Build(t)
	work := t.TempDir()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Dir = work // the default bucket ./r2kit-data lands here
	cmd.Env = append(cmd.Environ(), "R2KIT_API_KEYS=sk-binary-test")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		for sc := bufio.NewScanner(stderr); sc.Scan(); {
			lines <- sc.Text()
		}
	}()
	var output []string
	next := func(what *regexp.Regexp) []string {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("r2kit exited before %q:\n%s", what, strings.Join(output, "\n"))
				}
				output = append(output, l)
				if m := what.FindStringSubmatch(l); m != nil {
					return m
				}
			case <-timeout:
				t.Fatalf("no %q in:\n%s", what, strings.Join(output, "\n"))
			}
		}
	}
	base := next(servetest.Listening)[1]

	waitReady(t, base)
	resp, body := get(t, base+"/v1/assistants", "sk-binary-test")
	var env map[string]any
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" || json.Unmarshal(body, &env) != nil {
		t.Fatalf("GET /v1/assistants: %q %s", ct, body)
	}
	if resp.StatusCode != http.StatusOK || env["object"] != "list" {
		t.Fatalf("GET /v1/assistants: %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Fatal("no request id")
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	next(regexp.MustCompile(`^r2kit: stopped$`))
	for range lines {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("r2kit serve did not exit cleanly: %v\n%s", err, strings.Join(output, "\n"))
	}
	if entries, err := filepath.Glob(filepath.Join(work, "r2kit-data")); err != nil || len(entries) != 1 {
		t.Fatalf("the default bucket ./r2kit-data was not used: %v %v", entries, err)
	}
}

// waitReady polls /readyz until it answers 200.
func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not ready: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// SIGTERM (here: the context) lets a request in flight finish: /readyz
// waits on a storage server that holds its answer until after the
// shutdown began.
func TestServeFinishesInFlight(t *testing.T) {
	var hold atomic.Bool
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	fakeS3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		if r.Method == "HEAD" && hold.Load() {
			arrived <- struct{}{}
			<-release
		}
		w.WriteHeader(http.StatusNotFound) // every key is missing
	}))
	defer fakeS3.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out servetest.LockedBuffer
	bucket := "s3://bucket?endpoint=" + fakeS3.URL + "&region=us-east-1&path_style=true"
	done := runAsync(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--bucket", bucket}, nil, &out)
	base := waitListening(t, &out, done)
	waitReady(t, base)

	hold.Store(true)
	status := make(chan int, 1)
	go func() {
		resp, err := client.Get(base + "/readyz")
		if err != nil {
			status <- 0
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	<-arrived
	cancel()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			break // the listener is closed: the shutdown has begun
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections after the shutdown began")
		}
	}
	select {
	case code := <-done:
		t.Fatalf("serve exited %d with a request in flight", code)
	default:
	}
	close(release)
	if got := <-status; got != http.StatusOK {
		t.Fatalf("the request in flight got %d", got)
	}
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, out.String())
	}
}

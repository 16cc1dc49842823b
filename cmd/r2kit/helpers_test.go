package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/cli"
	"github.com/r2kit/r2kit/internal/servetest"
)

func TestMain(m *testing.M) {
	backendtest.DisableEC2Metadata()
	goleak.VerifyTestMain(m)
}

// result is what one run of the command produced.
type result struct {
	stdout, stderr string
	code           int
}

// invocation is one in-process run of r2kit.
type invocation struct {
	args     []string
	env      map[string]string
	stdin    []byte
	terminal bool // pretend standard error is a terminal
}

func (iv invocation) run(t *testing.T) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Run(t.Context(), iv.args, cli.Env{
		Stdin:    bytes.NewReader(iv.stdin),
		Stdout:   &stdout,
		Stderr:   &stderr,
		Getenv:   func(k string) string { return iv.env[k] },
		Terminal: func() bool { return iv.terminal },
	})
	return result{stdout.String(), stderr.String(), code}
}

// r2kit runs the command with args on the filestore directory dir.
func r2kit(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return invocation{args: args, env: map[string]string{"R2KIT_BUCKET": dir}}.run(t)
}

// ok runs the command and fails the test unless it exits 0 with nothing
// on standard error.
func ok(t *testing.T, dir string, args ...string) string {
	t.Helper()
	r := r2kit(t, dir, args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("r2kit %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// fails runs the command and checks its exit code and its single
// standard error line.
func fails(t *testing.T, r result, code int, line string) {
	t.Helper()
	if r.code != code || r.stderr != line+"\n" {
		t.Fatalf("exit %d, stderr %q; want exit %d, stderr %q", r.code, r.stderr, code, line+"\n")
	}
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runAsync runs the command in a goroutine until ctx is cancelled; the
// exit code arrives on the returned channel.
func runAsync(ctx context.Context, args []string, env map[string]string, stderr *servetest.LockedBuffer) <-chan int {
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, args, cli.Env{Stdout: stderr, Stderr: stderr, Getenv: func(k string) string { return env[k] }})
	}()
	return done
}

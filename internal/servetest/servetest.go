// Package servetest builds the r2kit command and runs "r2kit serve"
// processes for tests.
package servetest

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"
)

// LockedBuffer is a bytes.Buffer safe for concurrent use: it collects
// the output of a command that runs in another goroutine or process.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Listening matches the line "r2kit serve" prints on standard error
// once it listens; its first group is the base URL, http://ADDR.
var Listening = regexp.MustCompile(`r2kit: listening on (http://\S+)`)

// Build builds the r2kit command (github.com/r2kit/r2kit/cmd/r2kit) into t.TempDir() and
// returns the path of the binary; a build failure fails the test. The
// binary is built with the race detector when the test binary is.
func Build(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "r2kit")
	cmd := exec.Command("go", append(append([]string{"build"}, buildFlags...), "-o", bin, "github.com/r2kit/r2kit/cmd/r2kit")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Process is one "r2kit serve" process started by Start.
type Process struct {
	// Cmd is the running command; its Dir is a temporary directory of
	// the test. Use the methods of Process, not Cmd.Wait, to wait for it.
	Cmd *exec.Cmd
	// Base is the URL the server listens on, http://ADDR.
	Base string
	// Out collects the process's standard error, line by line.
	Out *LockedBuffer

	drained  chan struct{} // closed once standard error is read to its end
	waitOnce sync.Once
	waited   chan struct{} // closed once Cmd.Wait returned
	err      error         // what Cmd.Wait returned
	mu       sync.Mutex
	killed   bool
}

// Start starts bin ("r2kit", from Build) as "serve --addr 127.0.0.1:0"
// followed by args, in a temporary directory, with env added to the
// environment of the test, and waits (up to 60s) until it says where it
// listens. If it exits or stays silent instead, the test fails.
//
// At the end of the test a process still running is stopped with
// SIGTERM (and SIGKILL if it has not exited 30s later); the test fails
// if it then exits with an error. A process stopped by the test itself
// (Stop, Kill, Wait) is left to the test.
func Start(t testing.TB, bin string, env []string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(cmd.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Process{Cmd: cmd, Out: &LockedBuffer{}, drained: make(chan struct{}), waited: make(chan struct{})}
	base := make(chan string, 1)
	go func() {
		defer close(p.drained)
		for sc := bufio.NewScanner(stderr); sc.Scan(); {
			fmt.Fprintln(p.Out, sc.Text())
			if m := Listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case base <- m[1]:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		select {
		case <-p.waited:
			return // the test stopped it
		default:
		}
		if err := p.Stop(30 * time.Second); err != nil {
			t.Errorf("r2kit serve exited: %v\n%s", err, p.Out)
		}
	})
	select {
	case p.Base = <-base:
		return p
	case <-p.drained:
	case <-time.After(60 * time.Second):
	}
	t.Fatalf("r2kit serve did not say where it listens:\n%s", p.Out)
	return nil
}

// Wait waits for the process to exit and returns its exit error, as
// exec.Cmd.Wait does, after its output has been read to the end. It may
// be called any number of times; every call returns the same error.
func (p *Process) Wait() error {
	p.waitOnce.Do(func() {
		go func() {
			<-p.drained
			p.err = p.Cmd.Wait()
			close(p.waited)
		}()
	})
	<-p.waited
	return p.err
}

// Signal sends sig to the process.
func (p *Process) Signal(sig syscall.Signal) error {
	return p.Cmd.Process.Signal(sig)
}

// Kill kills the process with SIGKILL, without waiting for it to exit.
// Its exit is then no failure at the end of the test.
func (p *Process) Kill() error {
	p.mu.Lock()
	p.killed = true
	p.mu.Unlock()
	return p.Signal(syscall.SIGKILL)
}

// Stop stops the process gracefully: it sends SIGTERM and waits up to
// timeout for the process to exit, then kills it. It returns the exit
// error, nil for a clean exit, or an error saying that the process did
// not stop in time. A process Kill killed returns nil.
func (p *Process) Stop(timeout time.Duration) error {
	_ = p.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- p.Wait() }()
	select {
	case err := <-exited:
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.killed {
			return nil
		}
		return err
	case <-time.After(timeout):
		_ = p.Cmd.Process.Kill()
		<-exited
		return fmt.Errorf("r2kit serve did not stop within %v of SIGTERM", timeout)
	}
}

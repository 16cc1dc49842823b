//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/filestore"
)

// The helper-process protocol of TestCrossProcess: the test binary runs
// itself with helperEnv set to the shared directory and runs only
// TestHelperProcess, which waits for its standard input to close (so that
// the processes start together) and prints one "win <key>" line per
// create it won.
const (
	helperEnv     = "FILESTORE_HELPER"
	helperIDEnv   = "FILESTORE_HELPER_ID"
	helperModeEnv = "FILESTORE_HELPER_MODE" // "race" or "crash"

	processes  = 2
	workers    = 8  // goroutines per process
	increments = 25 // per goroutine
	onceKeys   = 20 // keys every goroutine races to create
)

// TestCrossProcess: conditional writes are atomic across OS processes
// sharing a directory. 2 processes of 8 goroutines each increment a JSON
// counter 25 times with Get and Put IfMatch: it ends at exactly 400. The
// same goroutines race to create 20 keys with IfNoneMatch "*": each key
// has exactly one winner, whose body it holds.
func TestCrossProcess(t *testing.T) {
	dir := t.TempDir()
	b := openBucket(t, dir, nil)
	put(t, b, "counter.json", `{"n":0}`, nil)

	var (
		cmds   []*exec.Cmd
		stdins []io.WriteCloser
		outs   = make([]bytes.Buffer, processes)
	)
	for i := range processes {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"="+dir, helperModeEnv+"=race", fmt.Sprintf("%s=%d", helperIDEnv, i))
		cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, stdins = append(cmds, cmd), append(stdins, stdin)
	}
	for _, stdin := range stdins {
		stdin.Close() // go
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper process %d: %v\n%s", i, err, outs[i].String())
		}
	}

	_, data := get(t, b, "counter.json")
	var c struct{ N int }
	if err := json.Unmarshal([]byte(data), &c); err != nil {
		t.Fatal(err)
	}
	if want := processes * workers * increments; c.N != want {
		t.Errorf("counter = %d, want %d", c.N, want)
	}

	winners := map[string][]string{}
	for i := range outs {
		sc := bufio.NewScanner(&outs[i])
		for sc.Scan() {
			if key, winner, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "win "), " "); ok && strings.HasPrefix(sc.Text(), "win ") {
				winners[key] = append(winners[key], winner)
			}
		}
	}
	for k := range onceKeys {
		key := fmt.Sprintf("once/%d", k)
		if w := winners[key]; len(w) != 1 {
			t.Errorf("%s: winners %q, want exactly one", key, w)
		} else if _, body := get(t, b, key); body != w[0] {
			t.Errorf("%s holds %q, but %q won", key, body, w[0])
		}
	}
}

// TestCrashDuringPut: a process killed while a Put streams its body
// leaves the old object intact, and a temp file that the next Open
// removes.
func TestCrashDuringPut(t *testing.T) {
	dir := t.TempDir()
	b := openBucket(t, dir, nil)
	old := put(t, b, "k", "old", nil)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir, helperModeEnv+"=crash")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "streaming\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q, %v; stderr:\n%s", line, err, stderr.String())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	if got := tempFiles(t, dir); len(got) != 1 {
		t.Errorf("the killed writer left temp files %q, want its one", got)
	}
	if a, err := b.Stat(t.Context(), "k"); err != nil || a.ETag != old.ETag {
		t.Errorf("after the writer was killed, Stat = %+v, %v; want the old object", a, err)
	}
	openBucket(t, dir, nil)
	if got := tempFiles(t, dir); len(got) != 0 {
		t.Errorf("after Open, temp files = %q, want none", got)
	}
}

// stallingReader yields size bytes, then says "streaming" on standard
// output and blocks until standard input closes, which the parent never
// does before killing the process.
type stallingReader struct{ size int }

func (r *stallingReader) Read(p []byte) (int, error) {
	if r.size <= 0 {
		fmt.Println("streaming")
		io.Copy(io.Discard, os.Stdin)
		return 0, errors.New("standard input closed")
	}
	n := min(len(p), r.size)
	clear(p[:n])
	r.size -= n
	return n, nil
}

// TestHelperProcess is one process of TestCrossProcess or
// TestCrashDuringPut.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process of TestCrossProcess and TestCrashDuringPut")
	}
	if os.Getenv(helperModeEnv) == "crash" {
		b := openBucket(t, dir, nil)
		// More than one write buffer, so that some of the body is in
		// the temp file when the process dies.
		_, err := b.Put(t.Context(), "k", &stallingReader{size: 256 << 10}, nil)
		t.Fatalf("Put returned %v, want it to hang", err)
	}
	id := os.Getenv(helperIDEnv)
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil {
		t.Fatal(err)
	}
	b := openBucket(t, dir, nil)
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		out []string
	)
	for w := range workers {
		wg.Go(func() {
			me := fmt.Sprintf("process-%s-worker-%d", id, w)
			for k := range onceKeys {
				key := fmt.Sprintf("once/%d", k)
				_, err := b.Put(t.Context(), key, strings.NewReader(me), &storage.PutOptions{IfNoneMatch: "*"})
				switch {
				case err == nil:
					mu.Lock()
					out = append(out, "win "+key+" "+me)
					mu.Unlock()
				case !errors.Is(err, storage.ErrPreconditionFailed):
					t.Errorf("%s: Put(%s): %v", me, key, err)
				}
			}
			for range increments {
				if err := increment(t, b, "counter.json"); err != nil {
					t.Errorf("%s: %v", me, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, line := range out {
		fmt.Println(line)
	}
}

// increment adds 1 to the JSON counter at key with Get and Put IfMatch,
// retrying when another writer wins.
func increment(t testing.TB, b *filestore.Bucket, key string) error {
	for {
		obj, err := b.Get(t.Context(), key, nil)
		if err != nil {
			return err
		}
		var c struct {
			N int `json:"n"`
		}
		err = json.NewDecoder(obj.Body).Decode(&c)
		obj.Body.Close()
		if err != nil {
			return err
		}
		c.N++
		data, _ := json.Marshal(c)
		_, err = b.Put(t.Context(), key, bytes.NewReader(data), &storage.PutOptions{IfMatch: obj.ETag})
		if !errors.Is(err, storage.ErrPreconditionFailed) {
			return err
		}
	}
}

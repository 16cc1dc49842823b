package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/filestore"
)

func TestPutGetFiles(t *testing.T) {
	dir := t.TempDir()
	data := randomBytes(t, 3<<20+17)
	src := writeFile(t, "data.bin", data)
	out := ok(t, dir, "put", src, "blobs/file-abc")
	if !regexp.MustCompile(`^blobs/file-abc  3145745 bytes  etag "[0-9a-f]{32}"\n$`).MatchString(out) {
		t.Fatalf("put printed %q", out)
	}
	dest := filepath.Join(t.TempDir(), "copy.bin")
	ok(t, dir, "get", "blobs/file-abc", dest)
	if got, err := os.ReadFile(dest); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get into a file: %d bytes, %v; want %d identical bytes", len(got), err, len(data))
	}
	into := t.TempDir()
	ok(t, dir, "get", "blobs/file-abc", into)
	if got, err := os.ReadFile(filepath.Join(into, "file-abc")); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get into a directory: %d bytes, %v", len(got), err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dest))
	if len(entries) != 1 {
		t.Fatalf("get left temporary files: %v", entries)
	}
}

func TestPutGetStreams(t *testing.T) {
	dir := t.TempDir()
	data := randomBytes(t, 1<<20+3)
	r := invocation{args: []string{"put", "-", "blobs/stdin"}, env: map[string]string{"R2KIT_BUCKET": dir}, stdin: data}.run(t)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("put from stdin: %+v", r)
	}
	out := ok(t, dir, "get", "blobs/stdin", "-")
	if out != string(data) {
		t.Fatalf("get to stdout: %d bytes, want %d identical bytes", len(out), len(data))
	}
	if out := ok(t, dir, "get", "blobs/stdin"); out != string(data) {
		t.Fatal("get without FILE does not write to stdout")
	}
}

func TestGetFailureLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(t.TempDir(), "out")
	fails(t, r2kit(t, dir, "get", "assistants/x.json", dest), 1, "r2kit: get assistants/x.json: not found")
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Fatalf("a failed get created %s: %v", dest, err)
	}
}

func TestProgressBar(t *testing.T) {
	dir := t.TempDir()
	data := randomBytes(t, 200<<10)
	src := writeFile(t, "data.bin", data)
	env := map[string]string{"R2KIT_BUCKET": dir}
	r := invocation{args: []string{"put", src, "blobs/bar"}, env: env, terminal: true}.run(t)
	if r.code != 0 || !strings.Contains(r.stderr, "put bar") || !strings.Contains(r.stderr, "100%") {
		t.Fatalf("put on a terminal: exit %d, stderr %q", r.code, r.stderr)
	}
	r = invocation{args: []string{"get", "blobs/bar", "-"}, env: env, terminal: true}.run(t)
	if r.code != 0 || r.stdout != string(data) || !strings.Contains(r.stderr, "get bar") || !strings.Contains(r.stderr, "100%") {
		t.Fatalf("get on a terminal: exit %d, %d bytes out, stderr %q", r.code, len(r.stdout), r.stderr)
	}
	if r := (invocation{args: []string{"get", "blobs/bar", "-"}, env: env}).run(t); r.stderr != "" {
		t.Fatalf("a bar without a terminal: %q", r.stderr)
	}
}

func TestLs(t *testing.T) {
	dir := t.TempDir()
	src := writeFile(t, "x.json", []byte(`{}`))
	for _, k := range []string{"assistants/asst_1.json", "assistants/asst_2.json", "threads/thread_1.json", "messages/thread_1/msg_1.json", "top.json"} {
		ok(t, dir, "put", src, k)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ls"}, "assistants/\nmessages/\nthreads/\ntop.json\n"},
		{[]string{"ls", "assistants/"}, "assistants/asst_1.json\nassistants/asst_2.json\n"},
		{[]string{"ls", "m"}, "messages/\n"},
		{[]string{"ls", "-r", "m"}, "messages/thread_1/msg_1.json\n"},
		{[]string{"ls", "--recursive"}, "assistants/asst_1.json\nassistants/asst_2.json\nmessages/thread_1/msg_1.json\nthreads/thread_1.json\ntop.json\n"},
		{[]string{"ls", "nothing/"}, ""},
	} {
		if got := ok(t, dir, tc.args...); got != tc.want {
			t.Errorf("%v:\n%s\nwant\n%s", tc.args, got, tc.want)
		}
	}
	long := ok(t, dir, "ls", "-l")
	lines := strings.Split(strings.TrimSuffix(long, "\n"), "\n")
	obj := regexp.MustCompile(`^ {11}2  \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  "[0-9a-f]{32}"  top\.json$`)
	pre := regexp.MustCompile(`^ {11}-  -  +-  +assistants/$`)
	if len(lines) != 4 || !pre.MatchString(lines[0]) || !obj.MatchString(lines[3]) {
		t.Fatalf("ls -l:\n%s", long)
	}
}

func TestStat(t *testing.T) {
	dir := t.TempDir()
	src := writeFile(t, "x", []byte("hello"))
	ok(t, dir, "put", "--content-type", "text/x-test", "--metadata", "owner=ops", "--metadata", "Team=infra", src, "a/b")
	out := ok(t, dir, "stat", "a/b")
	want := regexp.MustCompile(`^key:           a/b
size:          5
etag:          "5d41402abc4b2a76b9719d911017c592"
content-type:  text/x-test
modified:      \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ
metadata:
  owner: ops
  team: infra
$`)
	if !want.MatchString(out) {
		t.Fatalf("stat:\n%s", out)
	}
	ok(t, dir, "put", writeFile(t, "y.json", []byte("{}")), "a/c.json")
	if out := ok(t, dir, "stat", "a/c.json"); !strings.Contains(out, "content-type:  application/json\n") || !strings.Contains(out, "metadata:      (none)\n") {
		t.Fatalf("stat of a guessed type:\n%s", out)
	}
	fails(t, r2kit(t, dir, "stat", "a/nope"), 1, "r2kit: stat a/nope: not found")
	fails(t, r2kit(t, dir, "put", "--metadata", "novalue", src, "a/d"), 1, `r2kit: --metadata "novalue": want KEY=VALUE`)
}

func TestRm(t *testing.T) {
	dir := t.TempDir()
	src := writeFile(t, "x", []byte("hello"))
	ok(t, dir, "put", src, "a/1")
	ok(t, dir, "put", src, "a/2")
	ok(t, dir, "put", src, "a/3")
	if out := ok(t, dir, "rm", "a/1"); out != "" {
		t.Fatalf("rm printed %q", out)
	}
	r := r2kit(t, dir, "rm", "a/nope", "a/2", "a/1")
	if r.code != 1 || r.stderr != "r2kit: delete a/nope: not found\nr2kit: delete a/1: not found\n" {
		t.Fatalf("rm with missing keys: %+v", r)
	}
	r = r2kit(t, dir, "rm", "--if-match", `"00000000000000000000000000000000"`, "a/3")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "r2kit: delete a/3: precondition failed") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("rm with a stale etag: %+v", r)
	}
	ok(t, dir, "rm", "--if-match", "5d41402abc4b2a76b9719d911017c592", "a/3")
	if out := ok(t, dir, "ls", "-r"); out != "" {
		t.Fatalf("left after rm: %q", out)
	}
}

func TestSweep(t *testing.T) {
	dir := t.TempDir()
	src := writeFile(t, "x", []byte("{}"))
	// An object that expired long ago: written through the library, as
	// the command refuses r2kit- metadata and takes only positive TTLs.
	fb, err := filestore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fb.Put(t.Context(), "threads/expired.json", strings.NewReader("{}"),
		&storage.PutOptions{Metadata: map[string]string{storage.MetaExpires: "1000"}}); err != nil {
		t.Fatal(err)
	}
	if err := fb.Close(); err != nil {
		t.Fatal(err)
	}
	ok(t, dir, "put", "--ttl", "1000000h", src, "threads/live.json")
	ok(t, dir, "put", src, "other/expired-elsewhere.json")
	if out := ok(t, dir, "sweep", "threads/"); out != "scanned 2, deleted 1, kept 0, failed 0\n" {
		t.Fatalf("sweep printed %q", out)
	}
	if out := ok(t, dir, "ls", "-r"); out != "other/expired-elsewhere.json\nthreads/live.json\n" {
		t.Fatalf("after sweep: %q", out)
	}
	if out := ok(t, dir, "sweep"); out != "scanned 2, deleted 0, kept 0, failed 0\n" {
		t.Fatalf("second sweep printed %q", out)
	}
}

func TestVersion(t *testing.T) {
	out := ok(t, t.TempDir(), "version")
	if !regexp.MustCompile(`^r2kit \S+( \S+)? go1\.\d+\S* \w+/\w+\n$`).MatchString(out) {
		t.Fatalf("version: %q", out)
	}
}

func TestBucketFlagAndEnv(t *testing.T) {
	flagDir, envDir := t.TempDir(), t.TempDir()
	src := writeFile(t, "x", []byte("x"))
	ok(t, envDir, "put", src, "from-env")
	ok(t, envDir, "put", "--bucket", flagDir, src, "from-flag")
	if out := ok(t, envDir, "ls"); out != "from-env\n" {
		t.Fatalf("env bucket holds %q", out)
	}
	if out := ok(t, envDir, "ls", "--bucket", "file://"+flagDir); out != "from-flag\n" {
		t.Fatalf("flag bucket holds %q", out)
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		r    result
		code int
		line string
	}{
		{"bad bucket URL", r2kit(t, "xx://bucket", "ls"), 1,
			`r2kit: storage: open "xx://bucket": no backend registered for scheme "xx" (registered: file, mem, r2, s3)`},
		{"missing key", r2kit(t, dir, "get", "assistants/x.json"), 1, "r2kit: get assistants/x.json: not found"},
		{"invalid key", r2kit(t, dir, "stat", "a\tb"), 1, "r2kit: stat a\tb: invalid key: control character '\\t' at byte 1"},
		{"missing file", r2kit(t, dir, "put", "/nonexistent/file", "k"), 1, "r2kit: open /nonexistent/file: no such file or directory"},
		{"unknown command", r2kit(t, dir, "nope"), 2, `r2kit: unknown command "nope" for "r2kit" (see 'r2kit --help')`},
		{"unknown flag", r2kit(t, dir, "ls", "--nope"), 2, "r2kit: unknown flag: --nope (see 'r2kit ls --help')"},
		{"too many arguments", r2kit(t, dir, "stat", "a", "b"), 2, "r2kit: stat takes 1 argument, got 2 (see 'r2kit stat --help')"},
		{"too few arguments", r2kit(t, dir, "put", "a"), 2, "r2kit: put takes 2 arguments, got 1 (see 'r2kit put --help')"},
		{"rm without keys", r2kit(t, dir, "rm"), 2, "r2kit: rm takes at least 1 argument, got 0 (see 'r2kit rm --help')"},
		{"bad flag value", r2kit(t, dir, "serve", "--max-body-bytes", "lots"), 2,
			`r2kit: invalid argument "lots" for "--max-body-bytes" flag: "lots" is not a positive size in bytes (such as 1048576, 1MiB or 512MB) (see 'r2kit serve --help')`},
		{"bad env value", invocation{args: []string{"serve"}, env: map[string]string{"R2KIT_LOG_FORMAT": "xml"}}.run(t), 2,
			`r2kit: invalid R2KIT_LOG_FORMAT="xml": "xml" is not one of text, json (see 'r2kit serve --help')`},
	} {
		t.Run(tc.name, func(t *testing.T) { fails(t, tc.r, tc.code, tc.line) })
	}
}

func TestHelp(t *testing.T) {
	for _, cmd := range []string{"", "serve", "ls", "stat", "get", "put", "rm", "sweep", "version"} {
		args := append(strings.Fields(cmd), "--help")
		r := r2kit(t, t.TempDir(), args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:") || !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("r2kit %s --help: exit %d\n%s", cmd, r.code, r.stdout)
		}
	}
}

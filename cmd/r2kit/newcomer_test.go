package main

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/r2kit/r2kit/internal/servetest"
)

// serveFor starts an in-process serve with args and env on a free
// loopback port and returns its base URL and output; the server stops
// with the test.
func serveFor(t *testing.T, env map[string]string, args ...string) (string, *servetest.LockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var out servetest.LockedBuffer
	if env == nil {
		env = map[string]string{}
	}
	done := runAsync(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--bucket", "mem://"}, args...), env, &out)
	base := waitListening(t, &out, done)
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return base, &out
}

// --cors-origin (and $R2KIT_CORS_ORIGIN) answers browsers' preflights.
func TestServeCORSOrigin(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"flag", nil, []string{"--cors-origin", "https://a.example", "--cors-origin", "https://b.example"}},
		{"env", map[string]string{"R2KIT_CORS_ORIGIN": "https://a.example,https://b.example"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, _ := serveFor(t, tc.env, tc.args...)
			for _, origin := range []string{"https://a.example", "https://b.example"} {
				req, _ := http.NewRequest("OPTIONS", base+"/v1/assistants", nil)
				req.Header.Set("Origin", origin)
				req.Header.Set("Access-Control-Request-Method", "POST")
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != origin {
					t.Fatalf("preflight from %s: %d %v", origin, resp.StatusCode, resp.Header)
				}
			}
		})
	}
}

// The start-up line gives the base URL clients need, /v1 included, and
// a client that leaves /v1 out is told about it.
func TestServeAnnouncesAPIBase(t *testing.T) {
	base, out := serveFor(t, nil)
	if want := "r2kit: listening on " + base + " (API base URL " + base + "/v1)\n"; !strings.Contains(out.String(), want) {
		t.Fatalf("serve output lacks %q:\n%s", want, out)
	}
	resp, body := get(t, base+"/assistants", "")
	if resp.StatusCode != 404 || !strings.Contains(string(body), "the API is served under the /v1 prefix") {
		t.Fatalf("GET /assistants: %d %s", resp.StatusCode, body)
	}
}

// The README's configuration section is `r2kit serve --help`'s flag
// list, line for line.
func TestReadmeMatchesServeHelp(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- serve --help flags: begin -->\n```\n", "```\n<!-- serve --help flags: end -->"
	_, rest, hasBegin := strings.Cut(string(readme), begin)
	documented, _, hasEnd := strings.Cut(rest, end)
	if !hasBegin || !hasEnd {
		t.Fatalf("README.md lacks the block between %q and %q", begin, end)
	}
	help := ok(t, t.TempDir(), "serve", "--help")
	_, flags, found := strings.Cut(help, "\nFlags:\n")
	if !found {
		t.Fatalf("serve --help has no Flags section:\n%s", help)
	}
	want := strings.Split(strings.TrimRight("Flags:\n"+flags, "\n"), "\n")
	got := strings.Split(strings.TrimRight(documented, "\n"), "\n")
	for i := range max(len(want), len(got)) {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			t.Fatalf("README.md's configuration block differs from serve --help at line %d:\nREADME: %q\nhelp:   %q", i+1, g, w)
		}
	}
}

// $R2KIT_API_KEY, the name the R2KIT_<FLAG> rule gives --api-key, is
// honoured like $R2KIT_API_KEYS.
func TestServeAPIKeyEnv(t *testing.T) {
	base, _ := serveFor(t, map[string]string{"R2KIT_API_KEY": "sk-single"})
	if resp, _ := get(t, base+"/v1/assistants", ""); resp.StatusCode != 401 {
		t.Fatalf("without a key: %d, want 401", resp.StatusCode)
	}
	if resp, body := get(t, base+"/v1/assistants", "sk-single"); resp.StatusCode != 200 {
		t.Fatalf("with $R2KIT_API_KEY: %d %s", resp.StatusCode, body)
	}
}

// The README says how to get the binary, and that the first build is
// slow and silent.
func TestReadmeSaysHowToGetTheBinary(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go install ./cmd/r2kit", "go build -o r2kit ./cmd/r2kit", "The first `go run`", "about two minutes"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md does not say %q", want)
		}
	}
}

// Read-only commands do not create a missing bucket directory: they say
// it is missing. put creates it.
func TestMissingBucketDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	for _, args := range [][]string{{"ls"}, {"ls", "-r", "a/"}, {"stat", "a/b"}, {"get", "a/b", "-"}, {"rm", "a/b"}, {"sweep"}} {
		fails(t, r2kit(t, dir, args...), 1, "r2kit: bucket directory "+dir+
			" does not exist (check --bucket / $R2KIT_BUCKET; r2kit serve and r2kit put create it)")
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("r2kit %v created %s (%v)", args, dir, err)
		}
	}
	fails(t, invocation{args: []string{"ls"}, env: map[string]string{"R2KIT_BUCKET": "file://" + filepath.ToSlash(dir)}}.run(t), 1,
		"r2kit: bucket directory "+dir+" does not exist (check --bucket / $R2KIT_BUCKET; r2kit serve and r2kit put create it)")
	src := writeFile(t, "x", []byte("x"))
	ok(t, dir, "put", src, "a/b")
	if out := ok(t, dir, "ls", "-r"); out != "a/b\n" {
		t.Fatalf("ls after put: %q", out)
	}
}

// Prefixes are validated like keys: one no key can begin with is an
// error, not an empty listing. ".." is a valid key (filestore escapes
// it), so "ls ../" lists the keys under it.
func TestPrefixesValidatedLikeKeys(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("x", 1025)
	for _, tc := range []struct {
		args []string
		line string
	}{
		{[]string{"ls", "a\tb"}, `r2kit: ls: prefix "a\tb": invalid key: control character '\t' at byte 1`},
		{[]string{"ls", "-r", "\x7f"}, `r2kit: ls: prefix "\x7f": invalid key: control character '\x7f' at byte 0`},
		{[]string{"sweep", "a\nb"}, `r2kit: sweep: prefix "a\nb": invalid key: control character '\n' at byte 1`},
		{[]string{"ls", long}, `r2kit: ls: prefix "` + long + `": invalid key: 1025 bytes, longer than 1024`},
		{[]string{"ls", "\xff"}, `r2kit: ls: prefix "\xff": invalid key: not valid UTF-8`},
	} {
		fails(t, r2kit(t, dir, tc.args...), 1, tc.line)
	}
	ok(t, dir, "put", writeFile(t, "x", []byte("x")), "../x")
	if out := ok(t, dir, "ls", "../"); out != "../x\n" {
		t.Fatalf("ls ../: %q", out)
	}
}

// put --ttl gives the object an expiry; user metadata under the
// reserved r2kit- prefix is refused.
func TestPutTTLAndReservedMetadata(t *testing.T) {
	dir := t.TempDir()
	src := writeFile(t, "x", []byte("x"))
	for _, key := range []string{"r2kit-expires", "R2KIT-Writes", "r2kit-type"} {
		fails(t, r2kit(t, dir, "put", "--metadata", key+"=1", src, "k"), 1,
			`r2kit: --metadata: invalid argument: metadata key "`+key+`" uses the reserved r2kit- prefix (only r2kit sets those keys)`)
	}
	fails(t, r2kit(t, dir, "put", "--ttl", "-1h", src, "k"), 1, "r2kit: --ttl -1h0m0s: want a positive duration")
	if r := r2kit(t, dir, "ls", "-r"); r.stdout != "" {
		t.Fatalf("a refused put stored something: %q", r.stdout)
	}
	before := time.Now().Truncate(time.Millisecond)
	ok(t, dir, "put", "--ttl", "1h", "--metadata", "owner=ops", src, "k")
	out := ok(t, dir, "stat", "k")
	m := regexp.MustCompile(`r2kit-expires: (\d+)`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "owner: ops") {
		t.Fatalf("stat after put --ttl:\n%s", out)
	}
	ms, _ := strconv.ParseInt(m[1], 10, 64)
	if exp := time.UnixMilli(ms); exp.Before(before.Add(time.Hour)) || exp.After(time.Now().Add(time.Hour)) {
		t.Fatalf("expires %v, want an hour after the put", exp)
	}
}

// s3:// and r2:// without credentials answer one line naming the
// variables to set (TestMain disables the EC2 metadata client).
func TestBucketURLWithoutCredentials(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	for _, tc := range []struct{ bucket, line string }{
		{"r2://bkt?account=0123abcd", `r2kit: storage: open "r2://bkt?account=0123abcd": s3store: no credentials for r2://bkt: ` +
			"set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to an R2 API token's access key id and secret " +
			"(or AWS_PROFILE to a profile of ~/.aws/credentials)"},
		{"s3://bkt?region=us-east-1", `r2kit: storage: open "s3://bkt?region=us-east-1": s3store: no credentials for s3://bkt: ` +
			"set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE to a profile of ~/.aws/credentials, or run with an IAM role)"},
	} {
		for _, args := range [][]string{{"ls"}, {"serve", "--addr", "127.0.0.1:0"}} {
			fails(t, invocation{args: args, env: map[string]string{"R2KIT_BUCKET": tc.bucket}}.run(t), 1, tc.line)
		}
	}
}

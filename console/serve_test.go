package console_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/internal/servetest"
)

// TestServeConsoleFlag: "r2kit serve" serves the console at / by
// default, and --console=false leaves / to the API (its 404).
func TestServeConsoleFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the r2kit command")
	}
	bin := servetest.Build(t)
	for _, tc := range []struct {
		args   []string
		status int
		body   string
	}{
		{nil, 200, `src="/console/app.js"`},
		{[]string{"--console=false"}, 404, `"invalid_request_error"`},
	} {
		p := servetest.Start(t, bin, []string{"R2KIT_API_KEYS=" + testKey}, append([]string{"--bucket", "file://" + t.TempDir()}, tc.args...)...)
		res, err := http.Get(p.Base + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.status || !strings.Contains(string(b), tc.body) {
			t.Errorf("serve %v: GET / = %d %.200s; want %d with %s", tc.args, res.StatusCode, b, tc.status, tc.body)
		}
		// The API is there either way, behind its keys.
		res, err = http.Get(p.Base + "/v1/assistants")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 401 {
			t.Errorf("serve %v: GET /v1/assistants without a key = %d, want 401", tc.args, res.StatusCode)
		}
	}
}

package api_test

import (
	"strings"
	"testing"

	"github.com/r2kit/r2kit/api"
)

// A client given the server's address without /v1 is told about the
// prefix.
func TestMissingV1Prefix(t *testing.T) {
	s, _ := newServer(t, api.Config{})
	for _, p := range []string{"/assistants", "/threads/thread_1/runs", "/files", "/models"} {
		e := errorOf(t, request{method: "GET", path: p}.send(s), 404)
		want := "Invalid URL (GET " + p + "): the API is served under the /v1 prefix (GET /v1" + p + ")"
		if !strings.HasPrefix(e.Message, want) {
			t.Errorf("GET %s: %q, want it to begin %q", p, e.Message, want)
		}
	}
	if e := errorOf(t, request{method: "GET", path: "/nope"}.send(s), 404); e.Message != "Invalid URL (GET /nope)" {
		t.Errorf("GET /nope: %q", e.Message)
	}
}

package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/api"
)

// TestThreadMessageCap: a thread is created with at most 32 initial
// messages, by POST /v1/threads and POST /v1/threads/runs; more are
// refused with a 400 naming the parameter, and nothing is stored.
func TestThreadMessageCap(t *testing.T) {
	messages := func(n int) string {
		return `[` + strings.TrimSuffix(strings.Repeat(`{"role":"user","content":"hi"},`, n), ",") + `]`
	}
	for _, tc := range []struct {
		name, path, body, param string
	}{
		{"threads", "/v1/threads", `{"messages":` + messages(33) + `}`, "messages"},
		{"threads/runs", "/v1/threads/runs", `{"assistant_id":"asst_abc","thread":{"messages":` + messages(33) + `}}`, "thread.messages"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newServer(t, api.Config{})
			w := request{method: http.MethodPost, path: tc.path, body: tc.body,
				headers: append([]string{"Content-Type", "application/json"}, beta...)}.send(s)
			e := errorOf(t, w, http.StatusBadRequest)
			want := "Invalid '" + tc.param + "': array too long. Expected an array with maximum length 32, " +
				"but got an array with length 33 instead."
			if e.param() != tc.param || e.Message != want {
				t.Errorf("param %q, message %q; want %q, %q", e.param(), e.Message, tc.param, want)
			}
			if state := bucketState(t, s.Bucket()); len(state) != 0 {
				t.Errorf("the refused request stored %v", state)
			}
		})
	}
	s, _ := newServer(t, api.Config{})
	w := request{method: http.MethodPost, path: "/v1/threads", body: `{"messages":` + messages(32) + `}`,
		headers: append([]string{"Content-Type", "application/json"}, beta...)}.send(s)
	if w.Code != http.StatusOK {
		t.Fatalf("32 messages: %d %s; want 200", w.Code, w.Body)
	}
}

package api_test

//lint:file-ignore SA1019 r2kit serves the Assistants API, which openai-go marks deprecated

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/faultstore"
)

// messageTexts lists every message of thread, oldest first, as text.
func messageTexts(t *testing.T, c openai.Client, thread string) []string {
	t.Helper()
	var texts []string
	params := openai.BetaThreadMessageListParams{Limit: openai.Int(100), Order: openai.BetaThreadMessageListParamsOrderAsc}
	for page, err := c.Beta.Threads.Messages.List(t.Context(), thread, params); ; page, err = page.GetNextPage() {
		if err != nil {
			t.Fatal(err)
		}
		if page == nil {
			return texts
		}
		for _, m := range page.Data {
			texts = append(texts, m.Content[0].Text.Value)
		}
		if !page.HasMore {
			return texts
		}
	}
}

// TestIdempotencyKey: a POST repeated with its Idempotency-Key creates
// one object and answers the first answer again; a key reused for
// another body is refused; racing requests with one key create one
// object.
func TestIdempotencyKey(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		srv := startServer(t, newBucket(t), api.Config{})
		c := openaiClient(t, srv.URL, testKey)
		ctx := t.Context()
		th, err := c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{})
		if err != nil {
			t.Fatal(err)
		}
		hc := httpClient(t)
		url := srv.URL + "/v1/threads/" + th.ID + "/messages"
		post := func(key, text string) (int, http.Header, []byte) {
			return rawRequest(t, hc, "POST", url, "application/json",
				strings.NewReader(`{"role":"user","content":"`+text+`"}`), "Idempotency-Key", key)
		}
		s1, _, b1 := post("key-1", "once")
		s2, h2, b2 := post("key-1", "once")
		if s1 != 200 || s2 != 200 || string(b1) != string(b2) || h2.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %d %s / %d %s (replayed %q); want the first answer again", s1, b1, s2, b2, h2.Get("Idempotent-Replayed"))
		}
		s3, _, b3 := post("key-1", "other")
		if s3 != 400 || !strings.Contains(string(b3), "Idempotency-Key") {
			t.Fatalf("key reused with another body: %d %s; want 400 naming the header", s3, b3)
		}

		// Racing requests with one key: one message.
		var wg sync.WaitGroup
		var ok, busy atomic.Int32
		for range 8 {
			wg.Go(func() {
				switch s, _, b := post("key-race", "raced"); s {
				case 200:
					ok.Add(1)
				case 409:
					busy.Add(1)
				default:
					t.Errorf("racing request: %d %s", s, b)
				}
			})
		}
		wg.Wait()
		texts := messageTexts(t, c, th.ID)
		if strings.Join(texts, ",") != "once,raced" {
			t.Fatalf("messages %v; want exactly once and raced (%d answered 200, %d 409)", texts, ok.Load(), busy.Load())
		}
	})
}

// dropFirstAnswer serves h, but for the first POST to a messages path
// it lets the server finish and then cuts the connection before the
// answer reaches the client: a lost answer after commit.
func dropFirstAnswer(h http.Handler, dropped *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/messages") && dropped.CompareAndSwap(false, true) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		h.ServeHTTP(w, r)
	})
}

// TestIdempotencyKeyLostAnswer: the official client, with its default
// retries, whose first answer is lost after the message was stored,
// retries: with an Idempotency-Key it gets the stored message back and
// the thread has one message; without one, the retry stores a second.
func TestIdempotencyKeyLostAnswer(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want int
	}{{"lost-answer-1", 1}, {"", 2}} {
		srv := startServer(t, backendtest.NewBucket(t, "mem"), api.Config{})
		var dropped atomic.Bool
		ts := httptest.NewServer(dropFirstAnswer(srv.Server, &dropped))
		t.Cleanup(ts.Close)
		c := openai.NewClient(option.WithBaseURL(ts.URL+"/v1/"), option.WithAPIKey(testKey), option.WithHTTPClient(httpClient(t)))
		ctx := t.Context()
		th, err := c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{})
		if err != nil {
			t.Fatal(err)
		}
		var opts []option.RequestOption
		if tc.key != "" {
			opts = append(opts, option.WithHeader("Idempotency-Key", tc.key))
		}
		m, err := c.Beta.Threads.Messages.New(ctx, th.ID, openai.BetaThreadMessageNewParams{Role: "user",
			Content: openai.BetaThreadMessageNewParamsContentUnion{OfString: openai.String("hello")}}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if !dropped.Load() {
			t.Fatal("no answer was dropped: the test tested nothing")
		}
		if texts := messageTexts(t, c, th.ID); len(texts) != tc.want || m.Content[0].Text.Value != "hello" {
			t.Fatalf("key %q: messages %v after a lost answer and a retry; want %d", tc.key, texts, tc.want)
		}
	}
}

// TestSDKRetriesUnderFaults runs the official client with its default
// retries (2, on 408, 409, 429, 5xx and connection errors) against a
// server whose storage fails 20% of its requests, under the retry
// wrapper serve uses. Every message whose create succeeded is listed
// exactly once, and no other.
func TestSDKRetriesUnderFaults(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		clean := newBucket(t)
		faulty := faultstore.New(clean, 20,
			faultstore.Rule{Kind: faultstore.Fail, Probability: 0.08},
			faultstore.Rule{Kind: faultstore.ServerError, Probability: 0.06},
			faultstore.Rule{Kind: faultstore.LostResponse, Probability: 0.06, Ops: []string{faultstore.OpPut, faultstore.OpDelete}},
		)
		srv := startServer(t, resilience.Retry(faulty, resilience.Standard), api.Config{})
		c := openai.NewClient(option.WithBaseURL(srv.URL+"/v1/"), option.WithAPIKey(testKey), option.WithHTTPClient(httpClient(t)))
		ctx := t.Context()
		var th *openai.Thread
		var err error
		for range 5 {
			if th, err = c.Beta.Threads.New(ctx, openai.BetaThreadNewParams{}); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		const n = 30
		answered := map[string]bool{}
		failed := 0
		for i := range n {
			text := fmt.Sprintf("m-%02d", i)
			if _, err := c.Beta.Threads.Messages.New(ctx, th.ID, openai.BetaThreadMessageNewParams{Role: "user",
				Content: openai.BetaThreadMessageNewParamsContentUnion{OfString: openai.String(text)}}); err != nil {
				failed++
				continue
			}
			answered[text] = true
		}
		reader := openaiClient(t, startServer(t, clean, api.Config{}).URL, testKey)
		texts := messageTexts(t, reader, th.ID)
		seen := map[string]int{}
		for _, x := range texts {
			seen[x]++
		}
		for x, k := range seen {
			if !answered[x] || k != 1 {
				t.Errorf("message %s listed %d times; its create answered success: %v", x, k, answered[x])
			}
		}
		for x := range answered {
			if seen[x] != 1 {
				t.Errorf("message %s answered success but is listed %d times", x, seen[x])
			}
		}
		t.Logf("%d creates answered success, %d failed after the client's retries; %d listed; faults %v",
			len(answered), failed, len(texts), faulty.Stats().Injected)
	})
}

// TestIdempotencyKeyAfterServerError: a 5xx answer is not kept (the
// store answers 5xx only when nothing was stored), so the retry with
// the same key, here through another server on the same bucket, runs
// and creates the message.
func TestIdempotencyKeyAfterServerError(t *testing.T) {
	clean := backendtest.NewBucket(t, "mem")
	broken := startServer(t, faultstore.New(clean, 1,
		faultstore.Rule{Kind: faultstore.Fail, Probability: 1, Ops: []string{faultstore.OpPut}, KeyPrefix: "messages/"}), api.Config{})
	healthy := startServer(t, clean, api.Config{})
	c := openaiClient(t, healthy.URL, testKey)
	th, err := c.Beta.Threads.New(t.Context(), openai.BetaThreadNewParams{})
	if err != nil {
		t.Fatal(err)
	}
	hc := httpClient(t)
	body := `{"role":"user","content":"again"}`
	path := "/v1/threads/" + th.ID + "/messages"
	if s, _, b := rawRequest(t, hc, "POST", broken.URL+path, "application/json", strings.NewReader(body), "Idempotency-Key", "k5"); s != 503 {
		t.Fatalf("through failing storage: %d %s; want 503", s, b)
	}
	if s, h, b := rawRequest(t, hc, "POST", healthy.URL+path, "application/json", strings.NewReader(body), "Idempotency-Key", "k5"); s != 200 || h.Get("Idempotent-Replayed") != "" {
		t.Fatalf("retry: %d %s (replayed %q); want a fresh 200", s, b, h.Get("Idempotent-Replayed"))
	}
	if texts := messageTexts(t, c, th.ID); len(texts) != 1 {
		t.Fatalf("messages %v; want one", texts)
	}
}

package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/storage"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// Idle keep-alive connections of the AWS SDK's shared HTTP
		// transport, from the tests over the S3 backends.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

// clock is a settable time source for TTL, lock and repair tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// allKeys returns every key in b, sorted.
func allKeys(t testing.TB, b storage.Bucket) []string {
	t.Helper()
	var keys []string
	for a, err := range storage.Objects(context.Background(), b, nil) {
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		keys = append(keys, a.Key)
	}
	return keys
}

// keysUnder returns the keys under prefix.
func keysUnder(t testing.TB, b storage.Bucket, prefix string) []string {
	t.Helper()
	var keys []string
	for _, k := range allKeys(t, b) {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			keys = append(keys, k)
		}
	}
	return keys
}

// mustThread creates an empty thread and returns its id.
func mustThread(t testing.TB, s *store.DB) string {
	t.Helper()
	d, err := s.Threads.Create(context.Background(), &assistants.ThreadCreateRequest{})
	if err != nil {
		t.Fatalf("create thread: %v", err)
	}
	return d.Value.ID
}

// userText is a create request for a user message with text.
func userText(text string) *assistants.MessageCreateRequest {
	return &assistants.MessageCreateRequest{Role: assistants.RoleUser, Content: assistants.TextInput(text)}
}

// newAssistant returns a valid assistant with id.
func newAssistant(id string) assistants.Assistant {
	return assistants.Assistant{ID: id, Model: "gpt-4o", CreatedAt: time.Now().Unix()}
}

// newRun returns a valid queued run of thread with a new id.
func newRun(thread string) assistants.Run {
	return assistants.Run{
		ID: assistants.NewID(assistants.PrefixRun), ThreadID: thread, AssistantID: "asst_1",
		CreatedAt: time.Now().Unix(), Status: assistants.RunQueued, Model: "gpt-4o",
		Instructions: "be brief",
	}
}

// newStep returns a valid in-progress message_creation step of run.
func newStep(thread, run, msg string) assistants.RunStep {
	return assistants.RunStep{
		ID: assistants.NewID(assistants.PrefixStep), ThreadID: thread, RunID: run, AssistantID: "asst_1",
		CreatedAt: time.Now().Unix(), Type: assistants.StepMessageCreation, Status: assistants.StepInProgress,
		StepDetails: assistants.StepDetails{Type: assistants.StepMessageCreation,
			MessageCreation: &assistants.MessageCreation{MessageID: msg}},
	}
}

// ids returns the ids of a list page's data.
func ids[T any](l assistants.List[T], id func(*T) string) []string {
	out := make([]string, len(l.Data))
	for i := range l.Data {
		out[i] = id(&l.Data[i])
	}
	return out
}

func msgID(m *assistants.Message) string { return m.ID }

// reversed returns a reversed copy of s.
func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/internal/hostileid"

	"github.com/r2kit/r2kit/storage"
)

func TestKeys(t *testing.T) {
	must := func(k string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	for _, tc := range []struct{ got, want string }{
		// The seed's layout, byte for byte.
		{must(AssistantKey("asst_123")), "assistants/asst_123.json"},
		{must(ThreadKey("thread_456")), "threads/thread_456.json"},
		{must(MessageKey("thread_456", "msg_789")), "messages/thread_456/msg_789.json"},
		{must(RunKey("thread_456", "run_1")), "runs/thread_456/run_1.json"},
		{must(FileKey("file-abc")), "files/file-abc.json"},
		// r2kit's additions.
		{must(StepKey("thread_456", "run_1", "step_2")), "steps/thread_456/run_1/step_2.json"},
		{must(FileBlobKey("file-abc")), "blobs/file-abc"},
		{must(ToolKey("get_weather")), "tools/get_weather.json"},
		{must(ToolKey("code_interpreter")), "tools/code_interpreter.json"},
		{must(ActiveRunLockKey("thread_456")), "locks/active-run/thread_456.json"},
		{must(ThreadMessagesPrefix("thread_456")), "messages/thread_456/"},
		{must(ThreadRunsPrefix("thread_456")), "runs/thread_456/"},
		{must(ThreadStepsPrefix("thread_456")), "steps/thread_456/"},
		{must(RunStepsPrefix("thread_456", "run_1")), "steps/thread_456/run_1/"},
	} {
		if tc.got != tc.want {
			t.Errorf("key %q; want %q", tc.got, tc.want)
		}
		if err := storage.ValidateKey(tc.got); err != nil {
			t.Errorf("key %q: %v", tc.got, err)
		}
	}
}

// keyFuncs call every key function with one argument replaced by id
// and the others valid.
var keyFuncs = map[string]func(id string) (string, error){
	"AssistantKey":           AssistantKey,
	"ThreadKey":              ThreadKey,
	"FileKey":                FileKey,
	"FileBlobKey":            FileBlobKey,
	"ToolKey":                ToolKey,
	"ActiveRunLockKey":       ActiveRunLockKey,
	"MessageKey(thread)":     func(id string) (string, error) { return MessageKey(id, "msg_1") },
	"MessageKey(msg)":        func(id string) (string, error) { return MessageKey("thread_1", id) },
	"RunKey(thread)":         func(id string) (string, error) { return RunKey(id, "run_1") },
	"RunKey(run)":            func(id string) (string, error) { return RunKey("thread_1", id) },
	"StepKey(thread)":        func(id string) (string, error) { return StepKey(id, "run_1", "step_1") },
	"StepKey(run)":           func(id string) (string, error) { return StepKey("thread_1", id, "step_1") },
	"StepKey(step)":          func(id string) (string, error) { return StepKey("thread_1", "run_1", id) },
	"ThreadMessagesPrefix":   ThreadMessagesPrefix,
	"ThreadRunsPrefix":       ThreadRunsPrefix,
	"ThreadStepsPrefix":      ThreadStepsPrefix,
	"RunStepsPrefix(thread)": func(id string) (string, error) { return RunStepsPrefix(id, "run_1") },
	"RunStepsPrefix(run)":    func(id string) (string, error) { return RunStepsPrefix("thread_1", id) },
}

func TestKeysRejectHostileIDs(t *testing.T) {
	for name, f := range keyFuncs {
		for _, tc := range hostileid.IDs {
			if tc.PrefixOnly {
				continue
			}
			ids := []string{tc.ID}
			if tc.ID != "" { // a bare prefix may be a valid tool name
				ids = append(ids, withValidPrefix(name, tc.ID))
			}
			for _, id := range ids {
				key, err := f(id)
				if err == nil {
					t.Errorf("%s(%q) = %q; want an error", name, id, key)
					continue
				}
				if !errors.Is(err, storage.ErrInvalidKey) {
					t.Errorf("%s(%q): %v does not match storage.ErrInvalidKey", name, id, err)
				}
				if key != "" {
					t.Errorf("%s(%q) returned key %q with its error", name, id, key)
				}
			}
		}
	}
}

// withValidPrefix puts the right prefix for the argument of key function
// name before id, so the test reaches the character checks.
func withValidPrefix(name, id string) string {
	switch {
	case strings.Contains(name, "(msg)"):
		return assistants.PrefixMessage + id
	case strings.Contains(name, "(run)"):
		return assistants.PrefixRun + id
	case strings.Contains(name, "(step)"):
		return assistants.PrefixStep + id
	case strings.HasPrefix(name, "Assistant"):
		return assistants.PrefixAssistant + id
	case strings.HasPrefix(name, "File"):
		return assistants.PrefixFile + id
	case strings.HasPrefix(name, "Tool"):
		return "tool" + id
	}
	return assistants.PrefixThread + id
}

func TestKeysRejectOtherEntitiesIDs(t *testing.T) {
	// An id of one kind never addresses another kind's key.
	for _, tc := range []struct {
		name string
		f    func(string) (string, error)
		id   string
	}{
		{"AssistantKey", AssistantKey, "thread_abc"},
		{"ThreadKey", ThreadKey, "asst_abc"},
		{"FileKey", FileKey, "file_abc"},
		{"FileBlobKey", FileBlobKey, "msg_abc"},
		{"ActiveRunLockKey", ActiveRunLockKey, "run_abc"},
		{"MessageKey", func(id string) (string, error) { return MessageKey("thread_1", id) }, "run_abc"},
		{"RunKey", func(id string) (string, error) { return RunKey("thread_1", id) }, "msg_abc"},
	} {
		if key, err := tc.f(tc.id); err == nil {
			t.Errorf("%s(%q) = %q; want a wrong-prefix error", tc.name, tc.id, key)
		}
	}
}

func TestToolKeyNames(t *testing.T) {
	for _, name := range []string{"", "a.b", "a b", strings.Repeat("x", 65), "naïve", "../x"} {
		if key, err := ToolKey(name); err == nil || !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("ToolKey(%q) = %q, %v; want an invalid key error", name, key, err)
		}
	}
	if _, err := ToolKey(strings.Repeat("x", 64)); err != nil {
		t.Errorf("ToolKey(64 x) = %v", err)
	}
}

func TestIDFromKey(t *testing.T) {
	for _, tc := range []struct {
		dir, key, id string
		ok           bool
	}{
		{"messages/thread_1/", "messages/thread_1/msg_2.json", "msg_2", true},
		{AssistantsPrefix, "assistants/asst_1.json", "asst_1", true},
		{BlobsPrefix, "blobs/file-1", "file-1", true},
		{"messages/thread_1/", "messages/thread_1/sub/msg_2.json", "", false},
		{"messages/thread_1/", "messages/thread_2/msg_2.json", "", false},
		{"messages/thread_1/", "messages/thread_1/msg_2.txt", "", false},
		{"messages/thread_1/", "messages/thread_1/.json", "", false},
		{BlobsPrefix, "blobs/file-1.json", "", false},
	} {
		id, ok := IDFromKey(tc.dir, tc.key)
		if id != tc.id || ok != tc.ok {
			t.Errorf("IDFromKey(%q, %q) = %q, %v; want %q, %v", tc.dir, tc.key, id, ok, tc.id, tc.ok)
		}
	}
	// Round trip from generated ids.
	thread, msg := assistants.NewID(assistants.PrefixThread), assistants.NewID(assistants.PrefixMessage)
	key, _ := MessageKey(thread, msg)
	dir, _ := ThreadMessagesPrefix(thread)
	if id, ok := IDFromKey(dir, key); !ok || id != msg {
		t.Errorf("IDFromKey(%q, %q) = %q, %v", dir, key, id, ok)
	}
}

func TestKeysSortInCreationOrder(t *testing.T) {
	thread := assistants.NewID(assistants.PrefixThread)
	prev := ""
	for range 1000 {
		k, err := MessageKey(thread, assistants.NewID(assistants.PrefixMessage))
		if err != nil {
			t.Fatal(err)
		}
		if k <= prev {
			t.Fatalf("key %q sorts before %q", k, prev)
		}
		prev = k
	}
}

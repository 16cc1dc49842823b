package store_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/hostileid"
	"github.com/r2kit/r2kit/storage"
)

// FuzzThreadKeys checks that the key functions accept exactly the ids
// assistants.ParseID accepts, and build keys of exactly the expected shape.
func FuzzThreadKeys(f *testing.F) {
	for _, tc := range hostileid.IDs {
		f.Add(tc.ID)
	}
	f.Add("thread_abc123")
	f.Add(assistants.NewID(assistants.PrefixThread))
	f.Add("thread_0b8b6a8e-4c1f-4b0e-9e2a-1f2e3d4c5b6a")
	f.Fuzz(func(t *testing.T, id string) {
		err := assistants.ParseID(assistants.PrefixThread, id)
		key, kerr := store.ThreadKey(id)
		msgs, merr := store.ThreadMessagesPrefix(id)
		if (err == nil) != (kerr == nil) || (err == nil) != (merr == nil) {
			t.Fatalf("assistants.ParseID and the key functions disagree on %q: %v / %v / %v", id, err, kerr, merr)
		}
		if err != nil {
			if !errors.Is(err, storage.ErrInvalidKey) {
				t.Fatalf("error %v does not match storage.ErrInvalidKey", err)
			}
			if key != "" || msgs != "" {
				t.Fatalf("keys %q, %q returned with an error", key, msgs)
			}
			return
		}
		// An accepted id is the prefix and [A-Za-z0-9_-], and each key
		// built from it has exactly the expected shape.
		if !strings.HasPrefix(id, assistants.PrefixThread) || len(id) > assistants.MaxIDLen || len(id) == len(assistants.PrefixThread) {
			t.Fatalf("accepted %q", id)
		}
		for i := 0; i < len(id); i++ {
			if !assistants.ValidIDChars(id[i : i+1]) {
				t.Fatalf("accepted %q with byte %q", id, id[i])
			}
		}
		if key != "threads/"+id+".json" || msgs != "messages/"+id+"/" {
			t.Fatalf("keys %q, %q for %q", key, msgs, id)
		}
		if strings.Count(key, "/") != 1 || strings.Contains(key, "..") {
			t.Fatalf("key %q escapes its prefix", key)
		}
		if err := storage.ValidateKey(key); err != nil {
			t.Fatalf("key %q: %v", key, err)
		}
		if got, ok := store.IDFromKey(store.ThreadsPrefix, key); !ok || got != id {
			t.Fatalf("IDFromKey(%q) = %q, %v", key, got, ok)
		}
	})
}

package storage_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
)

func TestValidatePrefix(t *testing.T) {
	for _, p := range []string{"", "a", "a/", "../", "..", "threads/thread_1/"} {
		if err := storage.ValidatePrefix(p); err != nil {
			t.Errorf("ValidatePrefix(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range []string{"a\tb", "\n", "\xff", strings.Repeat("k", storage.MaxKeyLen+1)} {
		if err := storage.ValidatePrefix(p); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("ValidatePrefix(%q) = %v, want an error matching ErrInvalidKey", p, err)
		}
	}
}

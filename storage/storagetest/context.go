package storagetest

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
)

// cancellingReader yields total bytes and cancels its context once after
// yielding the first after bytes. It never fails: a backend must notice
// the cancelled context, not a read error.
type cancellingReader struct {
	cancel       context.CancelFunc
	after, total int
	n            int
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	if r.n >= r.total {
		return 0, io.EOF
	}
	p = p[:min(len(p), r.total-r.n, 32<<10)]
	for i := range p {
		p[i] = byte('a' + (r.n+i)%26)
	}
	if r.n < r.after && r.n+len(p) >= r.after {
		r.cancel()
	}
	r.n += len(p)
	return len(p), nil
}

// testContext: "A cancelled or expired context makes a method return an
// error matching the context's error", and "a failed or cancelled Put
// leaves the old object intact".
func (s *suite) testContext(t *testing.T) {
	b := s.bucket(t)
	old := put(t, b, "existing", []byte("old content"), nil)
	t.Run("CancelDuringPut", func(t *testing.T) {
		for _, key := range []string{"existing", "fresh"} {
			ctx, cancel := context.WithCancel(t.Context())
			// Enough data after the cancellation that a network backend
			// cannot have sent the whole body before it notices.
			r := &cancellingReader{cancel: cancel, after: 64 << 10, total: 8 << 20}
			_, err := b.Put(ctx, key, unknownSize(r), nil)
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Put(%q) cancelled after %d of %d bytes: error %v, want one matching context.Canceled", key, r.after, r.total, err)
			} else {
				checkStorageError(t, err, "put", key)
			}
		}
		checkBody(t, b, "existing", []byte("old content"), old.ETag)
		checkMissing(t, b, "fresh")
	})
	t.Run("AlreadyCancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		check := func(op, key string, err error) {
			t.Helper()
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s %q with a cancelled context: error %v, want one matching context.Canceled", op, key, err)
				return
			}
			checkStorageError(t, err, op, key)
		}
		_, err := b.Stat(ctx, "existing")
		check("stat", "existing", err)
		_, err = b.Get(ctx, "existing", nil)
		check("get", "existing", err)
		_, err = b.Put(ctx, "existing", strings.NewReader("new"), nil)
		check("put", "existing", err)
		_, err = b.Put(ctx, "fresh", strings.NewReader("new"), nil)
		check("put", "fresh", err)
		err = b.Delete(ctx, "existing", nil)
		check("delete", "existing", err)
		_, err = b.List(ctx, &storage.ListOptions{Prefix: "ex"})
		check("list", "ex", err)
		checkBody(t, b, "existing", []byte("old content"), old.ETag)
		checkMissing(t, b, "fresh")
	})
}

package storage_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
)

func TestErrorFormat(t *testing.T) {
	const key = "assistants/asst_1.json"
	tests := []struct {
		err  *storage.Error
		want string
	}{
		{storage.Wrap("put", key, storage.ErrPreconditionFailed, nil), "put assistants/asst_1.json: precondition failed"},
		{storage.Errorf("put", key, storage.ErrPreconditionFailed, "etag %s", `"abc"`), `put assistants/asst_1.json: precondition failed: etag "abc"`},
		{storage.Errorf("get", "k", storage.ErrNotFound, "not found"), "get k: not found"},
		{storage.Errorf("get", "k", storage.ErrNotFound, "not found: gone"), "get k: not found: gone"},
		{storage.Errorf("get", "k", storage.ErrNotFound, "not found!"), "get k: not found: not found!"},
		{storage.Errorf("get", "k", storage.ErrNotFound, "nope"), "get k: not found: nope"},
		{storage.Errorf("put", "k", nil, "reading body: %w", io.ErrUnexpectedEOF), "put k: reading body: unexpected EOF"},
		{storage.Wrap("stat", "k", storage.ErrTransient, io.ErrUnexpectedEOF), "stat k: temporary failure: unexpected EOF"},
		{storage.Wrap("list", "", nil, context.Canceled), "list: context canceled"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestErrorMatching(t *testing.T) {
	raw := fmt.Errorf("HTTP 412: %w", io.ErrUnexpectedEOF)
	err := error(storage.Wrap("put", "k", storage.ErrPreconditionFailed, raw))
	if !errors.Is(err, storage.ErrPreconditionFailed) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("%v does not match both its kind and its raw cause", err)
	}
	if errors.Is(err, storage.ErrNotFound) {
		t.Errorf("%v matches ErrNotFound", err)
	}
	var se *storage.Error
	if !errors.As(err, &se) || se.Op != "put" || se.Key != "k" {
		t.Errorf("errors.As(%v) = %+v", err, se)
	}
	ctxErr := storage.Wrap("get", "k", nil, context.DeadlineExceeded)
	if !storage.IsContextError(ctxErr) || storage.IsContextError(err) {
		t.Errorf("IsContextError wrong for %v or %v", ctxErr, err)
	}
}

func TestWrapNothingPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Wrap with no kind and no cause did not panic")
		}
	}()
	_ = storage.Wrap("get", "k", nil, nil)
}

func TestOpenMem(t *testing.T) {
	ctx := t.Context()
	b1, err := storage.Open(ctx, "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer b1.Close()
	if be, ok := b1.(storage.Backend); !ok || be.Backend() != "mem" {
		t.Errorf("mem:// opened %T, want a mem backend", b1)
	}
	if _, err := b1.Put(ctx, "k", strings.NewReader("v"), nil); err != nil {
		t.Fatal(err)
	}
	b2, err := storage.Open(ctx, "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if _, err := b2.Stat(ctx, "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a second mem:// bucket is not empty: Stat = %v", err)
	}
}

func TestOpenUnknownScheme(t *testing.T) {
	_, err := storage.Open(t.Context(), "nope://bucket/path")
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "mem") {
		t.Errorf("Open(nope://) = %v, want an error naming the scheme and the registered ones", err)
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering mem twice did not panic")
		}
	}()
	storage.Register("mem", func(context.Context, *url.URL) (storage.Bucket, error) { return memstore.New(), nil })
}

package iox

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

var errOver = errors.New("over")

func TestCapReader(t *testing.T) {
	for _, c := range []struct {
		n, left int64
		tooBig  bool
	}{{10, 10, false}, {11, 10, true}, {0, 0, false}, {1, 0, true}, {1 << 20, 1<<20 - 1, true}} {
		r := CapReader(strings.NewReader(strings.Repeat("x", int(c.n))), c.left, func() error { return errOver })
		got, err := io.ReadAll(r)
		if tooBig := errors.Is(err, errOver); tooBig != c.tooBig || !tooBig && int64(len(got)) != c.n {
			t.Errorf("%d bytes, cap %d: read %d, err %v", c.n, c.left, len(got), err)
		}
	}
}

func TestContextReader(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	r := ContextReader(ctx, strings.NewReader("abc"))
	buf := make([]byte, 1)
	if n, err := r.Read(buf); n != 1 || err != nil {
		t.Fatalf("read before cancel: %d, %v", n, err)
	}
	cancel()
	if n, err := r.Read(buf); n != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %d, %v", n, err)
	}
}

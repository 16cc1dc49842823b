package memstore_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"go.uber.org/goleak"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
	"github.com/r2kit/r2kit/storage/storagetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// harness runs the suite on plain memstore Buckets.
var harness = storagetest.Harness{
	NewBucket: func(t testing.TB) storage.Bucket {
		b := memstore.New()
		t.Cleanup(func() { _ = b.Close() })
		return b
	},
}

func TestConformance(t *testing.T) {
	storagetest.RunConformanceTests(t, harness)
}

func BenchmarkMemstore(b *testing.B) {
	storagetest.RunBenchmarks(b, harness)
}

func TestBackend(t *testing.T) {
	if got := memstore.New().Backend(); got != "mem" {
		t.Errorf("Backend() = %q, want mem", got)
	}
}

func TestETagIsMD5(t *testing.T) {
	b := memstore.New()
	a, err := b.Put(t.Context(), "k", strings.NewReader("hello"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"5d41402abc4b2a76b9719d911017c592"`; a.ETag != want {
		t.Errorf("ETag = %s, want %s", a.ETag, want)
	}
}

// TestNoAliasing: changing the caller's buffers or the returned
// attributes after the fact does not change what is stored.
func TestNoAliasing(t *testing.T) {
	ctx := t.Context()
	b := memstore.New()
	data := []byte("original")
	md := map[string]string{"k": "v"}
	if _, err := b.Put(ctx, "k", bytes.NewReader(data), &storage.PutOptions{Metadata: md}); err != nil {
		t.Fatal(err)
	}
	copy(data, "XXXXXXXX")
	md["k"] = "changed"
	a, err := b.Stat(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	a.Metadata["k"] = "changed again"
	obj, err := b.Get(ctx, "k", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	got, _ := io.ReadAll(obj.Body)
	if string(got) != "original" || obj.Metadata["k"] != "v" {
		t.Errorf("Get = %q, metadata %q; want %q, v", got, obj.Metadata["k"], "original")
	}
}

// TestBodyErrorChangesNothing: a body that fails part way stores
// nothing, and the error says the body failed.
func TestBodyErrorChangesNothing(t *testing.T) {
	ctx := t.Context()
	b := memstore.New()
	a, err := b.Put(ctx, "k", strings.NewReader("old"), nil)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(boom))
	_, err = b.Put(ctx, "k", r, nil)
	var se *storage.Error
	if !errors.Is(err, boom) || !errors.As(err, &se) || se.Op != "put" || se.Key != "k" {
		t.Fatalf("Put with a failing body = %v, want a put error wrapping boom", err)
	}
	if got, _ := b.Stat(ctx, "k"); got.ETag != a.ETag {
		t.Errorf("ETag after failed Put = %s, want %s", got.ETag, a.ETag)
	}
}

// TestClosed: after Close every method, Close included, returns an error
// matching ErrClosed, also when its arguments are invalid.
func TestClosed(t *testing.T) {
	ctx := t.Context()
	b := memstore.New()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	_, errStat := b.Stat(ctx, "")
	_, errGet := b.Get(ctx, "k", nil)
	_, errPut := b.Put(ctx, "k", strings.NewReader("x"), nil)
	errDelete := b.Delete(ctx, "k", nil)
	_, errList := b.List(ctx, nil)
	errClose := b.Close()
	for name, err := range map[string]error{
		"Stat": errStat, "Get": errGet, "Put": errPut, "Delete": errDelete, "List": errList, "Close": errClose,
	} {
		if !errors.Is(err, storage.ErrClosed) {
			t.Errorf("%s after Close = %v, want an error matching ErrClosed", name, err)
		}
	}
}

func TestZeroValue(t *testing.T) {
	var b memstore.Bucket
	if _, err := b.Stat(t.Context(), "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat on the zero Bucket = %v, want ErrNotFound", err)
	}
	if _, err := b.Put(t.Context(), "k", strings.NewReader("v"), nil); err != nil {
		t.Errorf("Put on the zero Bucket: %v", err)
	}
}

func TestNegativeRangeOffset(t *testing.T) {
	b := memstore.New()
	if _, err := b.Put(t.Context(), "k", strings.NewReader("data"), nil); err != nil {
		t.Fatal(err)
	}
	_, err := b.Get(t.Context(), "k", &storage.GetOptions{Range: &storage.Range{Offset: -1, Length: 1}})
	if !errors.Is(err, storage.ErrInvalidArgument) {
		t.Errorf("Get with a negative offset = %v, want an error matching ErrInvalidArgument", err)
	}
}

func TestInvalidPutOptions(t *testing.T) {
	b := memstore.New()
	for _, opts := range []*storage.PutOptions{
		{IfNoneMatch: `"abc"`},
		{IfNoneMatch: "*", IfMatch: `"abc"`},
		{Size: -1},
	} {
		_, err := b.Put(t.Context(), "k", strings.NewReader("x"), opts)
		if !errors.Is(err, storage.ErrInvalidArgument) {
			t.Errorf("Put(%+v) = %v, want an error matching ErrInvalidArgument", opts, err)
		}
	}
}

// TestListLimit: a page holds at most storage.MaxListLimit entries, also
// when asked for more, and a malformed token is refused.
func TestListLimit(t *testing.T) {
	ctx := t.Context()
	b := memstore.New()
	for i := range storage.MaxListLimit + 5 {
		key := fmt.Sprintf("k/%04d", i)
		if _, err := b.Put(ctx, key, strings.NewReader(""), nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, limit := range []int{0, storage.MaxListLimit + 1} {
		page, err := b.List(ctx, &storage.ListOptions{Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Objects) != storage.MaxListLimit || page.NextToken == "" {
			t.Errorf("List(Limit %d): %d objects, token %q; want %d and a token", limit, len(page.Objects), page.NextToken, storage.MaxListLimit)
		}
	}
	_, err := b.List(ctx, &storage.ListOptions{Prefix: "k/", Token: "not base64!"})
	var se *storage.Error
	if !errors.Is(err, storage.ErrInvalidArgument) || !errors.As(err, &se) || se.Op != "list" || se.Key != "k/" {
		t.Errorf("List with a bad token = %v, want a list error matching ErrInvalidArgument", err)
	}
}

package storagetest

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
)

// testRoundTrip: what Put stores, Stat and Get report and read back;
// Size and ETag agree everywhere. Bodies come with and without a known
// length.
func (s *suite) testRoundTrip(t *testing.T) {
	b := s.bucket(t)
	tests := []struct {
		name  string
		size  int
		body  func(data []byte) io.Reader
		known bool // pass the length in PutOptions.Size
	}{
		{name: "Empty", size: 0, body: func(d []byte) io.Reader { return bytes.NewReader(d) }},
		{name: "EmptyUnknownSize", size: 0, body: func(d []byte) io.Reader { return unknownSize(bytes.NewReader(d)) }},
		{name: "OneByte", size: 1, body: func(d []byte) io.Reader { return unknownSize(bytes.NewReader(d)) }},
		{name: "StringsReader", size: 100, body: func(d []byte) io.Reader { return strings.NewReader(string(d)) }},
		{name: "UnknownSize", size: 256 << 10, body: func(d []byte) io.Reader { return unknownSize(bytes.NewReader(d)) }},
		{name: "KnownSize", size: 256 << 10, known: true, body: func(d []byte) io.Reader { return unknownSize(bytes.NewReader(d)) }},
		{name: "10MiB", size: 10 << 20, body: func(d []byte) io.Reader { return unknownSize(bytes.NewReader(d)) }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "roundtrip/" + tt.name
			data := randomBytes(tt.size, uint64(i))
			opts := &storage.PutOptions{}
			if tt.known {
				opts.Size = int64(tt.size)
			}
			pa, err := b.Put(t.Context(), key, tt.body(data), opts)
			if err != nil {
				t.Fatalf("Put(%q): %v", key, err)
			}
			checkPutAttrs(t, pa, key, int64(tt.size))
			sa := stat(t, b, key)
			if sa.Size != pa.Size || sa.ETag != pa.ETag {
				t.Errorf("Stat(%q): Size, ETag = %d, %s; Put returned %d, %s", key, sa.Size, sa.ETag, pa.Size, pa.ETag)
			}
			checkModTime(t, "Stat("+key+")", sa.ModTime)
			checkContent(t, b, key, data, pa)
		})
	}
	t.Run("Overwrite", func(t *testing.T) {
		key := "roundtrip/overwrite"
		put(t, b, key, []byte("first version"), nil)
		a := put(t, b, key, []byte("second"), nil)
		checkContent(t, b, key, []byte("second"), a)
	})
}

// testSizeMismatch: a body whose length differs from PutOptions.Size
// fails with ErrInvalidArgument and stores nothing.
func (s *suite) testSizeMismatch(t *testing.T) {
	b := s.bucket(t)
	old := put(t, b, "existing", []byte("old content"), nil)
	tests := []struct {
		name string
		body string
		size int64
	}{
		{"Short", "12345", 10},
		{"Long", "1234567890", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, key := range []string{"fresh", "existing"} {
				r := unknownSize(strings.NewReader(tt.body))
				_, err := b.Put(t.Context(), key, r, &storage.PutOptions{Size: tt.size})
				checkErr(t, err, storage.ErrInvalidArgument, "put", key)
			}
			checkMissing(t, b, "fresh")
			checkBody(t, b, "existing", []byte("old content"), old.ETag)
		})
	}
}

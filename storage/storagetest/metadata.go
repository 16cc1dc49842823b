package storagetest

import (
	"maps"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/storage"
)

// testMetadata: content type and user metadata round-trip through Stat
// and Get, metadata keys come back in lower case, an overwrite replaces
// them whole, and invalid metadata fails with ErrInvalidArgument without
// storing anything.
func (s *suite) testMetadata(t *testing.T) {
	b := s.bucket(t)
	t.Run("RoundTrip", func(t *testing.T) {
		md := map[string]string{"owner": "alice", "write-id": "w-123", "trace_id": "a b c"}
		put(t, b, "doc.json", []byte(`{}`), &storage.PutOptions{ContentType: "application/json", Metadata: md})
		checkMetadata(t, b, "doc.json", "application/json", md)
	})
	t.Run("KeysLowerCased", func(t *testing.T) {
		md := map[string]string{"Owner": "Bob", "X-Write-ID": "W-9"}
		put(t, b, "mixed", []byte("x"), &storage.PutOptions{ContentType: "text/plain", Metadata: md})
		checkMetadata(t, b, "mixed", "text/plain", map[string]string{"owner": "Bob", "x-write-id": "W-9"})
	})
	t.Run("OverwriteReplaces", func(t *testing.T) {
		put(t, b, "over", []byte("1"), &storage.PutOptions{
			ContentType: "text/plain",
			Metadata:    map[string]string{"old": "1", "kept-name": "old value"},
		})
		put(t, b, "over", []byte("2"), &storage.PutOptions{
			ContentType: "application/json",
			Metadata:    map[string]string{"kept-name": "new value", "new": "2"},
		})
		checkMetadata(t, b, "over", "application/json", map[string]string{"kept-name": "new value", "new": "2"})
		put(t, b, "over", []byte("3"), &storage.PutOptions{ContentType: "text/plain"})
		checkMetadata(t, b, "over", "text/plain", nil)
	})
	t.Run("Invalid", func(t *testing.T) { testInvalidMetadata(t, b) })
}

// testInvalidMetadata puts metadata ValidateMetadata refuses.
func testInvalidMetadata(t *testing.T, b storage.Bucket) {
	old := put(t, b, "existing", []byte("old"), &storage.PutOptions{Metadata: map[string]string{"v": "1"}})
	tests := []struct {
		name string
		md   map[string]string
	}{
		{"EmptyKey", map[string]string{"": "x"}},
		{"SpaceInKey", map[string]string{"bad key": "x"}},
		{"NonASCIIKey", map[string]string{"clé": "x"}},
		{"ColonInKey", map[string]string{"a:b": "x"}},
		{"NewlineInValue", map[string]string{"k": "a\nb"}},
		{"NonASCIIValue", map[string]string{"k": "café"}},
		{"CaseCollision", map[string]string{"Owner": "a", "owner": "b"}},
		{"TooLarge", map[string]string{"big": strings.Repeat("x", storage.MaxMetadataSize)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, key := range []string{"fresh", "existing"} {
				_, err := b.Put(t.Context(), key, strings.NewReader("new"), &storage.PutOptions{Metadata: tt.md})
				checkErr(t, err, storage.ErrInvalidArgument, "put", key)
			}
			checkMissing(t, b, "fresh")
			checkBody(t, b, "existing", []byte("old"), old.ETag)
		})
	}
}

// checkMetadata checks the content type and metadata Stat and Get report
// for key. A nil or empty md means no metadata.
func checkMetadata(t *testing.T, b storage.Bucket, key, contentType string, md map[string]string) {
	t.Helper()
	sa := stat(t, b, key)
	obj, _ := get(t, b, key, nil)
	for _, c := range []struct {
		op string
		a  *storage.Attrs
	}{{"Stat", sa}, {"Get", &obj.Attrs}} {
		if c.a.ContentType != contentType {
			t.Errorf("%s(%q): ContentType = %q, want %q", c.op, key, c.a.ContentType, contentType)
		}
		if !maps.Equal(c.a.Metadata, md) {
			t.Errorf("%s(%q): Metadata = %q, want %q", c.op, key, c.a.Metadata, md)
		}
	}
}

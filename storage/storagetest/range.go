package storagetest

import (
	"testing"
	"testing/iotest"

	"github.com/r2kit/r2kit/storage"
)

// testRange: Get with a Range returns the selected bytes and reports
// them in Object.Offset and Object.Length, while Attrs.Size stays the
// whole object. A negative Length reads to the end, a Length past the
// end is clipped, an offset equal to the size gives an empty body and an
// offset beyond it fails with ErrInvalidRange.
func (s *suite) testRange(t *testing.T) {
	b := s.bucket(t)
	const size = 1000
	data := randomBytes(size, 42)
	a := put(t, b, "object", data, nil)
	tests := []struct {
		name        string
		r           storage.Range
		off, length int64
	}{
		{"Start", storage.Range{Offset: 0, Length: 10}, 0, 10},
		{"Middle", storage.Range{Offset: 100, Length: 50}, 100, 50},
		{"ToEnd", storage.Range{Offset: 900, Length: -1}, 900, 100},
		{"Whole", storage.Range{Offset: 0, Length: -1}, 0, size},
		{"Clipped", storage.Range{Offset: 950, Length: 100}, 950, 50},
		{"ExactEnd", storage.Range{Offset: 990, Length: 10}, 990, 10},
		{"ZeroLength", storage.Range{Offset: 10, Length: 0}, 10, 0},
		{"OffsetAtSize", storage.Range{Offset: size, Length: -1}, size, 0},
		{"OffsetAtSizeWithLength", storage.Range{Offset: size, Length: 5}, size, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			obj, err := b.Get(t.Context(), "object", &storage.GetOptions{Range: &r})
			if err != nil {
				t.Fatalf("Get(%+v): %v", tt.r, err)
			}
			defer obj.Body.Close()
			if obj.Offset != tt.off || obj.Length != tt.length {
				t.Errorf("Get(%+v): Offset, Length = %d, %d; want %d, %d", tt.r, obj.Offset, obj.Length, tt.off, tt.length)
			}
			if obj.Size != size || obj.ETag != a.ETag {
				t.Errorf("Get(%+v): Size, ETag = %d, %s; want the whole object's %d, %s", tt.r, obj.Size, obj.ETag, size, a.ETag)
			}
			if err := iotest.TestReader(obj.Body, data[tt.off:tt.off+tt.length]); err != nil {
				t.Errorf("Get(%+v): body: %v", tt.r, err)
			}
		})
	}
	t.Run("OffsetBeyondSize", func(t *testing.T) {
		_, err := b.Get(t.Context(), "object", &storage.GetOptions{Range: &storage.Range{Offset: size + 1, Length: -1}})
		checkErr(t, err, storage.ErrInvalidRange, "get", "object")
	})
	t.Run("EmptyObject", func(t *testing.T) {
		put(t, b, "empty", nil, nil)
		obj, got := get(t, b, "empty", &storage.GetOptions{Range: &storage.Range{Offset: 0, Length: -1}})
		if len(got) != 0 || obj.Offset != 0 || obj.Length != 0 || obj.Size != 0 {
			t.Errorf("Get(empty, 0-): %d bytes, Offset %d, Length %d, Size %d; want all zero", len(got), obj.Offset, obj.Length, obj.Size)
		}
		_, err := b.Get(t.Context(), "empty", &storage.GetOptions{Range: &storage.Range{Offset: 1, Length: -1}})
		checkErr(t, err, storage.ErrInvalidRange, "get", "empty")
	})
}

package assistants

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/internal/hostileid"
	"github.com/r2kit/r2kit/storage"
)

func FuzzParseID(f *testing.F) {
	for _, tc := range hostileid.IDs {
		f.Add(tc.ID)
	}
	f.Add("thread_abc123")
	f.Add(NewID(PrefixThread))
	f.Add("thread_0b8b6a8e-4c1f-4b0e-9e2a-1f2e3d4c5b6a")
	f.Fuzz(func(t *testing.T, id string) {
		err := ParseID(PrefixThread, id)
		if err != nil {
			if !errors.Is(err, storage.ErrInvalidKey) {
				t.Fatalf("error %v does not match storage.ErrInvalidKey", err)
			}
			return
		}
		// An accepted id is the prefix and [A-Za-z0-9_-].
		if !strings.HasPrefix(id, PrefixThread) || len(id) > MaxIDLen || len(id) == len(PrefixThread) {
			t.Fatalf("accepted %q", id)
		}
		for i := 0; i < len(id); i++ {
			if !isIDByte(id[i]) {
				t.Fatalf("accepted %q with byte %q", id, id[i])
			}
		}
	})
}

func FuzzUnmarshalMessage(f *testing.F) {
	for _, dir := range []string{"testdata/openai", "testdata/full"} {
		files, _ := filepath.Glob(filepath.Join(dir, "message*.json"))
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte(`{"content":[{"type":"audio"},null,{"type":"text","text":null}],"x":1,"ID":"a","Content":[]}`))
	f.Add([]byte(`{"attachments":[{"tools":[{"type":"file_search","file_search":{"max_num_results":1}},{"type":"x"}]}]}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"metadata":null,"incomplete_details":{},"content":[{"type":"refusal"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Message
		if err := json.Unmarshal(data, &m); err != nil {
			return
		}
		_ = m.Validate() // must not panic
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("decoded %q but cannot marshal it: %v", data, err)
		}
		var m2 Message
		if err := json.Unmarshal(out, &m2); err != nil {
			t.Fatalf("cannot decode our own output %s: %v", out, err)
		}
		out2, err := json.Marshal(m2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("re-encoding is not stable:\n%s\n%s", out, out2)
		}
		if (m.Validate() == nil) != (m2.Validate() == nil) {
			t.Fatalf("validity changed across a round trip: %v / %v", m.Validate(), m2.Validate())
		}
	})
}

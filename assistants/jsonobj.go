package assistants

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// Extra holds the fields of a stored JSON object that this version of
// r2kit does not know, keyed by name, each value verbatim. A model
// decoded from JSON fills it; marshalling writes the fields back after
// the known ones, so an object written by a newer version keeps its
// newer fields when an older version rewrites it. Names that match a
// known field (in any letter case, as encoding/json matches them) are
// never kept here and are ignored when writing.
type Extra = map[string]json.RawMessage

// encodeJSON marshals v without HTML escaping (the caller's encoder
// applies its own escaping to what a MarshalJSON method returns).
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// marshalObject marshals *v (a struct type without a MarshalJSON
// method) and appends the fields of extra whose names A does not know,
// in sorted order.
func marshalObject[A any](v *A, extra Extra) ([]byte, error) {
	b, err := encodeJSON(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	known := knownFields(reflect.TypeFor[A]())
	names := make([]string, 0, len(extra))
	for name := range extra {
		if !known.has(name) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return b, nil
	}
	slices.Sort(names)
	out := bytes.NewBuffer(b[: len(b)-1 : len(b)-1]) // drop '}', never alias b
	for _, name := range names {
		var val bytes.Buffer
		if err := json.Compact(&val, extra[name]); err != nil {
			return nil, fmt.Errorf("extra field %q: %w", name, err)
		}
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		k, _ := encodeJSON(name)
		out.Write(k)
		out.WriteByte(':')
		out.Write(val.Bytes())
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// unmarshalObject decodes data into *v (a struct type without an
// UnmarshalJSON method) and returns the fields A does not know, or nil.
// JSON null leaves *v unchanged and returns nil.
func unmarshalObject[A any](data []byte, v *A) (Extra, error) {
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	known := knownFields(reflect.TypeFor[A]())
	var extra Extra
	for name, raw := range all {
		if known.has(name) {
			continue
		}
		if extra == nil {
			extra = make(Extra)
		}
		extra[name] = slices.Clone(raw)
	}
	return extra, nil
}

// fieldSet is the set of JSON field names of a struct type.
type fieldSet []string

// has reports whether name matches a field the way encoding/json
// matches object keys to fields: exactly or under Unicode case folding.
func (s fieldSet) has(name string) bool {
	for _, f := range s {
		if f == name || strings.EqualFold(f, name) {
			return true
		}
	}
	return false
}

var fieldSets sync.Map // reflect.Type -> fieldSet

// knownFields returns the JSON names of t's exported fields.
func knownFields(t reflect.Type) fieldSet {
	if s, ok := fieldSets.Load(t); ok {
		return s.(fieldSet)
	}
	var s fieldSet
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		s = append(s, name)
	}
	fieldSets.Store(t, s)
	return s
}

// orEmpty returns s, or an empty non-nil slice if s is nil, so that a
// required array marshals as [] rather than null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// typeOf returns the "type" member of a JSON object, or an error if data
// is not an object (or "type" is not a string).
func typeOf(data []byte) (string, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return "", err
	}
	return head.Type, nil
}

// isNull reports whether data is the JSON literal null.
func isNull(data []byte) bool { return string(bytes.TrimSpace(data)) == "null" }

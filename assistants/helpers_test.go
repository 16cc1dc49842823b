package assistants

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// normalize decodes JSON into generic values (numbers as float64), so
// that two texts compare equal when they mean the same.
func normalize(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("invalid JSON %s: %v", data, err)
	}
	return v
}

// keysOf returns the sorted member names of a JSON object.
func keysOf(t *testing.T, data []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("not a JSON object: %s", data)
	}
	return slices.Sorted(maps.Keys(m))
}

// mustMarshal marshals v or fails the test.
func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	return b
}

// lost returns the paths of in whose values out does not keep: every
// member of every object in in must be in out with an equal value;
// out may have more members (required ones the input lacked).
func lost(in, out any, path string) []string {
	switch iv := in.(type) {
	case map[string]any:
		ov, ok := out.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %v became %v", path, in, out)}
		}
		var diffs []string
		for _, k := range slices.Sorted(maps.Keys(iv)) {
			o, ok := ov[k]
			if !ok {
				diffs = append(diffs, path+"."+k+": dropped")
				continue
			}
			diffs = append(diffs, lost(iv[k], o, path+"."+k)...)
		}
		return diffs
	case []any:
		ov, ok := out.([]any)
		if !ok || len(ov) != len(iv) {
			return []string{fmt.Sprintf("%s: %v became %v", path, in, out)}
		}
		var diffs []string
		for i := range iv {
			diffs = append(diffs, lost(iv[i], ov[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return diffs
	}
	if !reflect.DeepEqual(in, out) {
		return []string{fmt.Sprintf("%s: %v became %v", path, in, out)}
	}
	return nil
}

// added returns the paths of out that in does not have.
func added(in, out any, path string) []string {
	iv, ok1 := in.(map[string]any)
	ov, ok2 := out.(map[string]any)
	if ok1 && ok2 {
		var paths []string
		for _, k := range slices.Sorted(maps.Keys(ov)) {
			if _, ok := iv[k]; !ok {
				paths = append(paths, path+"."+k)
				continue
			}
			paths = append(paths, added(iv[k], ov[k], path+"."+k)...)
		}
		return paths
	}
	ia, ok1 := in.([]any)
	oa, ok2 := out.([]any)
	if ok1 && ok2 && len(ia) == len(oa) {
		var paths []string
		for i := range ia {
			paths = append(paths, added(ia[i], oa[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return paths
	}
	return nil
}

func fields(s string) []string {
	f := strings.Fields(s)
	slices.Sort(f)
	return f
}

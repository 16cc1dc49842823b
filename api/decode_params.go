package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/r2kit/r2kit/assistants"
)

// Decoding errors name the member they are about the way OpenAI's
// params do: wire names joined by dots, with array indexes
// ("tools[1].function.name", "messages[0].content"). encoding/json gives
// less: an UnmarshalTypeError's Field joins the names of the struct
// fields it went through, without indexes, with the Go names of embedded
// structs ("RunCreateRequest.stream"), and a custom UnmarshalJSON
// reports a path relative to its own value. wireParam finds the member
// in the body instead.

// wireParam returns the full wire path of the member of body that path
// (a Go-side path: dotted names, perhaps with indexes; from the root of
// body, or, if nested, from some value in it) is about. kind,
// if set, is the JSON kind of the offending value ("number", "string",
// "bool", "array", "object"); the first member in document order that
// matches path and kind is the one encoding/json stopped at. If no
// member matches, path is returned without its Go names.
func wireParam(body []byte, path, kind string, nested bool) string {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var root any
	if d.Decode(&root) == nil {
		find := findMember
		if nested {
			find = findNested
		}
		if p, ok := find(root, parsePath(path), "", kind); ok {
			return p
		}
	}
	return stripGoNames(path)
}

// pathSegment is a name or, when index >= 0, an array index.
type pathSegment struct {
	name  string
	index int
}

// parsePath splits "a.b[2].c" into a, b, [2], c.
func parsePath(path string) []pathSegment {
	var segs []pathSegment
	for _, part := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			segs = append(segs, pathSegment{name: name, index: -1})
		}
		for rest != "" {
			n, after, _ := strings.Cut(rest, "]")
			if i, err := strconv.Atoi(n); err == nil {
				segs = append(segs, pathSegment{index: i})
			}
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return segs
}

// findMember searches node, at wire path prefix, for the first member
// that segs lead to and whose kind is kind ("" for any). Arrays are
// searched element by element unless segs give the index; a Go name
// that is not a member of an object is skipped (an embedded struct's). Past the end of segs, an object or array of another kind is
// searched for a member of kind (a map's value).
func findMember(node any, segs []pathSegment, prefix, kind string) (string, bool) {
	if len(segs) == 0 && (kind == "" || jsonKindOf(node) == kind) {
		return prefix, true
	}
	switch n := node.(type) {
	case []any:
		if len(segs) > 0 && segs[0].index >= 0 {
			if segs[0].index < len(n) {
				return findMember(n[segs[0].index], segs[1:], prefix+"["+strconv.Itoa(segs[0].index)+"]", kind)
			}
			return "", false
		}
		for i, el := range n {
			if p, ok := findMember(el, segs, prefix+"["+strconv.Itoa(i)+"]", kind); ok {
				return p, true
			}
		}
	case map[string]any:
		if len(segs) == 0 {
			for _, k := range slices.Sorted(mapKeys(n)) {
				if p, ok := findMember(n[k], nil, joinParam(prefix, k), kind); ok {
					return p, true
				}
			}
			return "", false
		}
		if segs[0].index >= 0 {
			return "", false
		}
		if v, ok := n[segs[0].name]; ok {
			return findMember(v, segs[1:], joinParam(prefix, segs[0].name), kind)
		}
		if isGoName(segs[0].name) {
			return findMember(n, segs[1:], prefix, kind)
		}
	}
	return "", false
}

// findNested is findMember for a path relative to some value in node
// (a custom UnmarshalJSON's): node itself, then its members and
// elements, in document order.
func findNested(node any, segs []pathSegment, prefix, kind string) (string, bool) {
	if p, ok := findMember(node, segs, prefix, kind); ok {
		return p, true
	}
	switch n := node.(type) {
	case []any:
		for i, el := range n {
			if p, ok := findNested(el, segs, prefix+"["+strconv.Itoa(i)+"]", kind); ok {
				return p, true
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(mapKeys(n)) {
			if p, ok := findNested(n[k], segs, joinParam(prefix, k), kind); ok {
				return p, true
			}
		}
	}
	return "", false
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func joinParam(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// jsonKindOf names the kind of a value decoded with UseNumber as
// encoding/json's UnmarshalTypeError.Value does.
func jsonKindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	}
	return "null"
}

// isGoName reports whether a segment of an UnmarshalTypeError's Field
// is the Go name of an embedded struct: it begins with an upper-case
// letter, and wire names are snake_case.
func isGoName(s string) bool { return s != "" && s[0] >= 'A' && s[0] <= 'Z' }

// stripGoNames drops the segments of path that are Go names.
func stripGoNames(path string) string {
	parts := strings.Split(path, ".")
	return strings.Join(slices.DeleteFunc(parts, isGoName), ".")
}

// decodeFieldError is the 400 for a *assistants.FieldError a custom
// UnmarshalJSON returned, with its path made a full wire path. One that
// wraps a type error reads like typeError's answers.
func decodeFieldError(body []byte, fe *assistants.FieldError) *Error {
	var typ *json.UnmarshalTypeError
	kind := ""
	isType := errors.As(fe.Err, &typ) && typ.Field == ""
	if isType {
		kind, _, _ = strings.Cut(typ.Value, " ")
	}
	out := *fe
	if fe.Path != "" {
		out.Path = wireParam(body, fe.Path, kind, true)
	}
	if isType && out.Path != "" {
		return InvalidRequest(out.Path, "Invalid type for '%s': %s, but got %s instead.", out.Path, fe.Reason, article(kind)).
			withCode("invalid_type")
	}
	return ErrorFor(&out)
}

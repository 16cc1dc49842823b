package vectorstore

import (
	"encoding/json"
	"fmt"
)

// Filter is a search filter on file attributes, in OpenAI's wire shape:
// a comparison {"type":"eq"|"ne"|"gt"|"gte"|"lt"|"lte"|"in"|"nin",
// "key":..., "value":...} or a compound {"type":"and"|"or",
// "filters":[...]}, nested to any depth up to MaxFilterDepth.
//
// Comparisons: eq and ne compare strings, numbers and booleans by
// type and value; gt, gte, lt and lte compare two numbers or two
// strings (byte order); in and nin take an array value and test
// membership. A file lacking the key, or holding a value of another
// type, fails every comparison but ne and nin, which it passes.
type Filter struct {
	Type    string   `json:"type"`
	Key     string   `json:"key,omitempty"`
	Value   any      `json:"value,omitempty"`
	Filters []Filter `json:"filters,omitempty"`
}

// MaxFilterDepth bounds the nesting of compound filters.
const MaxFilterDepth = 8

// ParseFilter decodes a filter from JSON and validates it; param names
// the parameter ("filters") in errors.
func ParseFilter(param string, data []byte) (*Filter, error) {
	var f Filter
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, paramErr(param, "is not a valid filter: %v", err)
	}
	if err := f.Validate(param); err != nil {
		return nil, err
	}
	return &f, nil
}

// Validate checks the filter; param names it in the *ParamError, with
// nested filters as param+".filters[i]".
func (f *Filter) Validate(param string) error { return f.validate(param, 1) }

func (f *Filter) validate(param string, depth int) error {
	if depth > MaxFilterDepth {
		return paramErr(param, "nests deeper than %d levels", MaxFilterDepth)
	}
	switch f.Type {
	case "and", "or":
		if len(f.Filters) == 0 {
			return paramErr(param+".filters", "must hold at least one filter")
		}
		if f.Key != "" || f.Value != nil {
			return paramErr(param, "a compound filter has no key or value")
		}
		for i := range f.Filters {
			if err := f.Filters[i].validate(fmt.Sprintf("%s.filters[%d]", param, i), depth+1); err != nil {
				return err
			}
		}
		return nil
	case "eq", "ne", "gt", "gte", "lt", "lte", "in", "nin":
	case "":
		return paramErr(param+".type", "is required")
	default:
		return paramErr(param+".type", "must be one of eq, ne, gt, gte, lt, lte, in, nin, and, or; not %q", f.Type)
	}
	if f.Key == "" {
		return paramErr(param+".key", "is required")
	}
	if len(f.Filters) > 0 {
		return paramErr(param+".filters", "only compound filters have filters")
	}
	switch v := f.Value.(type) {
	case nil:
		return paramErr(param+".value", "is required")
	case []any:
		if f.Type != "in" && f.Type != "nin" {
			return paramErr(param+".value", "an array is only allowed with in and nin")
		}
		for i, x := range v {
			if !scalar(x) {
				return paramErr(fmt.Sprintf("%s.value[%d]", param, i), "must be a string, number or boolean")
			}
		}
	default:
		if f.Type == "in" || f.Type == "nin" {
			return paramErr(param+".value", "must be an array with %s", f.Type)
		}
		if !scalar(v) {
			return paramErr(param+".value", "must be a string, number or boolean")
		}
		if _, isBool := v.(bool); isBool && f.Type != "eq" && f.Type != "ne" {
			return paramErr(param+".value", "booleans only compare with eq and ne")
		}
	}
	return nil
}

func scalar(v any) bool {
	switch v.(type) {
	case string, bool:
		return true
	}
	_, ok := toFloat(v)
	return ok
}

// Match reports whether attrs pass a validated filter. A nil filter
// matches everything.
func (f *Filter) Match(attrs Attributes) bool {
	if f == nil {
		return true
	}
	switch f.Type {
	case "and":
		for i := range f.Filters {
			if !f.Filters[i].Match(attrs) {
				return false
			}
		}
		return true
	case "or":
		for i := range f.Filters {
			if f.Filters[i].Match(attrs) {
				return true
			}
		}
		return false
	}
	a, ok := attrs[f.Key]
	switch f.Type {
	case "eq":
		return ok && equal(a, f.Value)
	case "ne":
		return !ok || !equal(a, f.Value)
	case "in", "nin":
		in := false
		if ok {
			for _, x := range f.Value.([]any) {
				if equal(a, x) {
					in = true
					break
				}
			}
		}
		return in == (f.Type == "in")
	}
	if !ok {
		return false
	}
	c, ok := compare(a, f.Value)
	if !ok {
		return false
	}
	switch f.Type {
	case "gt":
		return c > 0
	case "gte":
		return c >= 0
	case "lt":
		return c < 0
	default: // lte
		return c <= 0
	}
}

func equal(a, b any) bool {
	if x, ok := toFloat(a); ok {
		y, ok := toFloat(b)
		return ok && x == y
	}
	return a == b
}

// compare orders two numbers or two strings.
func compare(a, b any) (int, bool) {
	if x, ok := toFloat(a); ok {
		y, ok := toFloat(b)
		switch {
		case !ok:
			return 0, false
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	x, ok1 := a.(string)
	y, ok2 := b.(string)
	if !ok1 || !ok2 {
		return 0, false
	}
	switch {
	case x < y:
		return -1, true
	case x > y:
		return 1, true
	}
	return 0, true
}

package assistants

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits the API enforces. Lengths are in characters (Unicode code
// points), as the API counts them.
const (
	MaxMetadataPairs    = 16
	MaxMetadataKeyLen   = 64
	MaxMetadataValueLen = 512
	MaxNameLen          = 256
	MaxDescriptionLen   = 512
	MaxInstructionsLen  = 256000
	// MaxAssistantTools is the most tools an assistant (and so a run
	// using its tools) may have.
	MaxAssistantTools = 128
	// MaxRunTools is the most tools a run request may give to override
	// the assistant's.
	MaxRunTools = 20
	// MaxCodeInterpreterFiles is the most file ids of
	// tool_resources.code_interpreter.
	MaxCodeInterpreterFiles = 20
	// MaxVectorStores is the most vector store ids of
	// tool_resources.file_search.
	MaxVectorStores = 1
	// MaxVectorStoreFiles bounds the file_ids of a vector store made
	// by tool_resources.file_search.vector_stores.
	MaxVectorStoreFiles = 10000
	// MinRunTokens is the least max_prompt_tokens and
	// max_completion_tokens a run accepts.
	MinRunTokens = 256
	// MaxFileSearchResults bounds file_search.max_num_results (1..50).
	MaxFileSearchResults = 50
	// MaxFilenameLen bounds a file object's filename, in bytes.
	MaxFilenameLen = 1024
)

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ValidateMetadata checks metadata as the API does: at most 16 pairs,
// keys of 1..64 characters, values of at most 512. Errors name the
// field "metadata" and the offending key.
func ValidateMetadata(m Metadata) error {
	if len(m) > MaxMetadataPairs {
		return fieldErr("metadata", "too many keys (%d); at most %d", len(m), MaxMetadataPairs)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch n := utf8.RuneCountInString(k); {
		case n == 0:
			return fieldErr("metadata", "empty key")
		case n > MaxMetadataKeyLen:
			return fieldErr("metadata", "key %s too long (%d characters); at most %d", shorten(k), n, MaxMetadataKeyLen)
		}
		if n := utf8.RuneCountInString(m[k]); n > MaxMetadataValueLen {
			return fieldErr("metadata", "value of key %q too long (%d characters); at most %d", k, n, MaxMetadataValueLen)
		}
	}
	return nil
}

// ValidateTools checks a tools list: at most max tools (MaxAssistantTools
// for an assistant, MaxRunTools for a run's override), each of a known
// type with valid options. path names the field in errors ("tools").
func ValidateTools(path string, tools []Tool, max int) error {
	if len(tools) > max {
		return fieldErr(path, "too many tools (%d); at most %d", len(tools), max)
	}
	for i := range tools {
		if err := tools[i].Validate(); err != nil {
			return nest(fmt.Sprintf("%s[%d]", path, i), err)
		}
	}
	return nil
}

// Validate checks one tool definition: a known type; for a function, a
// name matching ^[a-zA-Z0-9_-]{1,64}$ and parameters that are a JSON
// object if present; for file_search, max_num_results 1..50 and valid
// ranking options.
func (t *Tool) Validate() error {
	if !t.Known() {
		return unknownType("type", t.Type, ToolCodeInterpreter, ToolFileSearch, ToolFunction)
	}
	if t.Type != ToolFunction && t.Function != nil {
		return fieldErr("function", "not allowed with type %s", t.Type)
	}
	if t.Type != ToolFileSearch && t.FileSearch != nil {
		return fieldErr("file_search", "not allowed with type %s", t.Type)
	}
	switch t.Type {
	case ToolFunction:
		f := t.Function
		if f == nil {
			return fieldErr("function", "required with type function")
		}
		return firstErr(
			checkFunctionName("function.name", f.Name),
			checkJSONObject("function.parameters", f.Parameters),
		)
	case ToolFileSearch:
		return t.FileSearch.validate("file_search")
	}
	return nil
}

func (o *FileSearchOptions) validate(path string) error {
	if o == nil {
		return nil
	}
	if n := o.MaxNumResults; n != nil && (*n < 1 || *n > MaxFileSearchResults) {
		return fieldErr(path+".max_num_results", "%d is out of range [1, %d]", *n, MaxFileSearchResults)
	}
	if r := o.RankingOptions; r != nil {
		if r.Ranker != "" {
			if err := checkEnum(path+".ranking_options.ranker", r.Ranker, RankerAuto, RankerDefault); err != nil {
				return err
			}
		}
		return checkRange(path+".ranking_options.score_threshold", &r.ScoreThreshold, 0, 1)
	}
	return nil
}

// checkFunctionName checks a function name against ^[a-zA-Z0-9_-]{1,64}$.
func checkFunctionName(path, name string) error {
	if functionNameRE.MatchString(name) {
		return nil
	}
	if name == "" {
		return fieldErr(path, "required")
	}
	return fieldErr(path, "%s does not match ^[a-zA-Z0-9_-]{1,64}$", shorten(name))
}

// validateToolResources checks tool_resources: at most 20
// code_interpreter file ids ("file-..."), at most 1 vector store id
// ("vs_...").
func validateToolResources(path string, r *ToolResources) error {
	if r == nil {
		return nil
	}
	if ci := r.CodeInterpreter; ci != nil {
		p := path + ".code_interpreter.file_ids"
		if len(ci.FileIDs) > MaxCodeInterpreterFiles {
			return fieldErr(p, "too many files (%d); at most %d", len(ci.FileIDs), MaxCodeInterpreterFiles)
		}
		for i, id := range ci.FileIDs {
			if err := checkID(fmt.Sprintf("%s[%d]", p, i), PrefixFile, id); err != nil {
				return err
			}
		}
	}
	if fs := r.FileSearch; fs != nil {
		p := path + ".file_search.vector_store_ids"
		if len(fs.VectorStoreIDs) > MaxVectorStores {
			return fieldErr(p, "too many vector stores (%d); at most %d", len(fs.VectorStoreIDs), MaxVectorStores)
		}
		for i, id := range fs.VectorStoreIDs {
			if err := checkID(fmt.Sprintf("%s[%d]", p, i), PrefixVectorStore, id); err != nil {
				return err
			}
		}
		vp := path + ".file_search.vector_stores"
		switch {
		case len(fs.VectorStores) > MaxVectorStores:
			return fieldErr(vp, "too many vector stores (%d); at most %d", len(fs.VectorStores), MaxVectorStores)
		case len(fs.VectorStores) > 0 && len(fs.VectorStoreIDs) > 0:
			return fieldErr(vp, "not allowed with vector_store_ids: give one or the other")
		}
		for i, v := range fs.VectorStores {
			p := fmt.Sprintf("%s[%d]", vp, i)
			if len(v.FileIDs) > MaxVectorStoreFiles {
				return fieldErr(p+".file_ids", "too many files (%d); at most %d", len(v.FileIDs), MaxVectorStoreFiles)
			}
			for j, id := range v.FileIDs {
				if err := checkID(fmt.Sprintf("%s.file_ids[%d]", p, j), PrefixFile, id); err != nil {
					return err
				}
			}
			if err := ValidateMetadata(v.Metadata); err != nil {
				return nest(p, err)
			}
		}
	}
	return nil
}

// checkID checks a required id field with ParseID.
func checkID(path, prefix, id string) error {
	if err := ParseID(prefix, id); err != nil {
		return &FieldError{Path: path, Reason: err.Error(), Err: err}
	}
	return nil
}

// checkOptID checks a nullable id field.
func checkOptID(path, prefix string, id *string) error {
	if id == nil {
		return nil
	}
	return checkID(path, prefix, *id)
}

// checkObject checks the object member: empty (filled in when written)
// or want.
func checkObject(got, want string) error {
	if got != "" && got != want {
		return fieldErr("object", "%s is not %q", shorten(got), want)
	}
	return nil
}

func checkTimestamp(path string, t int64) error {
	if t < 0 {
		return fieldErr(path, "%d is negative; timestamps are Unix seconds", t)
	}
	return nil
}

func checkOptTimestamp(path string, t *int64) error {
	if t == nil {
		return nil
	}
	return checkTimestamp(path, *t)
}

func checkRequired(path, s string) error {
	if s == "" {
		return fieldErr(path, "required")
	}
	return nil
}

// checkMaxLen checks a nullable string's length in characters.
func checkMaxLen(path string, s *string, max int) error {
	if s == nil {
		return nil
	}
	return checkLen(path, *s, max)
}

func checkLen(path, s string, max int) error {
	if len(s) <= max { // bytes >= characters: cheap accept
		return nil
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fieldErr(path, "too long (%d characters); at most %d", n, max)
	}
	return nil
}

// checkRange checks a nullable number lies in [lo, hi] (NaN does not).
func checkRange(path string, v *float64, lo, hi float64) error {
	if v == nil {
		return nil
	}
	if !(*v >= lo && *v <= hi) { // false for NaN too
		return fieldErr(path, "%v is out of range [%v, %v]", *v, lo, hi)
	}
	return nil
}

func checkMinTokens(path string, v *int64) error {
	if v != nil && *v < MinRunTokens {
		return fieldErr(path, "%d is below the minimum of %d", *v, MinRunTokens)
	}
	return nil
}

func validateUsage(path string, u *Usage) error {
	if u == nil {
		return nil
	}
	switch {
	case u.PromptTokens < 0:
		return fieldErr(path+".prompt_tokens", "%d is negative", u.PromptTokens)
	case u.CompletionTokens < 0:
		return fieldErr(path+".completion_tokens", "%d is negative", u.CompletionTokens)
	case u.TotalTokens < 0:
		return fieldErr(path+".total_tokens", "%d is negative", u.TotalTokens)
	}
	return nil
}

// checkEnum checks that v is one of allowed.
func checkEnum(path, v string, allowed ...string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	if v == "" {
		return fieldErr(path, "required; one of %s", strings.Join(allowed, ", "))
	}
	return fieldErr(path, "%s is not one of %s", shorten(v), strings.Join(allowed, ", "))
}

// unknownType reports a polymorphic value of a type this version does
// not know (or none).
func unknownType(path, typ string, allowed ...string) error {
	return unknownTypeAt(path, typ, allowed...)
}

func unknownTypeAt(path, typ string, allowed ...string) error {
	if typ == "" {
		return fieldErr(path, "required; one of %s", strings.Join(allowed, ", "))
	}
	return fieldErr(path, "unknown type %s; expected one of %s", shorten(typ), strings.Join(allowed, ", "))
}

func checkDetail(path, d string) error {
	if d == "" {
		return nil
	}
	return checkEnum(path, d, DetailAuto, DetailLow, DetailHigh)
}

// checkImageURL checks an image URL: an absolute http, https or data
// URL.
func checkImageURL(path, s string) error {
	if s == "" {
		return fieldErr(path, "required")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fieldErr(path, "not a valid URL: %s", shorten(s))
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return fieldErr(path, "%s has no host", shorten(s))
		}
		return nil
	case "data":
		return nil
	}
	return fieldErr(path, "%s is not an http, https or data URL", shorten(s))
}

// checkJSONObject checks that raw, if present, is a JSON object.
func checkJSONObject(path string, raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return fieldErr(path, "must be a JSON object")
	}
	return nil
}

func checkFileBytes(path string, n int64) error {
	if n < 0 || n > MaxStoredFileBytes {
		return fieldErr(path, "%d is out of range [0, %d]", n, int64(MaxStoredFileBytes))
	}
	return nil
}

// checkFilename checks a file object's filename: non-empty, valid
// UTF-8, no control characters, at most MaxFilenameLen bytes.
func checkFilename(path, name string) error {
	switch {
	case name == "":
		return fieldErr(path, "required")
	case len(name) > MaxFilenameLen:
		return fieldErr(path, "too long (%d bytes); at most %d", len(name), MaxFilenameLen)
	case !utf8.ValidString(name):
		return fieldErr(path, "not valid UTF-8")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fieldErr(path, "control character %q", r)
		}
	}
	return nil
}

// shorten quotes s for an error message, keeping at most 64 bytes.
func shorten(s string) string { return quoteID(s) }

// functionNameRE is the pattern of function and tool names (and of
// json_schema response format names).
var functionNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// CheckToolName reports whether name can be a tool name (and so a key
// segment): [a-zA-Z0-9_-]{1,64}. The error is an *IDError matching
// storage.ErrInvalidKey.
func CheckToolName(name string) error {
	if functionNameRE.MatchString(name) {
		return nil
	}
	reason := "must match ^[a-zA-Z0-9_-]{1,64}$"
	switch {
	case name == "":
		reason = "empty; " + reason
	case len(name) > 64:
		reason = fmt.Sprintf("%d bytes; %s", len(name), reason)
	default:
		if r := checkIDChars(name); r != "" {
			reason = r
		}
	}
	return &IDError{What: "tool name", ID: name, Reason: reason}
}

// CheckID checks a required id field with ParseID: the error is a
// *FieldError naming path, wrapping the *IDError.
func CheckID(path, prefix, id string) error { return checkID(path, prefix, id) }

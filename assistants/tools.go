package assistants

import (
	"encoding/json"
	"slices"
)

// Tool types.
const (
	ToolCodeInterpreter = "code_interpreter"
	ToolFileSearch      = "file_search"
	ToolFunction        = "function"
)

// Tool is a tool definition, as an assistant's or run's tools list and
// a message attachment carry it, and as the tools collection stores it
// by name:
//
//	{"type":"code_interpreter"}
//	{"type":"file_search","file_search":{"max_num_results":20,"ranking_options":{...}}}
//	{"type":"function","function":{"name","description","parameters","strict"}}
//
// A tool of a type this version does not know decodes without error and
// marshals back verbatim, but fails Validate (r2kit never writes what it
// cannot check).
type Tool struct {
	// Type is ToolCodeInterpreter, ToolFileSearch or ToolFunction.
	Type string
	// FileSearch holds file_search's options; nil omits them.
	FileSearch *FileSearchOptions
	// Function is the function's definition (type function only).
	Function *FunctionDefinition
	// Extra holds unknown members of the tool object (see Extra).
	Extra Extra

	raw json.RawMessage // the whole object, for an unknown type
}

// CodeInterpreterTool returns the code_interpreter tool.
func CodeInterpreterTool() Tool { return Tool{Type: ToolCodeInterpreter} }

// FileSearchTool returns the file_search tool with options opts (may be
// nil).
func FileSearchTool(opts *FileSearchOptions) Tool {
	return Tool{Type: ToolFileSearch, FileSearch: opts}
}

// FunctionTool returns a function tool.
func FunctionTool(def FunctionDefinition) Tool {
	return Tool{Type: ToolFunction, Function: &def}
}

// Name returns the tool's name: the function's name for a function
// tool, else the tool's type. It is the name ToolKey stores it under.
func (t Tool) Name() string {
	if t.Type == ToolFunction && t.Function != nil {
		return t.Function.Name
	}
	return t.Type
}

// Known reports whether t's type is one this version understands.
func (t Tool) Known() bool { return t.raw == nil && isKnownTool(t.Type) }

func isKnownTool(typ string) bool {
	return typ == ToolCodeInterpreter || typ == ToolFileSearch || typ == ToolFunction
}

// FunctionDefinition defines a function tool.
type FunctionDefinition struct {
	// Name matches ^[a-zA-Z0-9_-]{1,64}$.
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Parameters is a JSON Schema object; absent means no parameters.
	Parameters json.RawMessage `json:"parameters,omitempty"`
	Strict     *bool           `json:"strict,omitempty"`
}

// FileSearchOptions are file_search's options.
type FileSearchOptions struct {
	// MaxNumResults is 1..50; nil means the default.
	MaxNumResults  *int                      `json:"max_num_results,omitempty"`
	RankingOptions *FileSearchRankingOptions `json:"ranking_options,omitempty"`
}

// File search rankers.
const (
	RankerAuto    = "auto"
	RankerDefault = "default_2024_08_21"
)

// FileSearchRankingOptions are the ranking options of file_search (and
// of a file_search tool call).
type FileSearchRankingOptions struct {
	// Ranker is RankerAuto or RankerDefault; "" is omitted.
	Ranker         string  `json:"ranker,omitempty"`
	ScoreThreshold float64 `json:"score_threshold"`
}

type toolJSON struct {
	Type       string              `json:"type"`
	FileSearch *FileSearchOptions  `json:"file_search,omitempty"`
	Function   *FunctionDefinition `json:"function,omitempty"`
}

// MarshalJSON writes the tool in its wire form.
func (t Tool) MarshalJSON() ([]byte, error) {
	if t.raw != nil {
		return slices.Clone(t.raw), nil
	}
	w := toolJSON{Type: t.Type, FileSearch: t.FileSearch, Function: t.Function}
	return marshalObject(&w, t.Extra)
}

// UnmarshalJSON reads a tool; an unknown type is kept verbatim.
func (t *Tool) UnmarshalJSON(data []byte) error {
	if isNull(data) {
		return nil
	}
	typ, err := typeOf(data)
	if err != nil {
		return err
	}
	if !isKnownTool(typ) {
		*t = Tool{Type: typ, raw: slices.Clone(data)}
		return nil
	}
	var w toolJSON
	extra, err := unmarshalObject(data, &w)
	if err != nil {
		return err
	}
	*t = Tool{Type: w.Type, FileSearch: w.FileSearch, Function: w.Function, Extra: extra}
	return nil
}

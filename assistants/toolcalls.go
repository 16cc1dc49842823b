package assistants

import (
	"encoding/json"
	"fmt"
	"slices"
)

// ToolCall is one tool call of a tool_calls run step:
//
//	{"id","type":"code_interpreter","code_interpreter":{"input","outputs":[...]}}
//	{"id","type":"file_search","file_search":{"ranking_options","results"}}
//	{"id","type":"function","function":{"name","arguments","output"}}
//
// A call of an unknown type decodes and marshals back verbatim but fails
// Validate.
type ToolCall struct {
	ID              string
	Type            string
	CodeInterpreter *CodeInterpreterCall // type code_interpreter
	FileSearch      *FileSearchCall      // type file_search
	Function        *FunctionCall        // type function

	raw json.RawMessage
}

// CodeInterpreterCall is the input and outputs of a code_interpreter
// call.
type CodeInterpreterCall struct {
	Input   string       `json:"input"`
	Outputs []CodeOutput `json:"outputs"`
}

// MarshalJSON writes outputs as [] when empty.
func (c CodeInterpreterCall) MarshalJSON() ([]byte, error) {
	type plain CodeInterpreterCall
	p := plain(c)
	p.Outputs = orEmpty(p.Outputs)
	return encodeJSON(p)
}

// Code interpreter output types.
const (
	CodeOutputLogs  = "logs"
	CodeOutputImage = "image"
)

// CodeOutput is one output of a code_interpreter call:
// {"type":"logs","logs"} or {"type":"image","image":{"file_id"}}. An
// output of an unknown type decodes and marshals back verbatim but
// fails Validate.
type CodeOutput struct {
	Type  string
	Logs  string   // type logs
	Image *FileRef // type image

	raw json.RawMessage
}

type codeOutputJSON struct {
	Type  string   `json:"type"`
	Logs  *string  `json:"logs,omitempty"`
	Image *FileRef `json:"image,omitempty"`
}

// MarshalJSON writes the output in its wire form.
func (o CodeOutput) MarshalJSON() ([]byte, error) {
	if o.raw != nil {
		return slices.Clone(o.raw), nil
	}
	w := codeOutputJSON{Type: o.Type, Image: o.Image}
	if o.Type == CodeOutputLogs || o.Logs != "" {
		w.Logs = &o.Logs
	}
	return encodeJSON(w)
}

// UnmarshalJSON reads an output; an unknown type is kept verbatim.
func (o *CodeOutput) UnmarshalJSON(data []byte) error {
	*o = CodeOutput{}
	if isNull(data) {
		return nil
	}
	typ, err := typeOf(data)
	if err != nil {
		return err
	}
	if typ != CodeOutputLogs && typ != CodeOutputImage {
		*o = CodeOutput{Type: typ, raw: slices.Clone(data)}
		return nil
	}
	var w codeOutputJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*o = CodeOutput{Type: w.Type, Image: w.Image}
	if w.Logs != nil {
		o.Logs = *w.Logs
	}
	return nil
}

// FileSearchCall is the ranking options and results of a file_search
// call; both members are optional.
//
// Query is r2kit's own: the query the model searched for, stored with
// the step so that a later turn can replay the call to the model. It
// is not part of OpenAI's object: PresentStep removes it, as it removes
// the results' content unless asked for.
type FileSearchCall struct {
	RankingOptions *FileSearchRankingOptions `json:"ranking_options,omitempty"`
	Results        []FileSearchResult        `json:"results,omitempty"`
	Query          string                    `json:"r2kit_query,omitempty"`
}

// FileSearchResult is one result of a file_search call.
type FileSearchResult struct {
	FileID   string  `json:"file_id"`
	FileName string  `json:"file_name"`
	Score    float64 `json:"score"`
	// Content is present only when requested.
	Content []FileSearchResultContent `json:"content,omitempty"`
}

// FileSearchResultContent is a piece of a result's content:
// {"type":"text","text"}.
type FileSearchResultContent struct {
	Type string `json:"type,omitempty"`
	Text string `json:"text,omitempty"`
}

// FunctionCall is the name, arguments and output of a function call.
// Output is null until the tool outputs are submitted.
type FunctionCall struct {
	Name      string  `json:"name"`
	Arguments string  `json:"arguments"`
	Output    *string `json:"output"`
}

type toolCallJSON struct {
	ID              string               `json:"id"`
	Type            string               `json:"type"`
	CodeInterpreter *CodeInterpreterCall `json:"code_interpreter,omitempty"`
	FileSearch      *FileSearchCall      `json:"file_search,omitempty"`
	Function        *FunctionCall        `json:"function,omitempty"`
}

// MarshalJSON writes the call in its wire form.
func (c ToolCall) MarshalJSON() ([]byte, error) {
	if c.raw != nil {
		return slices.Clone(c.raw), nil
	}
	w := toolCallJSON{ID: c.ID, Type: c.Type, CodeInterpreter: c.CodeInterpreter, FileSearch: c.FileSearch, Function: c.Function}
	if c.Type == ToolFileSearch && w.FileSearch == nil {
		w.FileSearch = &FileSearchCall{} // required member: {}
	}
	return encodeJSON(w)
}

// UnmarshalJSON reads a call; an unknown type is kept verbatim.
func (c *ToolCall) UnmarshalJSON(data []byte) error {
	*c = ToolCall{}
	if isNull(data) {
		return nil
	}
	typ, err := typeOf(data)
	if err != nil {
		return err
	}
	if !isKnownTool(typ) {
		var head struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(data, &head)
		*c = ToolCall{ID: head.ID, Type: typ, raw: slices.Clone(data)}
		return nil
	}
	var w toolCallJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*c = ToolCall{ID: w.ID, Type: w.Type, CodeInterpreter: w.CodeInterpreter, FileSearch: w.FileSearch, Function: w.Function}
	return nil
}

// Validate checks the call: an id, a known type with its member, and
// the member's contents.
func (c *ToolCall) Validate() error {
	if c.raw != nil || !isKnownTool(c.Type) {
		return unknownType("type", c.Type, ToolCodeInterpreter, ToolFileSearch, ToolFunction)
	}
	if err := checkID("id", "", c.ID); err != nil {
		return err
	}
	set := map[string]bool{
		ToolCodeInterpreter: c.CodeInterpreter != nil,
		ToolFileSearch:      c.FileSearch != nil,
		ToolFunction:        c.Function != nil,
	}
	for _, other := range []string{ToolCodeInterpreter, ToolFileSearch, ToolFunction} {
		if other != c.Type && set[other] {
			return fieldErr(other, "not allowed with type %s", c.Type)
		}
	}
	switch c.Type {
	case ToolCodeInterpreter:
		if c.CodeInterpreter == nil {
			return fieldErr("code_interpreter", "required with type code_interpreter")
		}
		for i := range c.CodeInterpreter.Outputs {
			if err := c.CodeInterpreter.Outputs[i].validate(); err != nil {
				return nest(fmt.Sprintf("code_interpreter.outputs[%d]", i), err)
			}
		}
	case ToolFileSearch:
		return c.FileSearch.validate("file_search")
	case ToolFunction:
		if c.Function == nil {
			return fieldErr("function", "required with type function")
		}
		if c.Function.Name == "" {
			return fieldErr("function.name", "required")
		}
	}
	return nil
}

func (o *CodeOutput) validate() error {
	switch {
	case o.raw != nil || (o.Type != CodeOutputLogs && o.Type != CodeOutputImage):
		return unknownType("type", o.Type, CodeOutputLogs, CodeOutputImage)
	case o.Type == CodeOutputLogs && o.Image != nil:
		return fieldErr("image", "not allowed with type logs")
	case o.Type == CodeOutputImage && o.Logs != "":
		return fieldErr("logs", "not allowed with type image")
	case o.Type == CodeOutputImage && o.Image == nil:
		return fieldErr("image", "required with type image")
	case o.Type == CodeOutputImage:
		return checkID("image.file_id", PrefixFile, o.Image.FileID)
	}
	return nil
}

func (f *FileSearchCall) validate(path string) error {
	if f == nil {
		return nil
	}
	if r := f.RankingOptions; r != nil {
		if err := checkEnum(path+".ranking_options.ranker", r.Ranker, RankerAuto, RankerDefault); err != nil {
			return err
		}
		if err := checkRange(path+".ranking_options.score_threshold", &r.ScoreThreshold, 0, 1); err != nil {
			return err
		}
	}
	for i, res := range f.Results {
		p := fmt.Sprintf("%s.results[%d]", path, i)
		if err := checkID(p+".file_id", PrefixFile, res.FileID); err != nil {
			return err
		}
		if err := checkRange(p+".score", &res.Score, 0, 1); err != nil {
			return err
		}
	}
	return nil
}

// IncludeFileSearchContent is the include[] value of the run and run
// step endpoints that asks for the content of file_search results.
const IncludeFileSearchContent = "step_details.tool_calls[*].file_search.results[*].content"

// PresentStep returns s as the API answers it: its file_search calls
// without r2kit's query, and their results without content unless
// withContent (include[]=IncludeFileSearchContent). s is not changed.
func PresentStep(s RunStep, withContent bool) RunStep {
	var calls []ToolCall
	for i, c := range s.StepDetails.ToolCalls {
		if c.Type != ToolFileSearch || c.FileSearch == nil {
			continue
		}
		if calls == nil {
			calls = slices.Clone(s.StepDetails.ToolCalls)
		}
		fs := *c.FileSearch
		fs.Query = ""
		if !withContent && len(fs.Results) > 0 {
			fs.Results = slices.Clone(fs.Results)
			for j := range fs.Results {
				fs.Results[j].Content = nil
			}
		}
		calls[i].FileSearch = &fs
	}
	if calls != nil {
		s.StepDetails.ToolCalls = calls
	}
	return s
}

package assistants

import (
	"encoding/json"
	"slices"
)

// Response format types. ResponseFormatAuto is the string form "auto";
// the others are objects {"type": ...}.
const (
	ResponseFormatAuto       = "auto"
	ResponseFormatText       = "text"
	ResponseFormatJSONObject = "json_object"
	ResponseFormatJSONSchema = "json_schema"
)

// ResponseFormat is an assistant's or run's response_format: the string
// "auto", or {"type":"text"}, {"type":"json_object"} or
// {"type":"json_schema","json_schema":{...}}. The zero value is null.
// A form this version does not know decodes and marshals back verbatim
// but fails validation.
type ResponseFormat struct {
	// Type is one of the ResponseFormat constants, or "" for null.
	Type       string
	JSONSchema *JSONSchemaFormat

	raw json.RawMessage
}

// AutoResponseFormat returns the response format "auto".
func AutoResponseFormat() ResponseFormat { return ResponseFormat{Type: ResponseFormatAuto} }

// JSONSchemaFormat is the json_schema member of a json_schema response
// format.
type JSONSchemaFormat struct {
	// Name matches ^[a-zA-Z0-9_-]{1,64}$.
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// IsZero reports whether f is null.
func (f ResponseFormat) IsZero() bool { return f.Type == "" && f.raw == nil }

type responseFormatJSON struct {
	Type       string            `json:"type"`
	JSONSchema *JSONSchemaFormat `json:"json_schema,omitempty"`
}

// MarshalJSON writes null, "auto" or the object form.
func (f ResponseFormat) MarshalJSON() ([]byte, error) {
	switch {
	case f.raw != nil:
		return slices.Clone(f.raw), nil
	case f.Type == "":
		return []byte("null"), nil
	case f.Type == ResponseFormatAuto:
		return []byte(`"auto"`), nil
	}
	return encodeJSON(responseFormatJSON{Type: f.Type, JSONSchema: f.JSONSchema})
}

// UnmarshalJSON reads null, "auto" or an object.
func (f *ResponseFormat) UnmarshalJSON(data []byte) error {
	*f = ResponseFormat{}
	if isNull(data) {
		return nil
	}
	var s string
	if json.Unmarshal(data, &s) == nil {
		if s == ResponseFormatAuto {
			f.Type = s
		} else {
			f.Type, f.raw = s, slices.Clone(data)
		}
		return nil
	}
	var w responseFormatJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	switch w.Type {
	case ResponseFormatText, ResponseFormatJSONObject, ResponseFormatJSONSchema:
		f.Type, f.JSONSchema = w.Type, w.JSONSchema
	default:
		f.Type, f.raw = w.Type, slices.Clone(data)
	}
	return nil
}

func (f ResponseFormat) validate(path string) error {
	switch {
	case f.raw != nil:
		return fieldErr(path, "unknown response format %s; expected \"auto\" or an object of type text, json_object or json_schema", shorten(string(f.raw)))
	case f.Type == "", f.Type == ResponseFormatAuto:
		return nil
	case f.Type == ResponseFormatText, f.Type == ResponseFormatJSONObject:
		if f.JSONSchema != nil {
			return fieldErr(path+".json_schema", "not allowed with type %s", f.Type)
		}
		return nil
	case f.Type == ResponseFormatJSONSchema:
		s := f.JSONSchema
		if s == nil {
			return fieldErr(path+".json_schema", "required with type json_schema")
		}
		if !functionNameRE.MatchString(s.Name) {
			return fieldErr(path+".json_schema.name", "%s does not match ^[a-zA-Z0-9_-]{1,64}$", shorten(s.Name))
		}
		return checkJSONObject(path+".json_schema.schema", s.Schema)
	}
	return fieldErr(path+".type", "%s is not one of text, json_object, json_schema", shorten(f.Type))
}

// Tool choice modes (the string forms of tool_choice).
const (
	ToolChoiceNone     = "none"
	ToolChoiceAuto     = "auto"
	ToolChoiceRequired = "required"
)

// ToolChoice is a run's tool_choice: one of the strings "none", "auto",
// "required", or an object naming a tool,
// {"type":"function","function":{"name"}} or {"type":"file_search"}.
// The zero value is null. A form this version does not know decodes and
// marshals back verbatim but fails validation.
type ToolChoice struct {
	// Mode is the string form; "" when Tool is set or for null.
	Mode string
	// Tool is the object form.
	Tool *NamedToolChoice

	raw json.RawMessage
}

// NamedToolChoice forces a specific tool.
type NamedToolChoice struct {
	// Type is ToolFunction, ToolCodeInterpreter or ToolFileSearch.
	Type string `json:"type"`
	// Function names the function (type function only).
	Function *FunctionName `json:"function,omitempty"`
}

// FunctionName is {"name"}.
type FunctionName struct {
	Name string `json:"name"`
}

// IsZero reports whether c is null.
func (c ToolChoice) IsZero() bool { return c.Mode == "" && c.Tool == nil && c.raw == nil }

// MarshalJSON writes null, the mode string or the object.
func (c ToolChoice) MarshalJSON() ([]byte, error) {
	switch {
	case c.raw != nil:
		return slices.Clone(c.raw), nil
	case c.Tool != nil:
		return encodeJSON(c.Tool)
	case c.Mode == "":
		return []byte("null"), nil
	}
	return encodeJSON(c.Mode)
}

// UnmarshalJSON reads null, a mode string or an object.
func (c *ToolChoice) UnmarshalJSON(data []byte) error {
	*c = ToolChoice{}
	if isNull(data) {
		return nil
	}
	var s string
	if json.Unmarshal(data, &s) == nil {
		switch s {
		case ToolChoiceNone, ToolChoiceAuto, ToolChoiceRequired:
			c.Mode = s
		default:
			c.raw = slices.Clone(data)
		}
		return nil
	}
	var t NamedToolChoice
	if err := json.Unmarshal(data, &t); err != nil {
		return err
	}
	if !isKnownTool(t.Type) {
		c.raw = slices.Clone(data)
		return nil
	}
	c.Tool = &t
	return nil
}

func (c ToolChoice) validate(path string) error {
	switch {
	case c.raw != nil:
		return fieldErr(path, "unknown tool choice %s; expected none, auto, required or {\"type\":...}", shorten(string(c.raw)))
	case c.Tool == nil:
		return nil
	case c.Mode != "":
		return fieldErr(path, "both a mode (%q) and a tool are set", c.Mode)
	}
	switch c.Tool.Type {
	case ToolFunction:
		if c.Tool.Function == nil {
			return fieldErr(path+".function", "required with type function")
		}
		return checkFunctionName(path+".function.name", c.Tool.Function.Name)
	case ToolCodeInterpreter, ToolFileSearch:
		if c.Tool.Function != nil {
			return fieldErr(path+".function", "not allowed with type %s", c.Tool.Type)
		}
		return nil
	}
	return fieldErr(path+".type", "%s is not one of function, code_interpreter, file_search", shorten(c.Tool.Type))
}

// Truncation strategy types.
const (
	TruncationAuto         = "auto"
	TruncationLastMessages = "last_messages"
)

// TruncationStrategy controls how a thread is truncated before a run:
// {"type":"auto"|"last_messages","last_messages":n|null}.
type TruncationStrategy struct {
	Type string `json:"type"`
	// LastMessages is the number of recent messages kept (type
	// last_messages); null otherwise.
	LastMessages *int `json:"last_messages"`
}

func (t *TruncationStrategy) validate(path string) error {
	if t == nil {
		return nil
	}
	switch t.Type {
	case TruncationAuto, TruncationLastMessages:
	default:
		return fieldErr(path+".type", "%s is not one of auto, last_messages", shorten(t.Type))
	}
	if t.LastMessages != nil && *t.LastMessages < 1 {
		return fieldErr(path+".last_messages", "%d is below the minimum of 1", *t.LastMessages)
	}
	return nil
}

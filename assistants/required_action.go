package assistants

import "fmt"

// RequiredAction is what a run in status requires_action waits for:
// {"type":"submit_tool_outputs","submit_tool_outputs":{"tool_calls":[...]}}.
type RequiredAction struct {
	// Type is "submit_tool_outputs"; marshalling fills it in when empty.
	Type              string            `json:"type"`
	SubmitToolOutputs SubmitToolOutputs `json:"submit_tool_outputs"`
}

// RequiredActionSubmitToolOutputs is the only RequiredAction type.
const RequiredActionSubmitToolOutputs = "submit_tool_outputs"

// MarshalJSON fills in the type.
func (r RequiredAction) MarshalJSON() ([]byte, error) {
	type plain RequiredAction
	p := plain(r)
	p.Type = orDefault(p.Type, RequiredActionSubmitToolOutputs)
	return encodeJSON(p)
}

// SubmitToolOutputs lists the function calls whose outputs the run
// waits for.
type SubmitToolOutputs struct {
	ToolCalls []RunToolCall `json:"tool_calls"`
}

// MarshalJSON writes tool_calls as [] when empty.
func (s SubmitToolOutputs) MarshalJSON() ([]byte, error) {
	type plain SubmitToolOutputs
	p := plain(s)
	p.ToolCalls = orEmpty(p.ToolCalls)
	return encodeJSON(p)
}

// RunToolCall is a function call a run waits on:
// {"id","type":"function","function":{"name","arguments"}}.
type RunToolCall struct {
	ID string `json:"id"`
	// Type is "function"; marshalling fills it in when empty.
	Type     string              `json:"type"`
	Function RunToolCallFunction `json:"function"`
}

// RunToolCallFunction is the function and arguments of a RunToolCall.
type RunToolCallFunction struct {
	Name string `json:"name"`
	// Arguments is the JSON text of the arguments.
	Arguments string `json:"arguments"`
}

// MarshalJSON fills in the type.
func (c RunToolCall) MarshalJSON() ([]byte, error) {
	type plain RunToolCall
	p := plain(c)
	p.Type = orDefault(p.Type, ToolFunction)
	return encodeJSON(p)
}

func (r *RequiredAction) validate(path string) error {
	if r == nil {
		return nil
	}
	if r.Type != "" && r.Type != RequiredActionSubmitToolOutputs {
		return fieldErr(path+".type", "%s is not submit_tool_outputs", shorten(r.Type))
	}
	calls := r.SubmitToolOutputs.ToolCalls
	if len(calls) == 0 {
		return fieldErr(path+".submit_tool_outputs.tool_calls", "empty; a run waits for at least one tool call")
	}
	seen := make(map[string]bool, len(calls))
	for i, c := range calls {
		p := fmt.Sprintf("%s.submit_tool_outputs.tool_calls[%d]", path, i)
		if err := checkID(p+".id", "", c.ID); err != nil {
			return err
		}
		if seen[c.ID] {
			return fieldErr(p+".id", "duplicate tool call id %q", c.ID)
		}
		seen[c.ID] = true
		if c.Type != "" && c.Type != ToolFunction {
			return fieldErr(p+".type", "%s is not function", shorten(c.Type))
		}
		if c.Function.Name == "" {
			return fieldErr(p+".function.name", "required")
		}
	}
	return nil
}

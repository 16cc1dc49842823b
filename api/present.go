package api

import (
	"bytes"
	"encoding/json"

	"github.com/r2kit/r2kit/assistants"
)

// present gives the objects the API answers (WriteJSON) and streams
// (sseWriter.emit) the members OpenAI's answers always carried, where
// the stored object leaves them unset:
//
//   - an assistant's temperature and top_p (1), response_format
//     ("auto") and tool_resources ({}), the effective values;
//   - a thread's tool_resources ({});
//   - strict (false) on the function tools of assistants and runs;
//   - a file's expires_at (null: kept until deleted).
//
// It also removes what r2kit stores for itself: a run step's
// file_search calls lose their query (r2kit_query) whatever the
// request, through assistants.PresentStep, which keeps the results'
// content; the endpoints and the stream remove the content first unless
// include[] asks for it. WriteJSON and the stream (sseWriter.emit)
// both go through present, so no r2kit_query reaches a client.
//
// The stored objects keep what was asked for, so a run's model call
// still sends only the members the request set. Other values are
// returned as they are.
func present(v any) any {
	switch v := v.(type) {
	case assistants.Assistant:
		return presentAssistant(v)
	case assistants.List[assistants.Assistant]:
		return presentList(v, presentAssistant)
	case assistants.Thread:
		return presentThread(v)
	case assistants.Run:
		return presentRun(v)
	case assistants.List[assistants.Run]:
		return presentList(v, presentRun)
	case assistants.File:
		return presentFile(v)
	case assistants.List[assistants.File]:
		return presentList(v, presentFile)
	case assistants.RunStep:
		return presentStep(v)
	case *assistants.RunStep:
		if v != nil {
			return presentStep(*v)
		}
	case assistants.List[assistants.RunStep]:
		return presentList(v, presentStep)
	}
	return v
}

func presentList[T any](l assistants.List[T], f func(T) any) assistants.List[any] {
	data := make([]any, len(l.Data))
	for i, v := range l.Data {
		data[i] = f(v)
	}
	return assistants.List[any]{Data: data, FirstID: l.FirstID, LastID: l.LastID, HasMore: l.HasMore}
}

// presentAssistant: effective temperature, top_p, response_format and
// tool_resources; strict on function tools.
func presentAssistant(a assistants.Assistant) any {
	if a.Temperature == nil {
		a.Temperature = assistants.Ptr(1.0)
	}
	if a.TopP == nil {
		a.TopP = assistants.Ptr(1.0)
	}
	if a.ResponseFormat.IsZero() {
		a.ResponseFormat = assistants.AutoResponseFormat()
	}
	if a.ToolResources == nil {
		a.ToolResources = &assistants.ToolResources{}
	}
	a.Tools = presentTools(a.Tools)
	return a
}

// presentStep: no r2kit_query; the content left in is kept.
func presentStep(s assistants.RunStep) any { return assistants.PresentStep(s, true) }

func presentThread(t assistants.Thread) any {
	if t.ToolResources == nil {
		t.ToolResources = &assistants.ToolResources{}
	}
	return t
}

func presentRun(r assistants.Run) any {
	r.Tools = presentTools(r.Tools)
	return r
}

// presentFile writes expires_at, null when unset, after created_at
// (the members before it, id, object, bytes and created_at, cannot hold
// the text `,"filename":`).
func presentFile(f assistants.File) any {
	if f.ExpiresAt != nil {
		return f
	}
	b, err := f.MarshalJSON()
	if err != nil {
		return f // WriteJSON reports the error
	}
	return json.RawMessage(bytes.Replace(b, []byte(`,"filename":`), []byte(`,"expires_at":null,"filename":`), 1))
}

// presentTools returns tools with strict set (false) on the function
// tools that leave it unset; tools is not modified.
func presentTools(tools []assistants.Tool) []assistants.Tool {
	var out []assistants.Tool
	for i, t := range tools {
		if t.Type != assistants.ToolFunction || t.Function == nil || t.Function.Strict != nil || !t.Known() {
			continue
		}
		if out == nil {
			out = append([]assistants.Tool(nil), tools...)
		}
		fn := *t.Function
		fn.Strict = assistants.Ptr(false)
		out[i].Function = &fn
	}
	if out == nil {
		return tools
	}
	return out
}

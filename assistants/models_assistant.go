package assistants

// Assistant is the assistant object ("object":"assistant"). Every member
// is always written; name, description, instructions, tool_resources,
// temperature, top_p and response_format are null when unset.
type Assistant struct {
	ID string `json:"id"`
	// Object is "assistant"; marshalling fills it in when empty.
	Object         string         `json:"object"`
	CreatedAt      int64          `json:"created_at"`
	Name           *string        `json:"name"`
	Description    *string        `json:"description"`
	Model          string         `json:"model"`
	Instructions   *string        `json:"instructions"`
	Tools          []Tool         `json:"tools"`
	ToolResources  *ToolResources `json:"tool_resources"`
	Metadata       Metadata       `json:"metadata"`
	Temperature    *float64       `json:"temperature"`
	TopP           *float64       `json:"top_p"`
	ResponseFormat ResponseFormat `json:"response_format"`

	// Extra holds members this version does not know (see Extra).
	Extra Extra `json:"-"`
}

type assistantJSON Assistant

// MarshalJSON writes the assistant with every member present and its
// Extra members after them.
func (a Assistant) MarshalJSON() ([]byte, error) {
	w := assistantJSON(a)
	w.Object = orDefault(w.Object, ObjectAssistant)
	w.Tools = orEmpty(w.Tools)
	return marshalObject(&w, a.Extra)
}

// UnmarshalJSON reads an assistant, keeping unknown members in Extra.
func (a *Assistant) UnmarshalJSON(data []byte) error {
	var w assistantJSON
	extra, err := unmarshalObject(data, &w)
	if err != nil {
		return err
	}
	*a = Assistant(w)
	a.Extra = extra
	return nil
}

// Validate checks the assistant as the API does: id "asst_...", object,
// model set, name at most 256 characters, description 512, instructions
// 256000, at most 128 tools each valid, tool resources, metadata,
// temperature 0..2, top_p 0..1 and the response format.
func (a *Assistant) Validate() error {
	return firstErr(
		checkID("id", PrefixAssistant, a.ID),
		checkObject(a.Object, ObjectAssistant),
		checkTimestamp("created_at", a.CreatedAt),
		checkRequired("model", a.Model),
		checkMaxLen("name", a.Name, MaxNameLen),
		checkMaxLen("description", a.Description, MaxDescriptionLen),
		checkMaxLen("instructions", a.Instructions, MaxInstructionsLen),
		ValidateTools("tools", a.Tools, MaxAssistantTools),
		validateToolResources("tool_resources", a.ToolResources),
		ValidateMetadata(a.Metadata),
		checkRange("temperature", a.Temperature, 0, 2),
		checkRange("top_p", a.TopP, 0, 1),
		a.ResponseFormat.validate("response_format"),
	)
}

// orDefault returns s, or def if s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

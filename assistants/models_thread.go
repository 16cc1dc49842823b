package assistants

// Thread is the thread object ("object":"thread"). tool_resources is
// null when unset; metadata is always an object.
type Thread struct {
	ID string `json:"id"`
	// Object is "thread"; marshalling fills it in when empty.
	Object        string         `json:"object"`
	CreatedAt     int64          `json:"created_at"`
	ToolResources *ToolResources `json:"tool_resources"`
	Metadata      Metadata       `json:"metadata"`

	// Extra holds members this version does not know (see Extra).
	Extra Extra `json:"-"`
}

type threadJSON Thread

// MarshalJSON writes the thread with every member present and its Extra
// members after them.
func (t Thread) MarshalJSON() ([]byte, error) {
	w := threadJSON(t)
	w.Object = orDefault(w.Object, ObjectThread)
	return marshalObject(&w, t.Extra)
}

// UnmarshalJSON reads a thread, keeping unknown members in Extra.
func (t *Thread) UnmarshalJSON(data []byte) error {
	var w threadJSON
	extra, err := unmarshalObject(data, &w)
	if err != nil {
		return err
	}
	*t = Thread(w)
	t.Extra = extra
	return nil
}

// Validate checks id "thread_...", object, tool resources and metadata.
func (t *Thread) Validate() error {
	return firstErr(
		checkID("id", PrefixThread, t.ID),
		checkObject(t.Object, ObjectThread),
		checkTimestamp("created_at", t.CreatedAt),
		validateToolResources("tool_resources", t.ToolResources),
		ValidateMetadata(t.Metadata),
	)
}

package assistants

import "fmt"

// Message roles.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message statuses.
const (
	MessageInProgress = "in_progress"
	MessageIncomplete = "incomplete"
	MessageCompleted  = "completed"
)

// Reasons of a message's IncompleteDetails.
const (
	MessageIncompleteContentFilter = "content_filter"
	MessageIncompleteMaxTokens     = "max_tokens"
	MessageIncompleteRunCancelled  = "run_cancelled"
	MessageIncompleteRunExpired    = "run_expired"
	MessageIncompleteRunFailed     = "run_failed"
)

// Message is the message object ("object":"thread.message"). Every
// member is always written; incomplete_details, completed_at,
// incomplete_at, assistant_id, run_id and attachments are null when
// unset (set Attachments to an empty slice to write []); content is
// always an array.
type Message struct {
	ID string `json:"id"`
	// Object is "thread.message"; marshalling fills it in when empty.
	Object            string             `json:"object"`
	CreatedAt         int64              `json:"created_at"`
	ThreadID          string             `json:"thread_id"`
	Status            string             `json:"status"`
	IncompleteDetails *IncompleteDetails `json:"incomplete_details"`
	CompletedAt       *int64             `json:"completed_at"`
	IncompleteAt      *int64             `json:"incomplete_at"`
	Role              string             `json:"role"`
	Content           []ContentPart      `json:"content"`
	AssistantID       *string            `json:"assistant_id"`
	RunID             *string            `json:"run_id"`
	Attachments       []Attachment       `json:"attachments"`
	Metadata          Metadata           `json:"metadata"`

	// Extra holds members this version does not know (see Extra).
	Extra Extra `json:"-"`
}

type messageJSON Message

// MarshalJSON writes the message with every member present and its
// Extra members after them.
func (m Message) MarshalJSON() ([]byte, error) {
	w := messageJSON(m)
	w.Object = orDefault(w.Object, ObjectMessage)
	w.Content = orEmpty(w.Content)
	return marshalObject(&w, m.Extra)
}

// UnmarshalJSON reads a message, keeping unknown members in Extra.
func (m *Message) UnmarshalJSON(data []byte) error {
	var w messageJSON
	extra, err := unmarshalObject(data, &w)
	if err != nil {
		return err
	}
	*m = Message(w)
	m.Extra = extra
	return nil
}

// Validate checks the message: ids ("msg_", "thread_", and "asst_" and
// "run_" when set), object, status, role user or assistant, incomplete
// details, every content part (known type, required members; a text
// part of a user message must not be empty), attachments and metadata.
func (m *Message) Validate() error {
	return firstErr(
		checkID("id", PrefixMessage, m.ID),
		checkObject(m.Object, ObjectMessage),
		checkTimestamp("created_at", m.CreatedAt),
		checkID("thread_id", PrefixThread, m.ThreadID),
		checkEnum("status", m.Status, MessageInProgress, MessageIncomplete, MessageCompleted),
		m.validateIncomplete(),
		checkOptTimestamp("completed_at", m.CompletedAt),
		checkOptTimestamp("incomplete_at", m.IncompleteAt),
		checkEnum("role", m.Role, RoleUser, RoleAssistant),
		validateContent("content", m.Content, m.Role == RoleUser),
		checkOptID("assistant_id", PrefixAssistant, m.AssistantID),
		checkOptID("run_id", PrefixRun, m.RunID),
		ValidateAttachments("attachments", m.Attachments),
		ValidateMetadata(m.Metadata),
	)
}

func (m *Message) validateIncomplete() error {
	if m.IncompleteDetails == nil {
		return nil
	}
	return checkEnum("incomplete_details.reason", m.IncompleteDetails.Reason,
		MessageIncompleteContentFilter, MessageIncompleteMaxTokens,
		MessageIncompleteRunCancelled, MessageIncompleteRunExpired, MessageIncompleteRunFailed)
}

// validateContent checks content parts. nonEmptyText requires text
// parts to have a non-empty value (user messages; an assistant message
// may hold an empty part while a run streams into it).
func validateContent(path string, parts []ContentPart, nonEmptyText bool) error {
	for i := range parts {
		if err := parts[i].validate(nonEmptyText); err != nil {
			return nest(fmt.Sprintf("%s[%d]", path, i), err)
		}
	}
	return nil
}

// Validate checks the part: a known type and the members it requires.
func (p *ContentPart) Validate() error { return p.validate(false) }

func (p *ContentPart) validate(nonEmptyText bool) error {
	if p.raw != nil || !isKnownContent(p.Type) {
		return unknownType("type", p.Type, ContentText, ContentImageFile, ContentImageURL, ContentRefusal)
	}
	if err := p.checkMembers(); err != nil {
		return err
	}
	switch p.Type {
	case ContentText:
		if nonEmptyText && p.Text.Value == "" {
			return fieldErr("text.value", "empty; a text part needs at least 1 character")
		}
		for i := range p.Text.Annotations {
			if err := p.Text.Annotations[i].Validate(); err != nil {
				return nest(fmt.Sprintf("text.annotations[%d]", i), err)
			}
		}
	case ContentImageFile:
		return firstErr(
			checkID("image_file.file_id", PrefixFile, p.ImageFile.FileID),
			checkDetail("image_file.detail", p.ImageFile.Detail),
		)
	case ContentImageURL:
		return firstErr(
			checkImageURL("image_url.url", p.ImageURL.URL),
			checkDetail("image_url.detail", p.ImageURL.Detail),
		)
	case ContentRefusal:
		if p.Refusal == "" {
			return fieldErr("refusal", "empty")
		}
	}
	return nil
}

// checkMembers reports a missing member for p's type, or one that
// belongs to another type.
func (p *ContentPart) checkMembers() error {
	has := map[string]bool{
		ContentText:      p.Text != nil,
		ContentImageFile: p.ImageFile != nil,
		ContentImageURL:  p.ImageURL != nil,
		ContentRefusal:   p.Refusal != "" || p.Type == ContentRefusal,
	}
	if !has[p.Type] {
		return fieldErr(p.Type, "required with type %s", p.Type)
	}
	for _, other := range []string{ContentText, ContentImageFile, ContentImageURL, ContentRefusal} {
		if other != p.Type && has[other] {
			return fieldErr(other, "not allowed with type %s", p.Type)
		}
	}
	return nil
}

// Validate checks the annotation: a known type, its file reference and
// 0 <= start_index <= end_index.
func (a *Annotation) Validate() error {
	if !a.Known() {
		return unknownType("type", a.Type, AnnotationFileCitation, AnnotationFilePath)
	}
	ref, other, otherName := a.FileCitation, a.FilePath, AnnotationFilePath
	if a.Type == AnnotationFilePath {
		ref, other, otherName = a.FilePath, a.FileCitation, AnnotationFileCitation
	}
	switch {
	case ref == nil:
		return fieldErr(a.Type, "required with type %s", a.Type)
	case other != nil:
		return fieldErr(otherName, "not allowed with type %s", a.Type)
	case a.StartIndex < 0:
		return fieldErr("start_index", "%d is negative", a.StartIndex)
	case a.EndIndex < a.StartIndex:
		return fieldErr("end_index", "%d is before start_index %d", a.EndIndex, a.StartIndex)
	}
	return checkID(a.Type+".file_id", PrefixFile, ref.FileID)
}

// ValidateAttachments checks message attachments: each file id is
// "file-..." and each tool is code_interpreter or file_search with no
// options. path names the field in errors ("attachments").
func ValidateAttachments(path string, atts []Attachment) error {
	for i, a := range atts {
		p := fmt.Sprintf("%s[%d]", path, i)
		if err := checkID(p+".file_id", PrefixFile, a.FileID); err != nil {
			return err
		}
		for j, t := range a.Tools {
			tp := fmt.Sprintf("%s.tools[%d]", p, j)
			switch {
			case !t.Known() || t.Type == ToolFunction:
				return unknownTypeAt(tp+".type", t.Type, ToolCodeInterpreter, ToolFileSearch)
			case t.FileSearch != nil:
				return fieldErr(tp+".file_search", "not allowed in an attachment")
			case t.Function != nil:
				return fieldErr(tp+".function", "not allowed with type %s", t.Type)
			}
		}
	}
	return nil
}

package assistants

import (
	"encoding/json"
	"slices"
)

// Content part types.
const (
	ContentText      = "text"
	ContentImageFile = "image_file"
	ContentImageURL  = "image_url"
	ContentRefusal   = "refusal"
)

// Image detail levels.
const (
	DetailAuto = "auto"
	DetailLow  = "low"
	DetailHigh = "high"
)

// ContentPart is one part of a message's content:
//
//	{"type":"text","text":{"value","annotations":[...]}}
//	{"type":"image_file","image_file":{"file_id","detail"}}
//	{"type":"image_url","image_url":{"url","detail"}}
//	{"type":"refusal","refusal":"..."}
//
// The member matching Type is set. A part of a type this version does
// not know decodes without error and marshals back verbatim, but fails
// Validate.
type ContentPart struct {
	Type      string
	Text      *TextContent
	ImageFile *ImageFile
	ImageURL  *ImageURL
	Refusal   string

	raw json.RawMessage // the whole object, for an unknown type
}

// TextPart returns a text part with no annotations.
func TextPart(value string) ContentPart {
	return ContentPart{Type: ContentText, Text: &TextContent{Value: value}}
}

// ImageFilePart returns an image_file part.
func ImageFilePart(fileID, detail string) ContentPart {
	return ContentPart{Type: ContentImageFile, ImageFile: &ImageFile{FileID: fileID, Detail: detail}}
}

// ImageURLPart returns an image_url part.
func ImageURLPart(url, detail string) ContentPart {
	return ContentPart{Type: ContentImageURL, ImageURL: &ImageURL{URL: url, Detail: detail}}
}

// RefusalPart returns a refusal part.
func RefusalPart(refusal string) ContentPart {
	return ContentPart{Type: ContentRefusal, Refusal: refusal}
}

// Known reports whether p's type is one this version understands.
func (p ContentPart) Known() bool { return p.raw == nil && isKnownContent(p.Type) }

func isKnownContent(typ string) bool {
	return typ == ContentText || typ == ContentImageFile || typ == ContentImageURL || typ == ContentRefusal
}

// TextContent is the text of a text part.
type TextContent struct {
	Value       string       `json:"value"`
	Annotations []Annotation `json:"annotations"`
}

// MarshalJSON writes annotations as [] when empty.
func (t TextContent) MarshalJSON() ([]byte, error) {
	type plain TextContent
	p := plain(t)
	p.Annotations = orEmpty(p.Annotations)
	return encodeJSON(p)
}

// ImageFile is an image_file part's image: a file with purpose vision
// (or assistants).
type ImageFile struct {
	FileID string `json:"file_id"`
	// Detail is DetailAuto, DetailLow or DetailHigh; "" is omitted.
	Detail string `json:"detail,omitempty"`
}

// ImageURL is an image_url part's image.
type ImageURL struct {
	URL string `json:"url"`
	// Detail is DetailAuto, DetailLow or DetailHigh; "" is omitted.
	Detail string `json:"detail,omitempty"`
}

type contentJSON struct {
	Type      string       `json:"type"`
	Text      *TextContent `json:"text,omitempty"`
	ImageFile *ImageFile   `json:"image_file,omitempty"`
	ImageURL  *ImageURL    `json:"image_url,omitempty"`
	Refusal   *string      `json:"refusal,omitempty"`
}

// MarshalJSON writes the part in its wire form: {"type", <type>: ...}.
func (p ContentPart) MarshalJSON() ([]byte, error) {
	if p.raw != nil {
		return slices.Clone(p.raw), nil
	}
	w := contentJSON{Type: p.Type, Text: p.Text, ImageFile: p.ImageFile, ImageURL: p.ImageURL}
	if p.Type == ContentRefusal || p.Refusal != "" {
		w.Refusal = &p.Refusal
	}
	return encodeJSON(w)
}

// UnmarshalJSON reads a part; an unknown type is kept verbatim.
func (p *ContentPart) UnmarshalJSON(data []byte) error {
	if isNull(data) {
		return nil
	}
	typ, err := typeOf(data)
	if err != nil {
		return err
	}
	if !isKnownContent(typ) {
		*p = ContentPart{Type: typ, raw: slices.Clone(data)}
		return nil
	}
	var w contentJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*p = ContentPart{Type: w.Type, Text: w.Text, ImageFile: w.ImageFile, ImageURL: w.ImageURL}
	if w.Refusal != nil {
		p.Refusal = *w.Refusal
	}
	return nil
}

// Annotation types.
const (
	AnnotationFileCitation = "file_citation"
	AnnotationFilePath     = "file_path"
)

// Annotation is an annotation of a text part:
//
//	{"type":"file_citation","text","file_citation":{"file_id"},"start_index","end_index"}
//	{"type":"file_path","text","file_path":{"file_id"},"start_index","end_index"}
//
// An annotation of an unknown type decodes and marshals back verbatim
// but fails Validate.
type Annotation struct {
	Type string
	// Text is the text in the message content that is annotated.
	Text         string
	StartIndex   int
	EndIndex     int
	FileCitation *FileRef // type file_citation
	FilePath     *FileRef // type file_path

	raw json.RawMessage
}

// FileRef names a file: {"file_id"}.
type FileRef struct {
	FileID string `json:"file_id"`
}

// Known reports whether a's type is one this version understands.
func (a Annotation) Known() bool {
	return a.raw == nil && (a.Type == AnnotationFileCitation || a.Type == AnnotationFilePath)
}

type annotationJSON struct {
	Type         string   `json:"type"`
	Text         string   `json:"text"`
	FileCitation *FileRef `json:"file_citation,omitempty"`
	FilePath     *FileRef `json:"file_path,omitempty"`
	StartIndex   int      `json:"start_index"`
	EndIndex     int      `json:"end_index"`
}

// MarshalJSON writes the annotation in its wire form.
func (a Annotation) MarshalJSON() ([]byte, error) {
	if a.raw != nil {
		return slices.Clone(a.raw), nil
	}
	return encodeJSON(annotationJSON{
		Type: a.Type, Text: a.Text, FileCitation: a.FileCitation, FilePath: a.FilePath,
		StartIndex: a.StartIndex, EndIndex: a.EndIndex,
	})
}

// UnmarshalJSON reads an annotation; an unknown type is kept verbatim.
func (a *Annotation) UnmarshalJSON(data []byte) error {
	if isNull(data) {
		return nil
	}
	typ, err := typeOf(data)
	if err != nil {
		return err
	}
	if typ != AnnotationFileCitation && typ != AnnotationFilePath {
		*a = Annotation{Type: typ, raw: slices.Clone(data)}
		return nil
	}
	var w annotationJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*a = Annotation{
		Type: w.Type, Text: w.Text, FileCitation: w.FileCitation, FilePath: w.FilePath,
		StartIndex: w.StartIndex, EndIndex: w.EndIndex,
	}
	return nil
}

// Attachment is a file attached to a message, with the tools it is
// added to (code_interpreter and/or file_search, type only).
type Attachment struct {
	FileID string `json:"file_id"`
	Tools  []Tool `json:"tools"`
}

// MarshalJSON writes tools as [] when empty.
func (a Attachment) MarshalJSON() ([]byte, error) {
	type plain Attachment
	p := plain(a)
	p.Tools = orEmpty(p.Tools)
	return encodeJSON(p)
}

package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/r2kit/r2kit/assistants"
)

// DecodeJSON decodes the JSON body of r into v (a pointer) the way the
// OpenAI API reads request bodies. Every error it returns is an *Error:
//
//   - A body over the route's limit (Config.MaxBodyBytes): 413, code
//     request_too_large. The limit is applied by the server before the
//     handler runs, so DecodeJSON only has to read.
//   - A non-empty body whose Content-Type is not application/json (a
//     charset parameter is allowed): 415, code unsupported_media_type.
//   - Malformed JSON, or anything after the JSON value: 400 "We could not
//     parse the JSON body of your request." with a hint.
//   - A member v does not have: 400 "Unrecognized request argument
//     supplied: NAME", param NAME (OpenAI rejects unknown parameters).
//   - A member of the wrong JSON type: 400 "Invalid type for 'PATH':
//     expected an integer, but got a string instead.", param PATH, code
//     invalid_type. PATH is the member's wire path with array indexes,
//     e.g. tools[1].function.name (see wireParam).
//   - An error from a custom UnmarshalJSON: a *assistants.FieldError
//     gives its param, made a full wire path (messages[0].content);
//     others are converted by ErrorFor.
//
// An empty body (no bytes, or only white space) is not an error and
// leaves v as it is: endpoints whose body is optional (create thread,
// cancel) accept it, and required members are checked by validation.
func DecodeJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return bodyTooLarge(mb.Limit)
		}
		return InvalidRequest("", "Could not read the request body.").withCode("invalid_body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := checkJSONContentType(r); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(body, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return unparsable("the body holds more than one JSON value")
	}
	return nil
}

// checkJSONContentType answers 415 unless r's Content-Type is
// application/json.
func checkJSONContentType(r *http.Request) *Error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && mt == ContentTypeJSON {
		return nil
	}
	got := "Missing Content-Type"
	if ct != "" {
		got = "Unsupported Content-Type '" + quote(ct) + "'"
	}
	return InvalidRequest("", "%s: send the request body as JSON with Content-Type: application/json.", got).
		withStatus(http.StatusUnsupportedMediaType).withCode("unsupported_media_type")
}

// decodeError converts an encoding/json error into the 400 OpenAI gives.
func decodeError(body []byte, err error) *Error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		field  *assistants.FieldError
	)
	switch {
	case errors.As(err, &syntax):
		return unparsable(fmt.Sprintf("%s at byte %d", strings.TrimPrefix(syntax.Error(), "json: "), syntax.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return unparsable("the JSON value is cut short")
	case errors.As(err, &field):
		return decodeFieldError(body, field)
	case errors.As(err, &typ):
		return typeError(body, typ)
	}
	if name, ok := unknownField(err); ok {
		return InvalidRequest(name, "Unrecognized request argument supplied: %s", name)
	}
	if e := ErrorFor(err); e.Status != http.StatusInternalServerError {
		return e
	}
	return unparsable(strings.TrimPrefix(err.Error(), "json: "))
}

// unparsable is OpenAI's answer for a body that is not JSON.
func unparsable(hint string) *Error {
	return InvalidRequest("", "We could not parse the JSON body of your request. (HINT: %s.)", hint)
}

// unknownField extracts NAME from encoding/json's `json: unknown field
// "NAME"`.
func unknownField(err error) (string, bool) {
	const prefix = `json: unknown field "`
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) || !strings.HasSuffix(msg, `"`) {
		return "", false
	}
	return msg[len(prefix) : len(msg)-1], true
}

// typeError is the 400 for a member of the wrong JSON type.
func typeError(body []byte, e *json.UnmarshalTypeError) *Error {
	want := jsonKind(e.Type)
	kind, literal, _ := strings.Cut(e.Value, " ") // "string", "number 1.5"
	got := article(kind)
	if kind == "number" && literal != "" && want == "an integer" {
		got = "a decimal number"
	}
	param := ""
	if e.Field != "" {
		param = wireParam(body, e.Field, kind, false)
	}
	if param == "" {
		return InvalidRequest("", "Invalid type for the request body: expected %s, but got %s instead.", want, got).
			withCode("invalid_type")
	}
	return InvalidRequest(param, "Invalid type for '%s': expected %s, but got %s instead.", param, want, got).
		withCode("invalid_type")
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a value of another type"
}

func article(jsonType string) string {
	switch jsonType {
	case "array", "object", "integer":
		return "an " + jsonType
	case "bool":
		return "a boolean"
	case "":
		return "a value of another type"
	}
	return "a " + jsonType
}

package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// ContentTypeJSON is the Content-Type of every JSON answer.
const ContentTypeJSON = "application/json"

// WriteJSON writes v as a JSON answer with the given status,
// Content-Type application/json and a Content-Length. v is encoded
// before anything is written, so an encoding error leaves the response
// untouched and is returned (a HandlerFunc returns it, and the client
// gets a 500 envelope). API objects are written as present gives them. HTML characters are not escaped: strings arrive
// byte for byte as they were stored.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(present(v)); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", ContentTypeJSON)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// envelope is the JSON form of an error answer.
type envelope struct {
	Error envelopeBody `json:"error"`
}

type envelopeBody struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// WriteError writes err as an OpenAI error envelope: an *Error as it is,
// anything else converted by ErrorFor. The cause of a 5xx answer is
// logged with the request id (it is not sent to the client). If the
// response was already started (a handler wrote before it failed),
// nothing more can be sent: the error is logged and the response is
// left as it is.
func (s *Server) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := ErrorFor(err)
	s.logError(r, e)
	if sw, ok := w.(*statusWriter); ok && sw.status != 0 {
		return
	}
	writeEnvelope(w, e)
}

// logError logs the cause of an error answer: at error level for 5xx,
// at debug level otherwise.
func (s *Server) logError(r *http.Request, e *Error) {
	level := slog.LevelDebug
	if e.Status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("request_id", RequestID(r.Context())),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", e.Status),
		slog.String("message", e.Message),
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("error", e.Err.Error()))
	}
	s.log.LogAttrs(r.Context(), level, "request failed", attrs...)
}

// writeEnvelope writes e's envelope and headers.
func writeEnvelope(w http.ResponseWriter, e *Error) {
	h := w.Header()
	if e.Allow != "" {
		h.Set("Allow", e.Allow)
	}
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((e.RetryAfter+time.Second-1)/time.Second), 10))
		h.Set("Retry-After-Ms", strconv.FormatInt(e.RetryAfter.Milliseconds(), 10))
	}
	if e.Status == http.StatusNotModified {
		w.WriteHeader(e.Status) // no body allowed
		return
	}
	_ = WriteJSON(w, e.Status, envelope{Error: envelopeBody{
		Message: e.Message, Type: e.Type, Param: nullable(e.Param), Code: nullable(e.Code),
	}})
}

package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/r2kit/r2kit/assistants"
)

// ContentTypeEventStream is the Content-Type of a streamed answer.
const ContentTypeEventStream = "text/event-stream"

// sseWriter writes server-sent events, "event: NAME\ndata: JSON\n\n",
// each flushed as soon as it is written. The status (200) and headers go
// out with the first event, so that an error before it can still be an
// ordinary error answer. emit is safe for concurrent use.
type sseWriter struct {
	w http.ResponseWriter
	// stepContent keeps the content of file_search results in the run
	// steps emitted (include[], see checkInclude).
	stepContent bool
	mu          sync.Mutex
	started     bool
}

// errEventName is the error of an event name that cannot be sent.
var errEventName = errors.New("api: event name empty or holding a line break")

// emit writes one event whose data is v encoded as JSON (a json.RawMessage
// is sent as it is), as present gives it; a run step (assistants.RunStep
// or a pointer to one) is sent as assistants.PresentStep gives it, with
// file_search results' content only if e.stepContent. It fails if the
// client has gone away.
func (e *sseWriter) emit(name string, v any) error {
	if name == "" || strings.ContainsAny(name, "\r\n") {
		return errEventName
	}
	switch st := v.(type) {
	case assistants.RunStep:
		v = assistants.PresentStep(st, e.stepContent)
	case *assistants.RunStep:
		if st != nil {
			v = assistants.PresentStep(*st, e.stepContent)
		}
	}
	var data bytes.Buffer
	enc := json.NewEncoder(&data)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(present(v)); err != nil {
		return err
	}
	return e.write(name, bytes.TrimRight(data.Bytes(), "\n"))
}

// write sends one event with data as it is (a single line).
func (e *sseWriter) write(name string, data []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.started {
		h := e.w.Header()
		h.Set("Content-Type", ContentTypeEventStream)
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no") // no proxy buffering
		e.w.WriteHeader(http.StatusOK)
		e.started = true
	}
	var b bytes.Buffer
	b.Grow(len(name) + len(data) + 16)
	b.WriteString("event: ")
	b.WriteString(name)
	b.WriteString("\ndata: ")
	b.Write(data)
	b.WriteString("\n\n")
	if _, err := e.w.Write(b.Bytes()); err != nil {
		return err
	}
	return http.NewResponseController(e.w).Flush()
}

// isStarted reports whether an event was written.
func (e *sseWriter) isStarted() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.started
}

// done ends the stream: "event: done\ndata: [DONE]".
func (e *sseWriter) done() error { return e.write("done", []byte("[DONE]")) }

// streamRun answers with the stream of a run: the prelude events, then
// the events of RunExecutor.Stream, then done. Run steps carry the
// content of file_search results only if stepContent. An error of Stream before
// anything was sent is answered as usual; after, it is sent as an
// "error" event whose data is the error envelope {"error":{...}} (what
// the OpenAI SDKs look for to raise it) before done.
func (s *Server) streamRun(w http.ResponseWriter, r *http.Request, thread, run string, stepContent bool, prelude []event) error {
	sw := &sseWriter{w: w, stepContent: stepContent}
	for _, ev := range prelude {
		if err := sw.emit(ev.name, ev.data); err != nil {
			return err
		}
	}
	err := s.cfg.Runs.Stream(r.Context(), thread, run, sw.emit)
	if err != nil && !sw.isStarted() {
		return err
	}
	if err != nil {
		e := ErrorFor(err)
		s.logError(r, e)
		if werr := sw.emit("error", envelope{Error: envelopeBody{Message: e.Message, Type: e.Type,
			Param: nullable(e.Param), Code: nullable(e.Code)}}); werr != nil {
			return werr
		}
	}
	return sw.done()
}

package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
)

// circuitOpen matches resilience.ErrCircuitOpen and asks for a delay,
// as the breaker's errors do.
type circuitOpen struct{}

func (circuitOpen) Error() string             { return "get x: circuit breaker open" }
func (circuitOpen) Is(target error) bool      { return target == resilience.ErrCircuitOpen }
func (circuitOpen) RetryAfter() time.Duration { return 1500 * time.Millisecond }
func (e circuitOpen) Unwrap() error           { return nil }
func (throttled) Error() string               { return "SlowDown: reduce your request rate" }
func (throttled) HTTPStatusCode() int         { return http.StatusTooManyRequests }
func wrapNotFound(key string) error           { return storage.Wrap("get", key, storage.ErrNotFound, nil) }

// notFoundEntity is the store's error for a missing object, its cause
// naming the key.
func notFoundEntity(object, id, key string, cause error) error {
	return &store.NotFoundError{Object: object, ID: id, Err: storage.Wrap("get", key, cause, nil)}
}
func wrapKind(kind error, raw string) error    { return storage.Wrap("put", "k", kind, errors.New(raw)) }
func validation(field string, err error) error { return &doc.ValidationError{Field: field, Err: err} }
func fieldErr(path, reason string) error       { return &assistants.FieldError{Path: path, Reason: reason} }
func idErr(id, prefix, reason string) error {
	return &assistants.IDError{ID: id, Prefix: prefix, Reason: reason}
}
func transition(object, id, from, to string) error {
	return &assistants.TransitionError{Object: object, ID: id, From: from, To: to}
}

type throttled struct{}

func TestErrorFor(t *testing.T) {
	own := &api.Error{Status: 418, Type: "teapot", Message: "I'm a teapot."}
	for _, tc := range []struct {
		name        string
		err         error
		status      int
		typ         string
		param, code string
		message     string
	}{
		{"own error", fmt.Errorf("wrapped: %w", own), 418, "teapot", "", "", "I'm a teapot."},
		{"max bytes", &http.MaxBytesError{Limit: 10}, 413, "invalid_request_error", "", "request_too_large", "Request body too large: the limit is 10 bytes."},
		{"field error", fieldErr("metadata", "too many keys (17); at most 16"), 400, "invalid_request_error", "metadata", "",
			"Invalid 'metadata': too many keys (17); at most 16."},
		{"field error inside validation error", storage.Wrap("put", "assistants/asst_1.json", nil,
			validation("tools[3].function.name", fieldErr("tools[3].function.name", "must match ^[a-zA-Z0-9_-]{1,64}$"))),
			400, "invalid_request_error", "tools[3].function.name", "", "Invalid 'tools[3].function.name': must match ^[a-zA-Z0-9_-]{1,64}$."},
		{"field error with id error", &assistants.FieldError{Path: "assistant_id", Reason: "x", Err: idErr("thread_1", "asst_", "expected an id that begins with \"asst_\"")},
			400, "invalid_request_error", "assistant_id", "", "Invalid 'assistant_id': 'thread_1'. Expected an ID that begins with 'asst'."},
		{"validation error", validation("name", errors.New("too long")), 400, "invalid_request_error", "name", "", "Invalid 'name': too long."},
		{"validation error without field", validation("", errors.New("bad value")), 400, "invalid_request_error", "", "", "Bad value."},
		{"transition", transition("run", "run_1", "completed", "cancelling"), 400, "invalid_request_error", "", "",
			"Cannot change the status of run run_1 from completed to cancelling."},
		{"circuit open", circuitOpen{}, 503, "server_error", "", "storage_unavailable", "Storage is failing"},
		{"ambiguous", wrapKind(storage.ErrAmbiguous, "timeout"), 503, "server_error", "", "storage_unavailable", "Storage did not confirm the write"},
		{"assistant not found", notFoundEntity(assistants.ObjectAssistant, "asst_1", "assistants/asst_1.json", storage.ErrNotFound), 404, "invalid_request_error", "", "", "No assistant found with id 'asst_1'."},
		{"thread expired", notFoundEntity(assistants.ObjectThread, "thread_1", "threads/thread_1.json", storage.ErrExpired), 404, "invalid_request_error", "", "",
			"No thread found with id 'thread_1'."},
		{"message not found", notFoundEntity(assistants.ObjectMessage, "msg_1", "messages/thread_1/msg_1.json", storage.ErrNotFound), 404, "invalid_request_error", "", "", "No message found with id 'msg_1'."},
		{"run not found", notFoundEntity(assistants.ObjectRun, "run_1", "runs/thread_1/run_1.json", storage.ErrNotFound), 404, "invalid_request_error", "", "", "No run found with id 'run_1'."},
		{"step not found", notFoundEntity(assistants.ObjectRunStep, "step_1", "steps/thread_1/run_1/step_1.json", storage.ErrNotFound), 404, "invalid_request_error", "", "", "No run step found with id 'step_1'."},
		{"file not found", notFoundEntity(assistants.ObjectFile, "file-1", "files/file-1.json", storage.ErrNotFound), 404, "invalid_request_error", "id", "", "No such File object: file-1"},
		{"blob not found", notFoundEntity(assistants.ObjectFile, "file-1", "blobs/file-1", storage.ErrNotFound), 404, "invalid_request_error", "id", "", "No such File object: file-1"},
		{"other key not found", wrapNotFound("other/x"), 404, "invalid_request_error", "", "", "Not found."},
		{"conflict", wrapKind(storage.ErrPreconditionFailed, "etag mismatch"), 409, "invalid_request_error", "", "conflict",
			"The object was changed by a concurrent request. Retry the request."},
		{"invalid range", wrapKind(storage.ErrInvalidRange, "offset 9 beyond size 3"), 416, "invalid_request_error", "", "", "The requested range is not satisfiable."},
		{"invalid key from an id", storage.Wrap("get", "", nil, idErr("asst_x/y", "asst_", "character '/' at byte 6 is not an ASCII letter, digit, '_' or '-'")),
			400, "invalid_request_error", "", "", "Invalid id: 'asst_x/y'. Character '/' at byte 6 is not an ASCII letter, digit, '_' or '-'."},
		{"invalid key", wrapKind(storage.ErrInvalidKey, "control character"), 400, "invalid_request_error", "", "", "Invalid id: it cannot name a stored object."},
		{"invalid argument", wrapKind(storage.ErrInvalidArgument, "metadata too big"), 400, "invalid_request_error", "", "", "Invalid request"},
		{"unsupported", wrapKind(storage.ErrUnsupported, "no ranges"), 501, "server_error", "", "not_implemented", "The storage backend"},
		{"throttled", storage.Wrap("put", "k", nil, throttled{}), 429, "requests", "", "rate_limit_exceeded", "Storage is throttling requests."},
		{"transient", wrapKind(storage.ErrTransient, "connection refused"), 503, "server_error", "", "storage_unavailable", "Storage is temporarily unavailable."},
		{"closed", wrapKind(storage.ErrClosed, ""), 503, "server_error", "", "storage_unavailable", "Storage is temporarily unavailable."},
		{"deadline", fmt.Errorf("stat: %w", context.DeadlineExceeded), 504, "server_error", "", "timeout", "The request timed out."},
		{"canceled", fmt.Errorf("stat: %w", context.Canceled), 499, "invalid_request_error", "", "canceled", "The request was cancelled."},
		{"anything else", errors.New("boom: /srv/secret/path"), 500, "server_error", "", "",
			"The server had an error while processing your request. Sorry about that!"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := api.ErrorFor(tc.err)
			if e.Status != tc.status || e.Type != tc.typ || e.Param != tc.param || e.Code != tc.code || !strings.HasPrefix(e.Message, tc.message) {
				t.Fatalf("got %d %s param %q code %q %q\nwant %d %s param %q code %q %q",
					e.Status, e.Type, e.Param, e.Code, e.Message, tc.status, tc.typ, tc.param, tc.code, tc.message)
			}
			if e.Status != 418 && !errors.Is(e, tc.err) {
				t.Fatalf("the cause is not kept: %v", e.Err)
			}
			if strings.Contains(e.Message, "/") && tc.status >= 500 {
				t.Fatalf("a 5xx message leaks details: %q", e.Message)
			}
		})
	}
	if api.ErrorFor(nil) != nil {
		t.Fatal("ErrorFor(nil) != nil")
	}
}

// Errors returned by handlers reach the client as envelopes with their
// headers.
func TestHandlerErrors(t *testing.T) {
	s, logs := newServer(t, api.Config{})
	errs := map[string]error{
		"circuit":      circuitOpen{},
		"notmodified":  wrapKind(storage.ErrNotModified, ""),
		"internal":     errors.New("disk on fire"),
		"notfound":     notFoundEntity(assistants.ObjectAssistant, "asst_9", "assistants/asst_9.json", storage.ErrNotFound),
		"invalidfield": fieldErr("metadata", "too many keys (17); at most 16"),
	}
	s.HandleForTest("GET /v1/fail/{what}", func(w http.ResponseWriter, r *http.Request) error {
		return errs[r.PathValue("what")]
	})
	w := request{method: "GET", path: "/v1/fail/circuit"}.send(s)
	errorOf(t, w, 503)
	if w.Header().Get("Retry-After") != "2" || w.Header().Get("Retry-After-Ms") != "1500" {
		t.Fatalf("retry headers %v", w.Header())
	}
	if w := (request{method: "GET", path: "/v1/fail/notmodified"}).send(s); w.Code != 304 || w.Body.Len() != 0 {
		t.Fatalf("not modified: %d %q", w.Code, w.Body)
	}
	e := errorOf(t, request{method: "GET", path: "/v1/fail/internal"}.send(s), 500)
	if strings.Contains(e.Message, "fire") || !strings.Contains(logs.String(), "disk on fire") {
		t.Fatalf("internal error: message %q; the cause must be logged, not sent", e.Message)
	}
	if e := errorOf(t, request{method: "GET", path: "/v1/fail/notfound"}.send(s), 404); e.Message != "No assistant found with id 'asst_9'." {
		t.Fatalf("not found: %q", e.Message)
	}
	if e := errorOf(t, request{method: "GET", path: "/v1/fail/invalidfield"}.send(s), 400); e.param() != "metadata" {
		t.Fatalf("field error: %+v", e)
	}
}

func TestNotFound(t *testing.T) {
	for object, want := range map[string]string{
		assistants.ObjectAssistant: "No assistant found with id 'asst_x'.",
		assistants.ObjectThread:    "No thread found with id 'asst_x'.",
		assistants.ObjectMessage:   "No message found with id 'asst_x'.",
		assistants.ObjectRun:       "No run found with id 'asst_x'.",
		assistants.ObjectRunStep:   "No run step found with id 'asst_x'.",
		assistants.ObjectFile:      "No such File object: asst_x",
	} {
		if e := api.NotFound(object, "asst_x"); e.Status != 404 || e.Message != want || e.Type != api.TypeInvalidRequest {
			t.Errorf("%s: %+v", object, e)
		}
	}
}

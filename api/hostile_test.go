package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// bucketState maps every key of b to its ETag.
func bucketState(t testing.TB, b storage.Bucket) map[string]string {
	t.Helper()
	state := map[string]string{}
	for page, err := range storage.Pages(t.Context(), b, nil) {
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Objects {
			state[o.Key] = o.ETag
		}
	}
	return state
}

// hostileRequest is one request a careless or malicious client sends.
type hostileRequest struct {
	name, method, path, contentType string
	body                            func() io.Reader
	status                          int // expected 4xx
	param                           string
}

func body(s string) func() io.Reader { return func() io.Reader { return strings.NewReader(s) } }

// metadataJSON returns {"metadata":{...}} with n pairs of keys of
// keyLen and values of valueLen characters.
func metadataJSON(n, keyLen, valueLen int) string {
	return `{"model":"m",` + metadataMember(n, keyLen, valueLen) + `}`
}

// metadataMember returns "metadata":{...} as metadataJSON's.
func metadataMember(n, keyLen, valueLen int) string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("%0*d", keyLen, i)] = strings.Repeat("v", valueLen)
	}
	b, _ := json.Marshal(m)
	return `"metadata":` + string(b)
}

// Hostile input gets a clear 4xx envelope, changes nothing in the bucket
// and leaves the server serving.
func TestHostileInput(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		t.Parallel()
		b := newBucket(t)
		srv := startServer(t, b, api.Config{MaxBodyBytes: 64 << 10, MaxUploadBytes: 1 << 20})
		c := httpClient(t)
		status, _, out := rawRequest(t, c, "POST", srv.URL+"/v1/threads", "application/json",
			strings.NewReader(`{"messages":[{"role":"user","content":"hi"}]}`))
		var th struct{ ID string }
		if status != 200 || json.Unmarshal(out, &th) != nil {
			t.Fatalf("create thread: %d %s", status, out)
		}
		status, _, out = rawRequest(t, c, "POST", srv.URL+"/v1/assistants", "application/json", strings.NewReader(`{"model":"m"}`))
		var asst struct{ ID string }
		if status != 200 || json.Unmarshal(out, &asst) != nil {
			t.Fatalf("create assistant: %d %s", status, out)
		}
		before := bucketState(t, b)
		thread := "/v1/threads/" + th.ID
		const j = "application/json"
		mp := "multipart/form-data; boundary=XYZ"
		for _, rq := range []hostileRequest{
			// Oversize bodies.
			{"json body over the limit", "POST", "/v1/assistants", j, body(`{"model":"` + strings.Repeat("m", 64<<10) + `"}`), 413, ""},
			{"chunked body over the limit", "POST", thread + "/messages", j, func() io.Reader {
				return iotest.HalfReader(strings.NewReader(`{"role":"user","content":"` + strings.Repeat("x", 70<<10) + `"}`))
			}, 413, ""},
			{"upload over the limit", "POST", "/v1/files", mp, body("--XYZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n" +
				"--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\n" + strings.Repeat("x", 2<<20) + "\r\n--XYZ--\r\n"), 413, ""},
			// Malformed multipart.
			{"multipart without boundary", "POST", "/v1/files", "multipart/form-data", body("--x\r\n"), 400, ""},
			{"multipart garbage", "POST", "/v1/files", mp, body("this is not multipart"), 400, ""},
			{"multipart cut in the headers", "POST", "/v1/files", mp, body("--XYZ\r\nContent-Disposition: form-da"), 400, ""},
			{"multipart cut in the file", "POST", "/v1/files", mp, body("--XYZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n" +
				"--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\nsome bytes"), 400, ""},
			{"multipart part without name", "POST", "/v1/files", mp, body("--XYZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XYZ--\r\n"), 400, ""},
			// Path traversal and hostile ids.
			{"encoded traversal in thread id", "GET", "/v1/threads/..%2F..%2Fassistants%2F" + asst.ID, "", nil, 400, "thread_id"},
			{"traversal after the prefix", "POST", "/v1/threads/thread_..%2F..%2Fx/messages", j, body(`{"role":"user","content":"x"}`), 400, "thread_id"},
			{"traversal in message id", "GET", thread + "/messages/msg_%2E%2E%2F%2E%2E", "", nil, 400, "message_id"},
			{"traversal in file id", "DELETE", "/v1/files/file-..%2F..%2Fblobs%2Fx", "", nil, 400, "file_id"},
			{"traversal in file content", "GET", "/v1/files/file-%2E%2E/content", "", nil, 400, "file_id"},
			{"literal dot segments", "DELETE", thread + "/../" + th.ID, "", nil, 404, ""},
			{"double slash", "GET", "/v1//assistants", "", nil, 404, ""},
			{"NUL in id", "GET", "/v1/assistants/asst_%00", "", nil, 400, "assistant_id"},
			{"backslash in id", "GET", "/v1/assistants/asst_a%5C..%5Cb", "", nil, 400, "assistant_id"},
			{"unicode look-alike", "GET", "/v1/assistants/" + url.PathEscape("asst_ＡＢ"), "", nil, 400, "assistant_id"},
			{"over-long id", "GET", "/v1/assistants/asst_" + strings.Repeat("a", 200), "", nil, 400, "assistant_id"},
			{"wrong prefix", "POST", "/v1/threads/" + asst.ID + "/runs", j, body(`{"assistant_id":"` + asst.ID + `"}`), 400, "thread_id"},
			{"hostile cursor", "GET", thread + "/messages?after=msg_..%2F..%2Fx", "", nil, 400, "after"},
			{"hostile run_id filter", "GET", thread + "/messages?run_id=..%2Fx", "", nil, 400, "run_id"},
			// Huge or malformed metadata.
			{"17 metadata pairs", "POST", "/v1/assistants", j, body(metadataJSON(17, 4, 4)), 400, "metadata"},
			{"metadata key of 65", "POST", "/v1/assistants", j, body(metadataJSON(1, 65, 4)), 400, "metadata"},
			{"metadata value of 513", "POST", "/v1/assistants", j, body(metadataJSON(1, 4, 513)), 400, "metadata"},
			{"metadata of 60 KiB values", "POST", thread, j, body(`{` + metadataMember(16, 64, 3800) + `}`), 400, "metadata"},
			{"metadata not strings", "POST", thread + "/messages", j, body(`{"role":"user","content":"x","metadata":{"a":{"b":1}}}`), 400, "metadata"},
			{"metadata modify of a message", "POST", thread, j, body(`{"metadata":{"":"empty key"}}`), 400, "metadata"},
			// Bodies of the wrong shape.
			{"not JSON", "POST", "/v1/assistants", j, body(`model=m`), 400, ""},
			{"JSON array", "POST", "/v1/assistants", j, body(`[{"model":"m"}]`), 400, ""},
			{"two values", "POST", "/v1/assistants", j, body(`{"model":"m"}{"model":"n"}`), 400, ""},
			{"wrong content type", "POST", "/v1/assistants", "text/plain", body(`{"model":"m"}`), 415, ""},
			{"deep nesting", "POST", "/v1/assistants", j, body(`{"model":"m","tools":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`), 400, ""},
			{"huge number", "POST", "/v1/assistants", j, body(`{"model":"m","temperature":1e400}`), 400, ""},
			{"unknown member", "POST", thread + "/runs", j, body(`{"assistant_id":"` + asst.ID + `","assistant":"x"}`), 400, "assistant"},
			{"tool of unknown type", "POST", "/v1/assistants", j, body(`{"model":"m","tools":[{"type":"browser"}]}`), 400, "tools[0].type"},
			{"bad function name", "POST", "/v1/assistants", j, body(`{"model":"m","tools":[{"type":"function","function":{"name":"../x"}}]}`), 400, "tools[0].function.name"},
			{"empty message", "POST", thread + "/messages", j, body(`{"role":"user","content":""}`), 400, "content"},
			{"system role", "POST", thread + "/messages", j, body(`{"role":"system","content":"x"}`), 400, "role"},
			{"stream without executor", "POST", thread + "/runs", j, body(`{"assistant_id":"` + asst.ID + `","stream":true}`), 400, "stream"},
			{"run without assistant_id", "POST", thread + "/runs", j, body(`{}`), 400, "assistant_id"},
			{"run of a missing assistant", "POST", thread + "/runs", j, body(`{"assistant_id":"asst_missing"}`), 404, ""},
			{"run with a bad additional message", "POST", thread + "/runs", j,
				body(`{"assistant_id":"` + asst.ID + `","additional_messages":[{"role":"user","content":[]}]}`), 400, "additional_messages[0].content"},
			{"thread and run of a missing assistant", "POST", "/v1/threads/runs", j,
				body(`{"assistant_id":"asst_missing","thread":{"messages":[{"role":"user","content":"x"}]}}`), 404, ""},
			{"thread and run with a bad message", "POST", "/v1/threads/runs", j,
				body(`{"assistant_id":"` + asst.ID + `","thread":{"messages":[{"role":"bot","content":"x"}]}}`), 400, "thread.messages[0].role"},
			{"thread and run with a bad effort", "POST", "/v1/threads/runs", j,
				body(`{"assistant_id":"` + asst.ID + `","reasoning_effort":"extreme"}`), 400, "reasoning_effort"},
			{"tool outputs to a missing run", "POST", thread + "/runs/run_1/submit_tool_outputs", j, body(`{"tool_outputs":[]}`), 404, ""},
			{"limit out of range", "GET", "/v1/assistants?limit=100000000000000000000", "", nil, 400, "limit"},
			{"bad include", "GET", thread + "/runs/run_1/steps?include[]=../../x", "", nil, 400, "include"},
		} {
			t.Run(rq.name, func(t *testing.T) {
				var r io.Reader
				if rq.body != nil {
					r = rq.body()
				}
				status, h, out := rawRequest(t, c, rq.method, srv.URL+rq.path, rq.contentType, r)
				var e struct{ Error apiError }
				if status != rq.status || h.Get("Content-Type") != "application/json" || json.Unmarshal(out, &e) != nil ||
					e.Error.Message == "" || e.Error.Type != api.TypeInvalidRequest || rq.param != "" && e.Error.param() != rq.param {
					t.Fatalf("%s %s: %d %s\nwant %d, param %q", rq.method, rq.path, status, out, rq.status, rq.param)
				}
			})
		}
		if after := bucketState(t, b); !maps.Equal(before, after) {
			t.Fatalf("hostile requests changed the bucket:\nbefore %v\nafter  %v", before, after)
		}
		// Still serving.
		if resp, err := c.Get(srv.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz after the hostile requests: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
		if status, _, out := rawRequest(t, c, "POST", srv.URL+thread+"/messages", "application/json",
			strings.NewReader(`{"role":"user","content":"still here"}`)); status != http.StatusOK {
			t.Fatalf("a message after the hostile requests: %d %s", status, out)
		}
	})
}

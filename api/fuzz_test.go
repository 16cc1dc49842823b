package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/storage/memstore"
)

// Any body decodes or answers a 4xx envelope with a message; nothing
// panics.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `{"model":"m","n":1}`, `{"model":}`, `{"n":1.5}`, `{"x":1}`, `{"nested":{"flag":1}}`,
		`{"role":"user","content":"hi"}`, `{"role":"user","content":[{"type":"text","text":3}]}`, `{"a":1} {}`, "\xff",
	} {
		f.Add([]byte(seed), "application/json")
	}
	f.Add([]byte(`{}`), "text/plain")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		for _, v := range []any{&createBody{}, &assistants.MessageCreateRequest{}} {
			r := httptest.NewRequest("POST", "/v1/x", bytes.NewReader(body))
			r.Header.Set("Content-Type", contentType)
			err := api.DecodeJSON(r, v)
			if err == nil {
				continue
			}
			var e *api.Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 || e.Message == "" || e.Type != api.TypeInvalidRequest {
				t.Fatalf("body %q: %#v", body, err)
			}
		}
	})
}

// fuzzTarget is one endpoint that takes a body.
type fuzzTarget struct {
	method, path, contentType string
}

// fuzzFixture is a server over memstore with the objects the endpoints'
// paths name, shared by the runs of FuzzRequestBodies in one process.
var fuzzFixture = sync.OnceValues(func() (*api.Server, []fuzzTarget) {
	s := api.New(api.Config{Bucket: memstore.New(), Logger: slog.New(slog.DiscardHandler)})
	create := func(path, body string) string {
		r := httptest.NewRequest("POST", path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		var v struct{ ID string }
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &v) != nil {
			panic(fmt.Sprintf("fixture %s: %d %s", path, w.Code, w.Body))
		}
		return v.ID
	}
	asst := create("/v1/assistants", `{"model":"m"}`)
	thread := create("/v1/threads", `{}`)
	msg := create("/v1/threads/"+thread+"/messages", `{"role":"user","content":"hi"}`)
	runThread := create("/v1/threads", `{}`)
	run := create("/v1/threads/"+runThread+"/runs", `{"assistant_id":"`+asst+`"}`)
	const j = "application/json"
	rt := "/v1/threads/" + runThread + "/runs/" + run
	return s, []fuzzTarget{
		{"POST", "/v1/assistants", j},
		{"POST", "/v1/assistants/" + asst, j},
		{"POST", "/v1/threads", j},
		{"POST", "/v1/threads/" + thread, j},
		{"POST", "/v1/threads/runs", j},
		{"POST", "/v1/threads/" + thread + "/messages", j},
		{"POST", "/v1/threads/" + thread + "/messages/" + msg, j},
		{"POST", "/v1/threads/" + runThread + "/runs", j},
		{"POST", rt, j},
		{"POST", rt + "/cancel", j},
		{"POST", rt + "/submit_tool_outputs", j},
		{"POST", "/v1/files", "multipart/form-data; boundary=XYZ"},
	}
})

// Whatever the body of whichever endpoint, the server answers 2xx, or
// 4xx with an error envelope; it never panics nor fails with a 5xx.
func FuzzRequestBodies(f *testing.F) {
	for i, seeds := range [][]string{
		{`{"model":"gpt-4o","name":"n","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"metadata":{"a":"b"},"temperature":1,"response_format":"auto"}`,
			`{"model":""}`, `{"model":"m","tools":[{"type":"x"}]}`, `{"model":"m","reasoning_effort":"max"}`},
		{`{"name":null,"instructions":"be brief","response_format":{"type":"json_object"}}`, `{"top_p":2}`},
		{`{"messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}`, ``, `{"messages":[{}]}`},
		{`{"metadata":{"k":"v"},"tool_resources":{"code_interpreter":{"file_ids":["file-1"]}}}`},
		{`{"assistant_id":"asst_1","thread":{"messages":[{"role":"user","content":"x"}]},"stream":true}`, `{"assistant_id":"asst_1","thread":{"messages":[{"role":"bot"}]}}`},
		{`{"role":"user","content":"hello","attachments":[{"file_id":"file-1","tools":[{"type":"file_search"}]}]}`, `{"role":"assistant","content":[]}`},
		{`{"metadata":{"seen":"1"}}`, `{"metadata":null}`},
		{`{"assistant_id":"asst_1","additional_messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"function","function":{"name":"f"}},"truncation_strategy":{"type":"last_messages","last_messages":2}}`},
		{`{"metadata":{"a":"b"}}`},
		{``, `{}`, `{"x":1}`},
		{`{"tool_outputs":[{"tool_call_id":"call_1","output":"4"}]}`, `{"tool_outputs":null,"stream":true}`},
		{"--XYZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello\r\n--XYZ--\r\n",
			"--XYZ\r\n\r\n", "--XYZ--"},
	} {
		for _, s := range seeds {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, endpoint uint8, body []byte) {
		s, targets := fuzzFixture()
		tg := targets[int(endpoint)%len(targets)]
		r := httptest.NewRequest(tg.method, tg.path, bytes.NewReader(body))
		r.Header.Set("Content-Type", tg.contentType)
		r.Header.Set("OpenAI-Beta", "assistants=v2")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		switch {
		case w.Code >= 200 && w.Code < 300:
			return
		case w.Code < 400 || w.Code > 499:
			t.Fatalf("%s %s %q: %d %s", tg.method, tg.path, body, w.Code, w.Body)
		}
		var e struct{ Error apiError }
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Message == "" || e.Error.Type != api.TypeInvalidRequest {
			t.Fatalf("%s %s %q: %d %s", tg.method, tg.path, body, w.Code, w.Body)
		}
	})
}

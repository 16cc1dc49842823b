package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/assistants"
)

type createBody struct {
	Name     *string           `json:"name"`
	Model    string            `json:"model"`
	TopP     *float64          `json:"top_p"`
	N        int               `json:"n"`
	Tags     []string          `json:"tags"`
	Metadata map[string]string `json:"metadata"`
	Nested   struct {
		Flag bool `json:"flag"`
	} `json:"nested"`
}

// decodeServer serves POST /v1/decode, which decodes a createBody and
// echoes it, and POST /v1/message, which decodes a message request.
func decodeServer(t *testing.T, cfg api.Config) *api.Server {
	s, _ := newServer(t, cfg)
	s.HandleForTest("POST /v1/decode", func(w http.ResponseWriter, r *http.Request) error {
		var b createBody
		if err := api.DecodeJSON(r, &b); err != nil {
			return err
		}
		return api.WriteJSON(w, http.StatusOK, b)
	})
	s.HandleForTest("POST /v1/message", func(w http.ResponseWriter, r *http.Request) error {
		var m assistants.MessageCreateRequest
		if err := api.DecodeJSON(r, &m); err != nil {
			return err
		}
		return api.WriteJSON(w, http.StatusOK, m)
	})
	return s
}

var jsonCT = []string{"Content-Type", "application/json"}

func TestDecodeJSON(t *testing.T) {
	s := decodeServer(t, api.Config{})
	for _, tc := range []struct {
		name, path, body string
		headers          []string
		status           int
		param, code      string
		message          string // prefix
	}{
		{"ok", "/v1/decode", `{"model":"gpt-4o","name":"x","metadata":{"a":"b"}}`, jsonCT, 200, "", "", ""},
		{"ok with charset", "/v1/decode", `{"model":"m"}`, []string{"Content-Type", "application/json; charset=utf-8"}, 200, "", "", ""},
		{"empty body, no content type", "/v1/decode", "", nil, 200, "", "", ""},
		{"white space only", "/v1/decode", " \n", nil, 200, "", "", ""},
		{"unknown member", "/v1/decode", `{"model":"m","temprature":1}`, jsonCT, 400, "temprature", "",
			"Unrecognized request argument supplied: temprature"},
		{"unknown nested member", "/v1/decode", `{"nested":{"flg":true}}`, jsonCT, 400, "flg", "",
			"Unrecognized request argument supplied: flg"},
		{"malformed", "/v1/decode", `{"model":}`, jsonCT, 400, "", "",
			"We could not parse the JSON body of your request. (HINT: invalid character '}'"},
		{"cut short", "/v1/decode", `{"model":"m"`, jsonCT, 400, "", "",
			"We could not parse the JSON body of your request. (HINT: the JSON value is cut short.)"},
		{"two values", "/v1/decode", `{"model":"m"} {}`, jsonCT, 400, "", "",
			"We could not parse the JSON body of your request. (HINT: the body holds more than one JSON value.)"},
		{"string for integer", "/v1/decode", `{"n":"3"}`, jsonCT, 400, "n", "invalid_type",
			"Invalid type for 'n': expected an integer, but got a string instead."},
		{"decimal for integer", "/v1/decode", `{"n":1.5}`, jsonCT, 400, "n", "invalid_type",
			"Invalid type for 'n': expected an integer, but got a decimal number instead."},
		{"number for string", "/v1/decode", `{"model":3}`, jsonCT, 400, "model", "invalid_type",
			"Invalid type for 'model': expected a string, but got a number instead."},
		{"object for array", "/v1/decode", `{"tags":{}}`, jsonCT, 400, "tags", "invalid_type",
			"Invalid type for 'tags': expected an array, but got an object instead."},
		{"bool for number", "/v1/decode", `{"top_p":true}`, jsonCT, 400, "top_p", "invalid_type",
			"Invalid type for 'top_p': expected a number, but got a boolean instead."},
		{"nested type", "/v1/decode", `{"nested":{"flag":"yes"}}`, jsonCT, 400, "nested.flag", "invalid_type",
			"Invalid type for 'nested.flag': expected a boolean, but got a string instead."},
		{"array body", "/v1/decode", `[1]`, jsonCT, 400, "", "invalid_type",
			"Invalid type for the request body: expected an object, but got an array instead."},
		{"no content type", "/v1/decode", `{"model":"m"}`, nil, 415, "", "unsupported_media_type",
			"Missing Content-Type: send the request body as JSON"},
		{"form content type", "/v1/decode", `model=m`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "", "unsupported_media_type",
			"Unsupported Content-Type 'application/x-www-form-urlencoded'"},
		{"custom unmarshaler field error", "/v1/message", `{"role":"user","content":[{"type":"text","text":3}]}`, jsonCT, 400, "content[0]", "",
			"Invalid 'content[0]': text: expected a string."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := request{method: "POST", path: tc.path, body: tc.body, headers: tc.headers}.send(s)
			if tc.status == 200 {
				if w.Code != 200 {
					t.Fatalf("status %d: %s", w.Code, w.Body)
				}
				return
			}
			e := errorOf(t, w, tc.status)
			if e.param() != tc.param || e.code() != tc.code || !strings.HasPrefix(e.Message, tc.message) || e.Type != api.TypeInvalidRequest {
				t.Fatalf("got param %q code %q message %q type %q;\nwant param %q code %q message %q",
					e.param(), e.code(), e.Message, e.Type, tc.param, tc.code, tc.message)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	s := decodeServer(t, api.Config{MaxBodyBytes: 64})
	big := `{"model":"` + strings.Repeat("x", 100) + `"}`
	check := func(t *testing.T, w *httptest.ResponseRecorder) {
		t.Helper()
		e := errorOf(t, w, 413)
		if e.code() != "request_too_large" || e.Message != "Request body too large: the limit is 64 bytes." {
			t.Fatalf("413: %+v", e)
		}
	}
	t.Run("content length", func(t *testing.T) {
		check(t, request{method: "POST", path: "/v1/decode", body: big, headers: jsonCT}.send(s))
	})
	t.Run("chunked", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/v1/decode", io.NopCloser(iotest.HalfReader(strings.NewReader(big))))
		r.ContentLength = -1
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		check(t, w)
	})
	t.Run("at the limit", func(t *testing.T) {
		body := `{"model":"` + strings.Repeat("x", 64-len(`{"model":""}`)) + `"}`
		if w := (request{method: "POST", path: "/v1/decode", body: body, headers: jsonCT}).send(s); w.Code != 200 {
			t.Fatalf("%d bytes: %d %s", len(body), w.Code, w.Body)
		}
	})
	t.Run("upload routes take more", func(t *testing.T) {
		s, _ := newServer(t, api.Config{MaxBodyBytes: 64, MaxUploadBytes: 1000})
		w := request{method: "POST", path: "/v1/files", body: strings.Repeat("x", 1000),
			headers: []string{"Content-Type", "multipart/form-data; boundary=x"}}.send(s)
		if e := errorOf(t, w, 400); e.code() != "invalid_multipart" {
			t.Fatalf("a body of 1000 bytes that is not multipart: %+v", e)
		}
		w = request{method: "POST", path: "/v1/files", body: strings.Repeat("x", 1065),
			headers: []string{"Content-Type", "multipart/form-data; boundary=x"}}.send(s)
		errorOf(t, w, 413)
	})
}

func TestWriteJSON(t *testing.T) {
	w := httptest.NewRecorder()
	if err := api.WriteJSON(w, 201, map[string]string{"html": "<a&b>"}); err != nil {
		t.Fatal(err)
	}
	if w.Code != 201 || w.Header().Get("Content-Type") != "application/json" ||
		w.Header().Get("Content-Length") != "17" || w.Body.String() != `{"html":"<a&b>"}`+"\n" {
		t.Fatalf("%d %v %q", w.Code, w.Header(), w.Body)
	}
	w = httptest.NewRecorder()
	if err := api.WriteJSON(w, 200, func() {}); err == nil || w.Body.Len() != 0 || len(w.Header()) != 0 {
		t.Fatalf("unencodable value: err %v, wrote %q %v", err, w.Body, w.Header())
	}
}

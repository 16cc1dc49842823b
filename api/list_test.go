package api_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/assistants"
)

func TestParseList(t *testing.T) {
	for _, tc := range []struct {
		query       string
		want        assistants.ListParams
		param, code string
		message     string
	}{
		{"", assistants.ListParams{Limit: 20, Order: "desc"}, "", "", ""},
		{"?limit=&order=", assistants.ListParams{Limit: 20, Order: "desc"}, "", "", ""},
		{"?limit=1&order=asc&after=msg_a&before=msg_b", assistants.ListParams{Limit: 1, Order: "asc", After: "msg_a", Before: "msg_b"}, "", "", ""},
		{"?limit=100", assistants.ListParams{Limit: 100, Order: "desc"}, "", "", ""},
		{"?limit=101", assistants.ListParams{}, "limit", "integer_above_max_value",
			"Invalid 'limit': integer above maximum value. Expected a value <= 100, but got 101 instead."},
		{"?limit=99999999999999999999999", assistants.ListParams{}, "limit", "integer_above_max_value",
			"Invalid 'limit': integer above maximum value. Expected a value <= 100, but got 99999999999999999999999 instead."},
		{"?limit=0", assistants.ListParams{}, "limit", "integer_below_min_value",
			"Invalid 'limit': integer below minimum value. Expected a value >= 1, but got 0 instead."},
		{"?limit=-99999999999999999999999", assistants.ListParams{}, "limit", "integer_below_min_value",
			"Invalid 'limit': integer below minimum value. Expected a value >= 1, but got -99999999999999999999999 instead."},
		{"?limit=ten", assistants.ListParams{}, "limit", "invalid_type",
			"Invalid 'limit': expected an integer, but got 'ten' instead."},
		{"?limit=1.5", assistants.ListParams{}, "limit", "invalid_type",
			"Invalid 'limit': expected an integer, but got '1.5' instead."},
		{"?order=up", assistants.ListParams{}, "order", "invalid_value",
			"Invalid value: 'up'. Supported values are: 'asc' and 'desc'."},
		{"?after=asst_1", assistants.ListParams{}, "after", "",
			"Invalid 'after': 'asst_1'. Expected an ID that begins with 'msg'."},
		{"?before=msg_..%2Fx", assistants.ListParams{}, "before", "",
			"Invalid 'before': 'msg_../x'. Character '.' at byte 4 is not an ASCII letter, digit, '_' or '-'."},
	} {
		r := httptest.NewRequest("GET", "/v1/threads/thread_1/messages"+tc.query, nil)
		got, err := api.ParseList(r, assistants.PrefixMessage)
		if tc.message == "" {
			if err != nil || got != tc.want {
				t.Errorf("%q: %+v, %v; want %+v", tc.query, got, err, tc.want)
			}
			continue
		}
		var e *api.Error
		if !errors.As(err, &e) {
			t.Errorf("%q: error %v is not an *api.Error", tc.query, err)
			continue
		}
		if e.Status != 400 || e.Param != tc.param || e.Code != tc.code || e.Message != tc.message {
			t.Errorf("%q: %d param %q code %q\n%s\nwant param %q code %q\n%s", tc.query, e.Status, e.Param, e.Code, e.Message, tc.param, tc.code, tc.message)
		}
	}
}

func TestParseFileList(t *testing.T) {
	r := httptest.NewRequest("GET", "/v1/files", nil)
	got, err := api.ParseFileList(r)
	if want := (assistants.FileListParams{Limit: 10000, Order: "desc"}); err != nil || got != want {
		t.Fatalf("defaults: %+v, %v", got, err)
	}
	r = httptest.NewRequest("GET", "/v1/files?purpose=assistants&limit=10000&order=asc&after=file-abc", nil)
	got, err = api.ParseFileList(r)
	if want := (assistants.FileListParams{Purpose: "assistants", Limit: 10000, Order: "asc", After: "file-abc"}); err != nil || got != want {
		t.Fatalf("all set: %+v, %v", got, err)
	}
	for query, param := range map[string]string{
		"?purpose=nope": "purpose", "?limit=10001": "limit", "?order=sideways": "order", "?after=file_abc": "after",
	} {
		_, err := api.ParseFileList(httptest.NewRequest("GET", "/v1/files"+query, nil))
		if e := api.ErrorFor(err); e == nil || e.Status != 400 || e.Param != param {
			t.Errorf("%s: %v", query, err)
		}
	}
	_, err = api.ParseFileList(httptest.NewRequest("GET", "/v1/files?after=thread_1", nil))
	if e := api.ErrorFor(err); e.Message != "Invalid 'after': 'thread_1'. Expected an ID that begins with 'file'." {
		t.Errorf("after: %q", e.Message)
	}
}

func TestPathID(t *testing.T) {
	s, _ := newServer(t, api.Config{})
	s.HandleForTest("GET /v1/things/{thread_id}", func(w http.ResponseWriter, r *http.Request) error {
		id, err := api.PathID(r, "thread_id", assistants.PrefixThread)
		if err != nil {
			return err
		}
		return api.WriteJSON(w, 200, map[string]string{"id": id})
	})
	for _, tc := range []struct {
		path, message string
	}{
		{"/v1/things/thread_abc", ""},
		{"/v1/things/asst_abc", "Invalid 'thread_id': 'asst_abc'. Expected an ID that begins with 'thread'."},
		{"/v1/things/thread_", "Invalid 'thread_id': 'thread_'. Nothing after the prefix \"thread_\"."},
		{"/v1/things/thread_a%2E%2E", "Invalid 'thread_id': 'thread_a..'. Character '.' at byte 8 is not an ASCII letter, digit, '_' or '-'."},
		{"/v1/things/%2E%2E%2Fthreads%2Fx", "Invalid 'thread_id': '../threads/x'. Expected an ID that begins with 'thread'."},
		{"/v1/things/thread_" + strings.Repeat("a", 100), "Invalid 'thread_id': 'thread_" + strings.Repeat("a", 57) + "...'. 107 bytes, longer than 64."},
	} {
		w := request{method: "GET", path: tc.path}.send(s)
		if tc.message == "" {
			if w.Code != 200 {
				t.Errorf("%s: %d %s", tc.path, w.Code, w.Body)
			}
			continue
		}
		e := errorOf(t, w, 400)
		if e.param() != "thread_id" || e.Message != tc.message {
			t.Errorf("%s: param %q\n%s\nwant\n%s", tc.path, e.param(), e.Message, tc.message)
		}
	}
}

package api_test

import (
	"encoding/json"
	"testing"

	"github.com/r2kit/r2kit/api"
)

// TestListThreads: GET /v1/threads pages threads newest first with the
// list envelope, checks its cursors and needs the key like every /v1
// route.
func TestListThreads(t *testing.T) {
	s, _ := newServer(t, api.Config{APIKeys: []string{testKey}})
	h := withKey(testKey, beta...)
	var created []string
	for range 5 {
		w := request{method: "POST", path: "/v1/threads", body: `{}`, headers: append(h, "Content-Type", "application/json")}.send(s)
		var th struct{ ID string }
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &th) != nil {
			t.Fatalf("create thread: %d %s", w.Code, w.Body)
		}
		created = append(created, th.ID)
	}
	type page struct {
		Object  string
		Data    []struct{ ID, Object string }
		FirstID *string `json:"first_id"`
		LastID  *string `json:"last_id"`
		HasMore bool    `json:"has_more"`
	}
	get := func(query string) page {
		t.Helper()
		w := request{method: "GET", path: "/v1/threads" + query, headers: h}.send(s)
		var p page
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &p) != nil {
			t.Fatalf("GET /v1/threads%s: %d %s", query, w.Code, w.Body)
		}
		return p
	}
	p := get("?limit=2")
	if p.Object != "list" || len(p.Data) != 2 || p.Data[0].ID != created[4] || p.Data[1].ID != created[3] ||
		!p.HasMore || *p.FirstID != created[4] || *p.LastID != created[3] || p.Data[0].Object != "thread" {
		t.Fatalf("first page: %+v", p)
	}
	p = get("?limit=2&after=" + *p.LastID)
	if len(p.Data) != 2 || p.Data[0].ID != created[2] || !p.HasMore {
		t.Fatalf("second page: %+v", p)
	}
	p = get("?limit=2&after=" + *p.LastID)
	if len(p.Data) != 1 || p.Data[0].ID != created[0] || p.HasMore {
		t.Fatalf("last page: %+v", p)
	}
	p = get("?order=asc&limit=1")
	if len(p.Data) != 1 || p.Data[0].ID != created[0] {
		t.Fatalf("asc: %+v", p)
	}

	e := errorOf(t, request{method: "GET", path: "/v1/threads?after=msg_1", headers: h}.send(s), 400)
	if e.param() != "after" {
		t.Fatalf("bad cursor: %+v", e)
	}
	e = errorOf(t, request{method: "GET", path: "/v1/threads", headers: withKey("sk-wrong-0123456789", beta...)}.send(s), 401)
	if e.code() != "invalid_api_key" {
		t.Fatalf("wrong key: %+v", e)
	}
}

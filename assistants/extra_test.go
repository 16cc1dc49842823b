package assistants

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// A newer version's members: a scalar, an object, an array and a null,
// plus a key that differs from a known member only in case (encoding/json
// matches it to the known member, so it must not be duplicated).
const newerMembers = `"zz_flag":true,"reasoning_effort":"high","future":{"nested":[1,2,{"k":"v"}]},"gone":null`

func TestUnknownFieldsPreserved(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     string
		decode func([]byte) (any, error)
		modify func(any)
	}{
		{"assistant", `{"id":"asst_1","object":"assistant","created_at":1,"name":"a","description":null,"model":"m","instructions":null,"tools":[],"metadata":{},` + newerMembers + `}`,
			decodeAs[Assistant], func(v any) { v.(*Assistant).Name = Ptr("renamed") }},
		{"thread", `{"id":"thread_1","object":"thread","created_at":1,"tool_resources":null,"metadata":{},` + newerMembers + `}`,
			decodeAs[Thread], func(v any) { v.(*Thread).Metadata = Metadata{"k": "v"} }},
		{"message", `{"id":"msg_1","object":"thread.message","created_at":1,"thread_id":"thread_1","status":"completed","role":"user","content":[],"metadata":{},` + newerMembers + `}`,
			decodeAs[Message], func(v any) { v.(*Message).Metadata = Metadata{"k": "v"} }},
		{"run", `{"id":"run_1","object":"thread.run","created_at":1,"thread_id":"thread_1","assistant_id":"asst_1","status":"queued","model":"m","instructions":"","tools":[],"metadata":{},"parallel_tool_calls":true,` + newerMembers + `}`,
			decodeAs[Run], func(v any) { _ = v.(*Run).Transition(RunInProgress, 5) }},
		{"step", `{"id":"step_1","object":"thread.run.step","created_at":1,"assistant_id":"asst_1","thread_id":"thread_1","run_id":"run_1","type":"message_creation","status":"in_progress","step_details":{"type":"message_creation","message_creation":{"message_id":"msg_1"}},"metadata":{},` + newerMembers + `}`,
			decodeAs[RunStep], func(v any) { _ = v.(*RunStep).Transition(StepCompleted, 5) }},
		{"file", `{"id":"file-1","object":"file","bytes":1,"created_at":1,"filename":"f","purpose":"assistants","status":"processed",` + newerMembers + `}`,
			decodeAs[File], func(v any) { v.(*File).Status = FileError }},
		{"tool", `{"type":"function","function":{"name":"f"},` + newerMembers + `}`,
			decodeAs[Tool], func(v any) { v.(*Tool).Function.Description = "d" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := tc.decode([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			tc.modify(v)
			out := mustMarshal(t, v)
			var got map[string]json.RawMessage
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			var want map[string]json.RawMessage
			_ = json.Unmarshal([]byte("{"+newerMembers+"}"), &want)
			for k, w := range want {
				if !reflect.DeepEqual(normalize(t, got[k]), normalize(t, w)) {
					t.Errorf("member %s = %s; want %s (output %s)", k, got[k], w, out)
				}
			}
			// The newer members survive a second round trip too.
			v2, err := tc.decode(out)
			if err != nil {
				t.Fatal(err)
			}
			if out2 := mustMarshal(t, v2); string(out2) != string(out) {
				t.Errorf("second round trip differs:\n%s\n%s", out, out2)
			}
		})
	}
}

func TestExtraNeverShadowsKnownMembers(t *testing.T) {
	// A key equal to a known member up to case is consumed by the known
	// member (as encoding/json does), not kept twice.
	var th Thread
	if err := json.Unmarshal([]byte(`{"id":"thread_1","ID":"thread_2","Metadata":{"a":"b"},"x":1}`), &th); err != nil {
		t.Fatal(err)
	}
	if _, ok := th.Extra["ID"]; ok || len(th.Extra) != 1 {
		t.Errorf("Extra = %v; want only x", th.Extra)
	}
	out := string(mustMarshal(t, th))
	if strings.Count(strings.ToLower(out), `"id"`) != 1 {
		t.Errorf("id written twice: %s", out)
	}
	// An Extra entry set by hand that names a known member is ignored.
	th.Extra = Extra{"metadata": json.RawMessage(`{"evil":"x"}`), "created_at": json.RawMessage(`5`)}
	out = string(mustMarshal(t, th))
	if strings.Contains(out, "evil") || strings.Count(out, "created_at") != 1 {
		t.Errorf("Extra overrode a known member: %s", out)
	}
	// Invalid JSON in Extra is a marshal error, not corrupt output.
	th.Extra = Extra{"bad": json.RawMessage(`{`)}
	if _, err := json.Marshal(th); err == nil {
		t.Errorf("marshal with invalid Extra JSON succeeded")
	}
}

func TestExtraEmptyObjectFromNull(t *testing.T) {
	var a Assistant
	if err := json.Unmarshal([]byte(`null`), &a); err != nil || a.Extra != nil {
		t.Errorf("null: %v, %v", err, a.Extra)
	}
}

// TestUnknownVariantsSurviveRewrite: a message whose content holds a
// part type this version does not know keeps it verbatim when rewritten,
// but fails validation, so a store refuses to write it back changed.
func TestUnknownVariantsSurviveRewrite(t *testing.T) {
	in := `{"id":"msg_1","object":"thread.message","created_at":1,"thread_id":"thread_1","status":"completed","incomplete_details":null,"completed_at":1,"incomplete_at":null,"role":"assistant","content":[{"type":"text","text":{"value":"hi","annotations":[]}},{"type":"audio","audio":{"id":"aud_1","transcript":"hi"}}],"assistant_id":null,"run_id":null,"attachments":[],"metadata":{}}`
	var m Message
	if err := json.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalize(t, []byte(in)), normalize(t, mustMarshal(t, m))) {
		t.Errorf("unknown part not kept: %s", mustMarshal(t, m))
	}
	err := m.Validate()
	if err == nil || err.(*FieldError).Field() != "content[1].type" {
		t.Errorf("Validate = %v; want an error for content[1].type", err)
	}
}

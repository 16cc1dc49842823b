package store_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// hostileIDs returns ids that must never become keys, for a position
// that expects prefix: traversal, separators, empty, 10 KB, NUL and
// control bytes, Unicode look-alikes, dots, the wrong prefix.
func hostileIDs(prefix string) map[string]string {
	return map[string]string{
		"traversal":             "../x",
		"prefixed traversal":    prefix + "../x",
		"separator":             "a/b",
		"prefixed separator":    prefix + "a/b",
		"backslash":             prefix + `a\b`,
		"empty":                 "",
		"prefix only":           prefix,
		"10 KB":                 prefix + strings.Repeat("a", 10<<10),
		"NUL":                   prefix + "a\x00b",
		"newline":               prefix + "a\nb",
		"cyrillic look-alike":   prefix + "\u0430bc",
		"fullwidth look-alike":  prefix + "\uff41bc",
		"fullwidth solidus":     prefix + "a\uff0fb",
		"dot":                   prefix + "a.json",
		"space":                 prefix + "a b",
		"wrong prefix":          "x" + prefix + "abc",
		"invalid UTF-8":         prefix + "\xff",
		"percent-encoded slash": prefix + "a%2fb",
	}
}

// TestHostileIDs calls every store method with a hostile id in each id
// position: each call fails with an error matching storage.ErrInvalidKey
// that says the id is invalid, and nothing is written.
func TestHostileIDs(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		b := newBucket(t)
		s := store.Open(b, nil)

		// Valid entities for the other id positions.
		asst := assistants.NewID(assistants.PrefixAssistant)
		if _, err := s.Assistants.Put(ctx, newAssistant(asst)); err != nil {
			t.Fatal(err)
		}
		thread := mustThread(t, s)
		msg, err := s.Messages.Create(ctx, thread, userText("hi"))
		if err != nil {
			t.Fatal(err)
		}
		run := newRun(thread)
		if _, err := s.Runs.Create(ctx, run); err != nil {
			t.Fatal(err)
		}
		step := newStep(thread, run.ID, msg.Value.ID)
		if _, err := s.Steps.PutIf(ctx, step, ""); err != nil {
			t.Fatal(err)
		}
		file, err := s.Files.Create(ctx, strings.NewReader("data"), store.FileUpload{Filename: "a.txt", Purpose: assistants.PurposeAssistants})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tools.Put(ctx, assistants.CodeInterpreterTool()); err != nil {
			t.Fatal(err)
		}
		th, m, r := thread, msg.Value.ID, run.ID
		e := func(_ any, err error) error { return err }
		msgWith := func(thread, id string) assistants.Message {
			v := msg.Value
			v.ThreadID, v.ID = thread, id
			return v
		}
		runWith := func(thread, id string) assistants.Run {
			v := run
			v.ThreadID, v.ID = thread, id
			return v
		}
		stepWith := func(thread, run, id string) assistants.RunStep {
			v := step
			v.ThreadID, v.RunID, v.ID = thread, run, id
			return v
		}
		lp := func(after, before string) assistants.ListParams {
			return assistants.ListParams{After: after, Before: before}
		}
		type call struct {
			name   string
			prefix string
			fn     func(h string) error
		}
		A, T, M, R, S, F := assistants.PrefixAssistant, assistants.PrefixThread, assistants.PrefixMessage,
			assistants.PrefixRun, assistants.PrefixStep, assistants.PrefixFile
		calls := []call{
			{"Assistants.Get", A, func(h string) error { return e(s.Assistants.Get(ctx, h)) }},
			{"Assistants.Exists", A, func(h string) error { return e(s.Assistants.Exists(ctx, h)) }},
			{"Assistants.Put", A, func(h string) error { return e(s.Assistants.Put(ctx, newAssistant(h))) }},
			{"Assistants.PutIf create", A, func(h string) error { return e(s.Assistants.PutIf(ctx, newAssistant(h), "")) }},
			{"Assistants.PutIf etag", A, func(h string) error { return e(s.Assistants.PutIf(ctx, newAssistant(h), `"x"`)) }},
			{"Assistants.Update", A, func(h string) error {
				return e(s.Assistants.Update(ctx, h, func(*assistants.Assistant) error { return nil }))
			}},
			{"Assistants.Delete", A, func(h string) error { return s.Assistants.Delete(ctx, h, "") }},
			{"Assistants.List after", A, func(h string) error { return e(s.Assistants.List(ctx, lp(h, ""))) }},
			{"Assistants.List before", A, func(h string) error { return e(s.Assistants.List(ctx, lp("", h))) }},

			{"Threads.Get", T, func(h string) error { return e(s.Threads.Get(ctx, h)) }},
			{"Threads.Exists", T, func(h string) error { return e(s.Threads.Exists(ctx, h)) }},
			{"Threads.Put", T, func(h string) error { return e(s.Threads.Put(ctx, assistants.Thread{ID: h})) }},
			{"Threads.PutIf", T, func(h string) error { return e(s.Threads.PutIf(ctx, assistants.Thread{ID: h}, "")) }},
			{"Threads.PutIf etag", T, func(h string) error { return e(s.Threads.PutIf(ctx, assistants.Thread{ID: h}, `"x"`)) }},
			{"Threads.Update", T, func(h string) error {
				return e(s.Threads.Update(ctx, h, func(*assistants.Thread) error { return nil }))
			}},
			{"Threads.Delete", T, func(h string) error { return s.Threads.Delete(ctx, h, "") }},

			{"Messages.Get thread", T, func(h string) error { return e(s.Messages.Get(ctx, h, m)) }},
			{"Messages.Get id", M, func(h string) error { return e(s.Messages.Get(ctx, th, h)) }},
			{"Messages.Exists thread", T, func(h string) error { return e(s.Messages.Exists(ctx, h, m)) }},
			{"Messages.Exists id", M, func(h string) error { return e(s.Messages.Exists(ctx, th, h)) }},
			{"Messages.Create thread", T, func(h string) error { return e(s.Messages.Create(ctx, h, userText("x"))) }},
			{"Messages.Put thread", T, func(h string) error { return e(s.Messages.Put(ctx, msgWith(h, m))) }},
			{"Messages.Put id", M, func(h string) error { return e(s.Messages.Put(ctx, msgWith(th, h))) }},
			{"Messages.PutIf thread", T, func(h string) error { return e(s.Messages.PutIf(ctx, msgWith(h, m), "")) }},
			{"Messages.PutIf id", M, func(h string) error { return e(s.Messages.PutIf(ctx, msgWith(th, h), msg.ETag)) }},
			{"Messages.Update thread", T, func(h string) error {
				return e(s.Messages.Update(ctx, h, m, func(*assistants.Message) error { return nil }))
			}},
			{"Messages.Update id", M, func(h string) error {
				return e(s.Messages.Update(ctx, th, h, func(*assistants.Message) error { return nil }))
			}},
			{"Messages.Delete thread", T, func(h string) error { return s.Messages.Delete(ctx, h, m, "") }},
			{"Messages.Delete id", M, func(h string) error { return s.Messages.Delete(ctx, th, h, "") }},
			{"Messages.List thread", T, func(h string) error { return e(s.Messages.List(ctx, h, store.MessageListParams{})) }},
			{"Messages.List after", M, func(h string) error {
				return e(s.Messages.List(ctx, th, store.MessageListParams{ListParams: lp(h, "")}))
			}},
			{"Messages.List before", M, func(h string) error {
				return e(s.Messages.List(ctx, th, store.MessageListParams{ListParams: lp("", h)}))
			}},
			{"Messages.List filter run_id", R, func(h string) error {
				return e(s.Messages.List(ctx, th, store.MessageListParams{RunID: h}))
			}},

			{"Runs.Get thread", T, func(h string) error { return e(s.Runs.Get(ctx, h, r)) }},
			{"Runs.Get id", R, func(h string) error { return e(s.Runs.Get(ctx, th, h)) }},
			{"Runs.Exists thread", T, func(h string) error { return e(s.Runs.Exists(ctx, h, r)) }},
			{"Runs.Exists id", R, func(h string) error { return e(s.Runs.Exists(ctx, th, h)) }},
			{"Runs.Active", T, func(h string) error { _, _, err := s.Runs.Active(ctx, h); return err }},
			{"Runs.Create thread", T, func(h string) error { return e(s.Runs.Create(ctx, runWith(h, assistants.NewID(R)))) }},
			{"Runs.Create id", R, func(h string) error { return e(s.Runs.Create(ctx, runWith(th, h))) }},
			{"Runs.Put thread", T, func(h string) error { return e(s.Runs.Put(ctx, runWith(h, r))) }},
			{"Runs.Put id", R, func(h string) error { return e(s.Runs.Put(ctx, runWith(th, h))) }},
			{"Runs.PutIf id", R, func(h string) error { return e(s.Runs.PutIf(ctx, runWith(th, h), `"x"`)) }},
			{"Runs.Update thread", T, func(h string) error {
				return e(s.Runs.Update(ctx, h, r, func(*assistants.Run) error { return nil }))
			}},
			{"Runs.Update id", R, func(h string) error {
				return e(s.Runs.Update(ctx, th, h, func(*assistants.Run) error { return nil }))
			}},
			{"Runs.Transition id", R, func(h string) error {
				return e(s.Runs.Transition(ctx, th, h, assistants.RunInProgress, nil))
			}},
			{"Runs.Delete thread", T, func(h string) error { return s.Runs.Delete(ctx, h, r, "") }},
			{"Runs.Delete id", R, func(h string) error { return s.Runs.Delete(ctx, th, h, "") }},
			{"Runs.List thread", T, func(h string) error { return e(s.Runs.List(ctx, h, assistants.ListParams{})) }},
			{"Runs.List after", R, func(h string) error { return e(s.Runs.List(ctx, th, lp(h, ""))) }},

			{"Steps.Get thread", T, func(h string) error { return e(s.Steps.Get(ctx, h, r, step.ID)) }},
			{"Steps.Get run", R, func(h string) error { return e(s.Steps.Get(ctx, th, h, step.ID)) }},
			{"Steps.Get id", S, func(h string) error { return e(s.Steps.Get(ctx, th, r, h)) }},
			{"Steps.Exists run", R, func(h string) error { return e(s.Steps.Exists(ctx, th, h, step.ID)) }},
			{"Steps.Put thread", T, func(h string) error { return e(s.Steps.Put(ctx, stepWith(h, r, step.ID))) }},
			{"Steps.Put run", R, func(h string) error { return e(s.Steps.Put(ctx, stepWith(th, h, step.ID))) }},
			{"Steps.Put id", S, func(h string) error { return e(s.Steps.Put(ctx, stepWith(th, r, h))) }},
			{"Steps.PutIf run", R, func(h string) error { return e(s.Steps.PutIf(ctx, stepWith(th, h, step.ID), "")) }},
			{"Steps.Update id", S, func(h string) error {
				return e(s.Steps.Update(ctx, th, r, h, func(*assistants.RunStep) error { return nil }))
			}},
			{"Steps.Transition run", R, func(h string) error {
				return e(s.Steps.Transition(ctx, th, h, step.ID, assistants.StepCompleted, nil))
			}},
			{"Steps.Delete id", S, func(h string) error { return s.Steps.Delete(ctx, th, r, h, "") }},
			{"Steps.Delete thread", T, func(h string) error { return s.Steps.Delete(ctx, h, r, step.ID, "") }},
			{"Steps.List run", R, func(h string) error { return e(s.Steps.List(ctx, th, h, assistants.ListParams{})) }},
			{"Steps.List before", S, func(h string) error { return e(s.Steps.List(ctx, th, r, lp("", h))) }},

			{"Files.GetMetadata", F, func(h string) error { return e(s.Files.GetMetadata(ctx, h)) }},
			{"Files.Exists", F, func(h string) error { return e(s.Files.Exists(ctx, h)) }},
			{"Files.PutMetadata", F, func(h string) error {
				v := file.Value
				v.ID = h
				return e(s.Files.PutMetadata(ctx, v))
			}},
			{"Files.UpdateMetadata", F, func(h string) error {
				return e(s.Files.UpdateMetadata(ctx, h, func(*assistants.File) error { return nil }))
			}},
			{"Files.PutBlob", F, func(h string) error { return e(s.Files.PutBlob(ctx, h, strings.NewReader("x"), nil)) }},
			{"Files.GetBlob", F, func(h string) error { return e(s.Files.GetBlob(ctx, h, nil)) }},
			{"Files.BlobURL", F, func(h string) error { return e(s.Files.BlobURL(ctx, h, time.Minute)) }},
			{"Files.Delete", F, func(h string) error { return s.Files.Delete(ctx, h) }},
			{"Files.List after", F, func(h string) error { return e(s.Files.List(ctx, assistants.FileListParams{After: h})) }},

			{"Tools.Get", "", func(h string) error { return e(s.Tools.Get(ctx, h)) }},
			{"Tools.Exists", "", func(h string) error { return e(s.Tools.Exists(ctx, h)) }},
			{"Tools.Put", "", func(h string) error {
				return e(s.Tools.Put(ctx, assistants.FunctionTool(assistants.FunctionDefinition{Name: h})))
			}},
			{"Tools.PutIf", "", func(h string) error {
				return e(s.Tools.PutIf(ctx, assistants.FunctionTool(assistants.FunctionDefinition{Name: h}), ""))
			}},
			{"Tools.Update", "", func(h string) error { return e(s.Tools.Update(ctx, h, func(*assistants.Tool) error { return nil })) }},
			{"Tools.Delete", "", func(h string) error { return s.Tools.Delete(ctx, h, "") }},
		}
		before := allKeys(t, b)
		contents := map[string][]byte{}
		for _, k := range before {
			contents[k] = read(t, b, k)
		}
		for _, c := range calls {
			for what, h := range hostileIDs(c.prefix) {
				switch {
				case c.prefix == "" && (what == "prefix only" || what == "wrong prefix"):
					continue // tool names have no prefix
				case what == "empty" && strings.Contains(c.name, "List ") && !strings.Contains(c.name, "List thread") && !strings.Contains(c.name, "List run"):
					continue // an empty cursor or filter is no cursor or filter
				}
				err := c.fn(h)
				switch {
				case err == nil:
					t.Errorf("%s(%s): no error", c.name, what)
				case !errors.Is(err, storage.ErrInvalidKey):
					t.Errorf("%s(%s): err = %v, want one matching storage.ErrInvalidKey", c.name, what, err)
				case !strings.Contains(err.Error(), "invalid id") && !strings.Contains(err.Error(), "invalid tool name"):
					t.Errorf("%s(%s): error %q does not say the id is invalid", c.name, what, err)
				case len(err.Error()) > 400:
					t.Errorf("%s(%s): error of %d bytes", c.name, what, len(err.Error()))
				}
			}
		}
		after := allKeys(t, b)
		if !slices.Equal(before, after) {
			t.Fatalf("hostile calls changed the bucket:\nbefore %q\nafter  %q", before, after)
		}
		for _, k := range after {
			if !bytes.Equal(read(t, b, k), contents[k]) {
				t.Errorf("hostile calls rewrote %s", k)
			}
		}
	})
}

// TestHostileValues writes values whose ids in other fields are hostile:
// validation refuses them before anything is written.
func TestHostileValues(t *testing.T) {
	ctx := t.Context()
	b := backendtest.NewBucket(t, "mem")
	s := store.Open(b, nil)
	thread := mustThread(t, s)
	before := allKeys(t, b)
	m := assistants.Message{ID: assistants.NewID(assistants.PrefixMessage), ThreadID: thread,
		Role: assistants.RoleUser, Status: assistants.MessageCompleted,
		Content: []assistants.ContentPart{assistants.TextPart("x")}, RunID: assistants.Ptr("run_../../x")}
	if _, err := s.Messages.Put(ctx, m); !errors.Is(err, doc.ErrValidation) || !strings.Contains(err.Error(), "run_id") {
		t.Fatalf("message with a hostile run_id: err = %v", err)
	}
	if _, err := s.Messages.Create(ctx, thread, &assistants.MessageCreateRequest{Role: "system", Content: assistants.TextInput("x")}); !errors.Is(err, doc.ErrValidation) {
		t.Fatalf("create request with a bad role: err = %v", err)
	}
	r := newRun(thread)
	r.AssistantID = "asst_a/b"
	if _, err := s.Runs.Create(ctx, r); !errors.Is(err, doc.ErrValidation) || !strings.Contains(err.Error(), "assistant_id") {
		t.Fatalf("run with a hostile assistant_id: err = %v", err)
	}
	if _, err := s.Files.Create(ctx, strings.NewReader("x"), store.FileUpload{Filename: "a", Purpose: "../x"}); !errors.Is(err, doc.ErrValidation) {
		t.Fatalf("file with a bad purpose: err = %v", err)
	}
	if after := allKeys(t, b); !slices.Equal(before, after) {
		t.Fatalf("invalid values were written: %q -> %q", before, after)
	}
}

func read(t *testing.T, b storage.Bucket, key string) []byte {
	t.Helper()
	obj, err := b.Get(t.Context(), key, nil)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer obj.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(obj.Body); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

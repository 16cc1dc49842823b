package assistants

import (
	"errors"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/r2kit/r2kit/internal/hostileid"
	"github.com/r2kit/r2kit/storage"
)

var generatedRE = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{26}$`)

func TestNewIDFormat(t *testing.T) {
	for _, prefix := range []string{PrefixAssistant, PrefixThread, PrefixMessage, PrefixRun, PrefixStep, PrefixFile, PrefixToolCall} {
		id := NewID(prefix)
		if !strings.HasPrefix(id, prefix) || !generatedRE.MatchString(id[len(prefix):]) {
			t.Errorf("NewID(%q) = %q: want the prefix and 26 lower-case Crockford digits", prefix, id)
		}
		if err := ParseID(prefix, id); err != nil {
			t.Errorf("ParseID(%q, NewID) = %v", prefix, err)
		}
		ts, ok := IDTime(prefix, id)
		if !ok || time.Since(ts).Abs() > time.Minute {
			t.Errorf("IDTime(%q) = %v, %v; want about now", id, ts, ok)
		}
	}
}

func TestNewIDTightLoopIncreasing(t *testing.T) {
	const n = 10000
	seen := make(map[string]bool, n)
	prev := ""
	for range n {
		id := NewID(PrefixMessage)
		if id <= prev {
			t.Fatalf("id %q after %q: not strictly increasing", id, prev)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
		prev = id
	}
}

func TestNewIDConcurrentUnique(t *testing.T) {
	const goroutines, per = 16, 2000
	ids := make([][]string, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for range per {
				ids[g] = append(ids[g], NewID(PrefixRun))
			}
		})
	}
	wg.Wait()
	seen := make(map[string]bool, goroutines*per)
	for g := range ids {
		for i, id := range ids[g] {
			if seen[id] {
				t.Fatalf("duplicate id %q", id)
			}
			seen[id] = true
			if i > 0 && id <= ids[g][i-1] {
				t.Fatalf("goroutine %d: %q after %q", g, id, ids[g][i-1])
			}
		}
	}
}

// fakeClock is a settable clock for the generator.
type fakeClock struct{ ms int64 }

func (c *fakeClock) now() time.Time { return time.UnixMilli(c.ms) }

func TestNewIDClockBackwards(t *testing.T) {
	clock := &fakeClock{ms: 1_700_000_000_000}
	g := newIDGen(clock.now, func(b []byte) { fillRandom(b) })
	a := g.next("x_")
	clock.ms -= 5000 // the clock steps back five seconds
	b := g.next("x_")
	c := g.next("x_")
	clock.ms += 10000
	d := g.next("x_")
	if !(a < b && b < c && c < d) {
		t.Fatalf("ids not increasing across a clock step back: %q %q %q %q", a, b, c, d)
	}
	if ta, _ := IDTime("x_", a); !ta.Equal(time.UnixMilli(1_700_000_000_000)) {
		t.Errorf("IDTime(a) = %v", ta)
	}
	if tb, _ := IDTime("x_", b); !tb.Equal(time.UnixMilli(1_700_000_000_000)) {
		t.Errorf("after a step back the generator should keep the last millisecond, got %v", tb)
	}
}

func TestNewIDCounterWraps(t *testing.T) {
	clock := &fakeClock{ms: 1000}
	g := newIDGen(clock.now, func(b []byte) {
		for i := range b {
			b[i] = 0xff // top bit is cleared by the generator
		}
	})
	g.next("x_")
	g.tail = [10]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	before := g.next("x_") // wraps: borrows the next millisecond
	after := g.next("x_")
	if ts, _ := IDTime("x_", before); ts.UnixMilli() != 1001 {
		t.Fatalf("after wrapping, time = %d ms; want 1001", ts.UnixMilli())
	}
	if !(before < after) {
		t.Fatalf("%q !< %q", before, after)
	}
}

func TestNewIDSameMillisecondCounts(t *testing.T) {
	clock := &fakeClock{ms: 42}
	g := newIDGen(clock.now, func(b []byte) { clear(b) })
	want := []string{
		"x_000000001a0000000000000000",
		"x_000000001a0000000000000001",
		"x_000000001a0000000000000002",
	}
	for i, w := range want {
		if got := g.next("x_"); got != w {
			t.Errorf("id %d = %q; want %q", i, got, w)
		}
	}
}

func TestSuffixOrderIsNumericOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	enc := func(ms uint64, tail [10]byte) string {
		b := make([]byte, suffixLen)
		encodeSuffix(b, ms, tail)
		return string(b)
	}
	for range 20000 {
		ms1, ms2 := r.Uint64N(1<<48), r.Uint64N(1<<48)
		if r.IntN(4) == 0 {
			ms2 = ms1
		}
		var t1, t2 [10]byte
		fillWith(r, t1[:])
		fillWith(r, t2[:])
		s1, s2 := enc(ms1, t1), enc(ms2, t2)
		numLess := ms1 < ms2 || ms1 == ms2 && string(t1[:]) < string(t2[:])
		if (s1 < s2) != numLess {
			t.Fatalf("order mismatch: (%d,%x)=%s vs (%d,%x)=%s", ms1, t1, s1, ms2, t2, s2)
		}
	}
}

func TestNewIDPanicsOnBadPrefix(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewID(\"a/b\") did not panic")
		}
	}()
	NewID("a/b")
}

func TestIDTimeRejectsForeignIDs(t *testing.T) {
	for _, id := range []string{"asst_abc123", "asst_01JQ3V6X4H8C2M9K7R5T0W1Y3Z", "asst_01jq3v6x4h8c2m9k7r5t0w1y3", "asst_zzzzzzzzzzzzzzzzzzzzzzzzzz", "asst_01jq3v6x4h8c2m9k7r5t0w1y3u"} {
		if ts, ok := IDTime(PrefixAssistant, id); ok {
			t.Errorf("IDTime(%q) = %v, true; want false", id, ts)
		}
	}
}

func TestParseIDRejectsHostile(t *testing.T) {
	for _, tc := range hostileid.IDs {
		t.Run(tc.Name, func(t *testing.T) {
			err := ParseID(PrefixAssistant, tc.ID)
			if err == nil {
				t.Fatalf("ParseID(%q) = nil; want an error", tc.ID)
			}
			if !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("error %v does not match storage.ErrInvalidKey", err)
			}
			var ie *IDError
			if !errors.As(err, &ie) || ie.ID != tc.ID {
				t.Errorf("error %v is not an *IDError naming the id", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.Reason) {
				t.Errorf("error %q does not say %q", msg, tc.Reason)
			}
			if !strings.Contains(msg, quoteID(tc.ID)) {
				t.Errorf("error %q does not name the id", msg)
			}
			if len(msg) > 400 {
				t.Errorf("error message is %d bytes long", len(msg))
			}
		})
	}
}

func TestParseIDAccepts(t *testing.T) {
	for _, tc := range []struct{ prefix, id string }{
		{PrefixAssistant, "asst_abc123"},
		{PrefixAssistant, "asst_01jq3v6x4h8c2m9k7r5t0w1y3z"},
		{PrefixThread, "thread_abc123"},
		{PrefixMessage, "msg_abc123"},
		{PrefixRun, "run_abc123"},
		{PrefixStep, "step_abc123"},
		{PrefixFile, "file-BK7bzQj3FfZFXr7DbL6xJwfo"},
		{PrefixToolCall, "call_iWr0kQ2EaYMaxNdl0v3KYkx7"},
		{PrefixMessage, "msg_0b8b6a8e-4c1f-4b0e-9e2a-1f2e3d4c5b6a"}, // imported, uuid form
		{PrefixThread, "thread_" + strings.Repeat("a", MaxIDLen-len("thread_"))},
		{"", "anything_goes-1"},
	} {
		if err := ParseID(tc.prefix, tc.id); err != nil {
			t.Errorf("ParseID(%q, %q) = %v", tc.prefix, tc.id, err)
		}
	}
}

func fillRandom(b []byte) {
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
}

func fillWith(r *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}

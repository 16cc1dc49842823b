package s3store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// sendLog records the writes a test sends through a pacer.
type sendLog struct {
	mu       sync.Mutex
	inFlight int
	overlaps int
	lastEnd  time.Time
	gaps     []time.Duration
}

// send is a write request: it records the gap since the previous
// request's end and any overlap with another.
func (l *sendLog) send() error {
	l.mu.Lock()
	l.inFlight++
	if l.inFlight > 1 {
		l.overlaps++
	}
	if !l.lastEnd.IsZero() {
		l.gaps = append(l.gaps, time.Since(l.lastEnd))
	}
	l.mu.Unlock()
	time.Sleep(2 * time.Millisecond)
	l.mu.Lock()
	l.inFlight--
	// Stamped before the pacer stamps its own end: a measured gap is
	// never longer than the pacer's.
	l.lastEnd = time.Now()
	l.mu.Unlock()
	return nil
}

// check fails t unless n requests were sent one at a time, each at
// least interval after the previous one's end. Only lower bounds are
// checked: a slow machine cannot fail it.
func (l *sendLog) check(t *testing.T, n int, interval time.Duration) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.overlaps > 0 {
		t.Errorf("%d writes to one key were in flight together", l.overlaps)
	}
	if len(l.gaps) != n-1 {
		t.Fatalf("%d gaps, want %d", len(l.gaps), n-1)
	}
	for i, g := range l.gaps {
		if g < interval {
			t.Errorf("gap %d: %v between writes to one key, want at least %v", i, g, interval)
		}
	}
}

func pacedBucket(interval time.Duration) *Bucket { return &Bucket{pace: newPacer(interval)} }

// TestPacerSpacesWrites: goroutines writing one key take turns, one at
// a time, each starting at least the interval after the previous ended.
func TestPacerSpacesWrites(t *testing.T) {
	const interval = 30 * time.Millisecond
	b := pacedBucket(interval)
	var l sendLog
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if err := b.paced(t.Context(), "k", l.send); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	l.check(t, 6, interval)
}

// TestPacerKeysIndependent: a key's turn does not wait for another's.
func TestPacerKeysIndependent(t *testing.T) {
	b := pacedBucket(time.Hour)
	a, err := b.TakeWriteTurn(t.Context(), "a")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := b.paced(ctx, "b", func() error { return nil }); err != nil {
		t.Fatalf("a write to key b waited for key a's turn: %v", err)
	}
}

// TestPacerCancel: a write waiting for its turn gives up with its
// context's error before sending, and leaves the key's entry unused.
func TestPacerCancel(t *testing.T) {
	b := pacedBucket(time.Hour)
	if err := b.paced(t.Context(), "k", func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	// Waiting for the interval (an hour away).
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	sent := false
	if err := b.paced(ctx, "k", func() error { sent = true; return nil }); !errors.Is(err, context.DeadlineExceeded) || sent {
		t.Fatalf("write after the deadline: %v (sent %v), want context.DeadlineExceeded, unsent", err, sent)
	}
	// Waiting for the token, held by a turn.
	q := pacedBucket(time.Millisecond)
	held, err := q.TakeWriteTurn(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithCancel(t.Context())
	cancel2()
	if _, err := q.TakeWriteTurn(ctx2, "k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("TakeWriteTurn with a cancelled context: %v, want context.Canceled", err)
	}
	held.Release()
	for _, p := range []*pacer{b.pace, q.pace} {
		p.mu.Lock()
		users := p.keys["k"].users
		p.mu.Unlock()
		if users != 0 {
			t.Errorf("%d users left on the key after the turns ended", users)
		}
	}
}

// TestPacerHeldTurn: writes made with a context bound to a held turn go
// at once (no deadlock on the turn they are in), still spaced by the
// interval; writes with another context wait for the turn's release.
func TestPacerHeldTurn(t *testing.T) {
	const interval = 30 * time.Millisecond
	b := pacedBucket(interval)
	turn, err := b.TakeWriteTurn(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.TakeWriteTurn(t.Context(), "other")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	bound := other.Bind(turn.Bind(ctx)) // both turns, nested
	var l sendLog
	for range 2 {
		if err := b.paced(bound, "k", l.send); err != nil {
			t.Fatalf("write in the held turn: %v", err)
		}
	}
	if err := b.paced(bound, "other", func() error { return nil }); err != nil {
		t.Fatalf("write in the outer held turn: %v", err)
	}
	waited := make(chan error, 1)
	released := make(chan struct{})
	go func() {
		waited <- b.paced(t.Context(), "k", func() error {
			select {
			case <-released:
				return l.send()
			default:
				return errors.New("sent while another held the turn")
			}
		})
	}()
	time.Sleep(10 * time.Millisecond)
	close(released)
	turn.Release()
	other.Release()
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	l.check(t, 3, interval)
	defer func() {
		if recover() == nil {
			t.Error("a second Release did not panic")
		}
	}()
	turn.Release()
}

// TestPacerSweep: the table of keys does not grow without bound: idle
// keys whose interval is over are dropped once it doubles.
func TestPacerSweep(t *testing.T) {
	b := pacedBucket(time.Nanosecond)
	for i := range 10 * minSweep {
		if err := b.paced(t.Context(), fmt.Sprint("k", i), func() error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(b.pace.keys); n > minSweep+1 {
		t.Errorf("%d keys kept after 10x%d idle writes, want at most %d", n, minSweep, minSweep+1)
	}
	if newPacer(0) != nil || (&Bucket{}).WriteInterval() != 0 || b.WriteInterval() != time.Nanosecond {
		t.Error("WriteInterval: zero must not pace")
	}
	turn, err := (&Bucket{}).TakeWriteTurn(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	turn.Release()
	turn.Release() // an unpaced Bucket's turn holds nothing
}

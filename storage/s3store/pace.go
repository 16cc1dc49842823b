package s3store

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/r2kit/r2kit/storage"
)

// DefaultR2WriteInterval is Options.WriteInterval for r2:// URLs: R2
// allows one write per second to an object name.
const DefaultR2WriteInterval = time.Second

// pacer spaces the writes this Bucket sends to one key: a write starts
// at least interval after the previous write to the key ended (its
// answer came back, whatever it was), and one write per key is in flight
// at a time. Spacing from the end rather than the start keeps the gap
// the store sees at least interval whatever the network delays.
type pacer struct {
	interval time.Duration

	mu      sync.Mutex
	keys    map[string]*turn
	sweepAt int // sweep idle entries when keys grows to this size
}

// turn is one key's place in the pacer. Holding the token (a value sent
// on tok) is the right to write the key; next is read and set only by
// the holder.
type turn struct {
	tok   chan struct{}
	next  time.Time // earliest start of the next write
	users int       // goroutines waiting for or holding tok; under pacer.mu
}

// minSweep is the size of the pacer's key table below which idle
// entries are kept.
const minSweep = 1024

func newPacer(interval time.Duration) *pacer {
	if interval <= 0 {
		return nil
	}
	return &pacer{interval: interval, keys: map[string]*turn{}, sweepAt: minSweep}
}

// acquire waits for key's turn: until no other write to key holds it
// and the interval since the last one has passed. The caller must
// release the turn it gets.
func (p *pacer) acquire(ctx context.Context, key string) (*turn, error) {
	p.mu.Lock()
	t := p.keys[key]
	if t == nil {
		p.sweep()
		t = &turn{tok: make(chan struct{}, 1)}
		p.keys[key] = t
	}
	t.users++
	p.mu.Unlock()
	select {
	case t.tok <- struct{}{}:
	case <-ctx.Done():
		p.leave(t)
		return nil, ctx.Err()
	}
	if err := p.wait(ctx, t); err != nil {
		p.release(t)
		return nil, err
	}
	return t, nil
}

// wait waits, holding t, until t's next write may start.
func (p *pacer) wait(ctx context.Context, t *turn) error {
	d := time.Until(t.next)
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// send sends one write in the held turn t, once the interval since the
// previous one has passed, and starts the next interval when its answer
// is back.
func (p *pacer) send(ctx context.Context, t *turn, send func() error) error {
	if err := p.wait(ctx, t); err != nil {
		return err
	}
	defer func() { t.next = time.Now().Add(p.interval) }()
	return send()
}

// release ends a turn.
func (p *pacer) release(t *turn) {
	<-t.tok
	p.leave(t)
}

func (p *pacer) leave(t *turn) {
	p.mu.Lock()
	t.users--
	p.mu.Unlock()
}

// sweep drops the entries nobody uses whose interval is over, once the
// table has doubled since the last sweep. p.mu must be held.
func (p *pacer) sweep() {
	if len(p.keys) < p.sweepAt {
		return
	}
	now := time.Now()
	for k, t := range p.keys {
		if t.users == 0 && !t.next.After(now) {
			delete(p.keys, k)
		}
	}
	p.sweepAt = max(minSweep, 2*len(p.keys))
}

// heldTurn is a turn taken with TakeWriteTurn.
type heldTurn struct {
	p    *pacer
	key  string
	t    *turn
	done atomic.Bool
}

// turnsKey is the context key of the turns a context carries.
type turnsKey struct{}

func (h *heldTurn) Bind(ctx context.Context) context.Context {
	held, _ := ctx.Value(turnsKey{}).([]*heldTurn)
	return context.WithValue(ctx, turnsKey{}, append(slices.Clip(held), h))
}

func (h *heldTurn) Release() {
	if h.done.Swap(true) {
		panic("s3store: WriteTurn released twice")
	}
	h.p.release(h.t)
}

// TakeWriteTurn implements storage.WritePacer: see there. Without
// Options.WriteInterval the turn is given at once and holds nothing.
func (b *Bucket) TakeWriteTurn(ctx context.Context, key string) (storage.WriteTurn, error) {
	if b.pace == nil {
		return storage.TakeWriteTurn(ctx, nil, key)
	}
	t, err := b.pace.acquire(ctx, key)
	if err != nil {
		return nil, storage.Wrap("write turn", key, nil, err)
	}
	return &heldTurn{p: b.pace, key: key, t: t}, nil
}

// paced sends one write request to key in its turn: the one ctx
// carries, else one it waits for. Waiting fails only with ctx's error,
// unwrapped, before anything is sent: callers map it as they map the
// request's own errors.
func (b *Bucket) paced(ctx context.Context, key string, send func() error) error {
	if b.pace == nil {
		return send()
	}
	held, _ := ctx.Value(turnsKey{}).([]*heldTurn)
	for _, h := range held {
		if h.p == b.pace && h.key == key && !h.done.Load() {
			return b.pace.send(ctx, h.t, send)
		}
	}
	t, err := b.pace.acquire(ctx, key)
	if err != nil {
		return err
	}
	defer b.pace.release(t)
	return b.pace.send(ctx, t, send)
}

// WriteInterval returns Options.WriteInterval as the Bucket applies
// it: zero when writes are not paced.
func (b *Bucket) WriteInterval() time.Duration {
	if b.pace == nil {
		return 0
	}
	return b.pace.interval
}

var _ storage.WritePacer = (*Bucket)(nil)

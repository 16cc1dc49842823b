package resilience

import (
	"context"
	"math"
	"math/rand/v2"
	"time"
)

// Policy says how often and how patiently an operation is retried:
// exponential backoff with full jitter, starting at Base and capped at
// Max. The zero Policy never retries.
//
// A Policy only says how; which errors are worth another attempt is
// decided by whoever applies it: Retryable for Do and Retry, conflicts
// and temporary failures for the doc package's Update.
type Policy struct {
	// MaxRetries is how many times the operation is retried after the
	// first attempt. Negative means no limit (until the context is done).
	MaxRetries int
	// Base is the first backoff ceiling; each retry doubles it.
	Base time.Duration
	// Max caps the backoff ceiling. Zero means no cap.
	Max time.Duration
}

// Presets matching the seed's CAS_STRATEGIES, plus one for hot keys.
var (
	// Standard: 3 retries, backoff from 100 ms up to 1 s.
	Standard = Policy{MaxRetries: 3, Base: 100 * time.Millisecond, Max: time.Second}
	// Aggressive: 10 retries, backoff from 10 ms up to 200 ms: for
	// latency-sensitive callers that expect short conflicts.
	Aggressive = Policy{MaxRetries: 10, Base: 10 * time.Millisecond, Max: 200 * time.Millisecond}
	// Conservative: 5 retries, backoff from 500 ms up to 10 s: for
	// background work that should not add load.
	Conservative = Policy{MaxRetries: 5, Base: 500 * time.Millisecond, Max: 10 * time.Second}
	// Persistent retries until the context is done, backoff from 5 ms up
	// to 500 ms.
	Persistent = Policy{MaxRetries: -1, Base: 5 * time.Millisecond, Max: 500 * time.Millisecond}
)

// Allows reports whether retry number n (1-based) is allowed.
func (p Policy) Allows(n int) bool {
	return p.MaxRetries < 0 || n <= p.MaxRetries
}

// Backoff returns the delay before retry number n (1-based): a uniformly
// random duration in [0, min(Max, Base*2^(n-1))].
func (p Policy) Backoff(n int) time.Duration {
	if p.Base <= 0 || n <= 0 {
		return 0
	}
	ceil := p.Base
	for i := 1; i < n && (p.Max <= 0 || ceil < p.Max) && ceil <= math.MaxInt64/2; i++ {
		ceil *= 2
	}
	if p.Max > 0 && ceil > p.Max {
		ceil = p.Max
	}
	return rand.N(ceil + 1)
}

// Sleeper waits for d or until ctx is done, returning ctx's error in the
// latter case. Tests inject one that does not sleep.
type Sleeper func(ctx context.Context, d time.Duration) error

// Sleep is the real Sleeper.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

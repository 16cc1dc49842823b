package doc

import (
	"context"
	"time"

	"github.com/r2kit/r2kit/resilience"
)

// Policy says how often and how patiently an Update is retried after a
// conflict or a temporary failure: exponential backoff with full jitter,
// starting at Base and capped at Max. The zero Policy never retries. It
// is resilience.Policy, so one policy value serves both layers.
//
// Update retries only conflicts (a conditional write that lost) and
// temporary storage failures. Not found, validation errors, errors
// returned by an update function and a done context never are.
type Policy = resilience.Policy

// Presets matching the seed's CAS_STRATEGIES, plus one for hot keys;
// copies of the resilience presets of the same names.
var (
	// Standard: 3 retries, backoff from 100 ms up to 1 s.
	Standard = resilience.Standard
	// Aggressive: 10 retries, backoff from 10 ms up to 200 ms: for
	// latency-sensitive callers that expect short conflicts.
	Aggressive = resilience.Aggressive
	// Conservative: 5 retries, backoff from 500 ms up to 10 s: for
	// background work that should not add load.
	Conservative = resilience.Conservative
	// Persistent retries until the context is done, backoff from 5 ms up
	// to 500 ms: an Update with this policy only fails for reasons other
	// than contention.
	Persistent = resilience.Persistent
)

// Sleeper waits for d or until ctx is done, returning ctx's error in the
// latter case. Tests inject one that does not sleep.
type Sleeper = resilience.Sleeper

// Sleep is the real Sleeper.
func Sleep(ctx context.Context, d time.Duration) error { return resilience.Sleep(ctx, d) }

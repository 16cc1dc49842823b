package resilience

import (
	"context"
	"time"
)

// attempt describes one failed attempt, for observers.
type attempt struct {
	n     int           // 1-based attempt number
	err   error         // its error
	retry bool          // whether another attempt follows
	delay time.Duration // the wait before it, when retry is set
}

// loop runs f until it succeeds, fails with an error that retryable
// rejects, runs out of retries under p, or ctx is done. It waits
// between attempts as delay says, using sleep. onFail, if not nil, sees
// every failed attempt. It returns the result of the last attempt.
func loop[T any](ctx context.Context, p Policy, sleep Sleeper, retryable func(error) bool,
	onFail func(attempt), f func() (T, error)) (T, error) {
	for n := 1; ; n++ {
		v, err := f()
		if err == nil {
			return v, nil
		}
		d, again := next(ctx, p, n, err, retryable)
		if onFail != nil {
			onFail(attempt{n: n, err: err, retry: again, delay: d})
		}
		if !again || sleep(ctx, d) != nil {
			return v, err
		}
	}
}

// next decides whether attempt n, which failed with err, is followed by
// another, and after what delay: the policy's backoff, or longer if the
// error asks for it (RetryAfter). There is no next attempt if err is not
// retryable, the policy has no retry left, ctx is done, or ctx's
// deadline would pass during the delay.
func next(ctx context.Context, p Policy, n int, err error, retryable func(error) bool) (time.Duration, bool) {
	if !p.Allows(n) || ctx.Err() != nil || !retryable(err) {
		return 0, false
	}
	d := p.Backoff(n)
	if ra, ok := RetryAfter(err); ok && ra > d {
		d = ra
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d {
		return 0, false
	}
	return d, true
}

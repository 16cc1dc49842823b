package resilience

import (
	"context"
	"log/slog"
)

// Config says how Do handles the failures of an operation. The seed's
// ErrorRecoveryStrategy values are combinations of its fields:
//
//   - RETRY: set Retry. Errors that RetryIf accepts are retried with
//     Retry's backoff; the last error is returned.
//   - FALLBACK: set Fallback. When the operation fails, Fallback
//     supplies the value instead.
//   - FAIL_FAST: leave both unset (or pass a nil *Config): one attempt,
//     its error returned as is.
//
// Retry and Fallback combine: the operation is retried, and Fallback
// sees the error of the last attempt.
type Config[T any] struct {
	// Retry is the retry policy. The zero Policy makes one attempt.
	Retry Policy
	// RetryIf decides which errors are retried. Nil means Retryable.
	RetryIf func(err error) bool
	// Fallback, if not nil, is called when the operation failed (after
	// its retries), with the last error, unless ctx is done. What it
	// returns is what Do returns: a value and nil to recover, or an
	// error (err itself, to decline).
	Fallback func(ctx context.Context, err error) (T, error)
	// Logger, if not nil, sees every failed attempt: level Warn for one
	// that is retried or recovered by Fallback, Error for the failure
	// Do returns. Each record has the attributes "kind" (see Classify),
	// "op" and "key" (from the first *storage.Error in the error's
	// chain, empty if none), "attempt" (1-based) and "error"; a retried
	// one also "retry_in".
	Logger *slog.Logger
	// Sleep waits between attempts. Nil means Sleep (real time).
	Sleep Sleeper
}

// Do runs op under cfg (nil means fail fast: op runs once) and returns
// its result, or Fallback's when op failed. It is the Go form of the
// seed's withErrorHandling.
//
// op is called with ctx and must honour it. Do never retries after ctx
// is done, nor when ctx's deadline would pass before the next attempt;
// an error carrying a retry delay (see RetryAfter) is retried no sooner
// than that. Fallback is never called on success, nor once ctx is done:
// then the caller gets the operation's error.
func Do[T any](ctx context.Context, op func(ctx context.Context) (T, error), cfg *Config[T]) (T, error) {
	if cfg == nil {
		cfg = &Config[T]{}
	}
	sleep, retryIf := cfg.Sleep, cfg.RetryIf
	if sleep == nil {
		sleep = Sleep
	}
	if retryIf == nil {
		retryIf = Retryable
	}
	hasFallback := cfg.Fallback != nil
	var onFail func(attempt)
	if cfg.Logger != nil {
		onFail = func(a attempt) { logFailure(ctx, cfg.Logger, a, hasFallback && ctx.Err() == nil) }
	}
	v, err := loop(ctx, cfg.Retry, sleep, retryIf, onFail, func() (T, error) { return op(ctx) })
	if err == nil || !hasFallback || ctx.Err() != nil {
		return v, err
	}
	return cfg.Fallback(ctx, err)
}

// logFailure logs one failed attempt; recovered says that Fallback will
// supply a value if it was the last.
func logFailure(ctx context.Context, l *slog.Logger, a attempt, recovered bool) {
	op, key := opKey(a.err)
	attrs := []slog.Attr{
		slog.String("kind", string(Classify(a.err))),
		slog.String("op", op),
		slog.String("key", key),
		slog.Int("attempt", a.n),
		slog.Any("error", a.err),
	}
	level, msg := slog.LevelError, "storage operation failed"
	switch {
	case a.retry:
		level, msg = slog.LevelWarn, "storage operation failed, retrying"
		attrs = append(attrs, slog.Duration("retry_in", a.delay))
	case recovered:
		level, msg = slog.LevelWarn, "storage operation failed, using fallback"
	}
	l.LogAttrs(ctx, level, msg, attrs...)
}

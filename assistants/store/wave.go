package store

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// wave calls f(ctx, i) for every i in [0, n), at most conc at a time
// (an errgroup with a limit), and waits for them. The first error
// cancels the context of the calls still running and is returned; calls
// not yet started are skipped.
func wave(ctx context.Context, n, conc int, f func(ctx context.Context, i int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(conc, 1))
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return f(gctx, i) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

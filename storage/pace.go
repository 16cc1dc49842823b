package storage

import "context"

// WritePacer is implemented by Buckets that space the writes to one key,
// for stores that limit them: Cloudflare R2 allows about one write per
// second to an object name and refuses more with 429.
//
// TakeWriteTurn waits, until ctx is done, for key's turn to be written:
// no other write of the pacer's to key is in flight or waiting for an
// answer, and the pacer's interval since the last one has passed. The
// turn is held until its Release: meanwhile other writes to key wait.
// Callers that read before they write, and gather work for that write
// (doc's group commit), take the turn first: nobody in the process
// writes the key between their read and their write, and what arrives
// while they wait for the turn goes in the same write.
//
// Find reaches a WritePacer through wrappers that keep keys as they are.
type WritePacer interface {
	TakeWriteTurn(ctx context.Context, key string) (WriteTurn, error)
}

// WriteTurn is a key's turn to be written, from
// WritePacer.TakeWriteTurn until Release.
type WriteTurn interface {
	// Bind returns a context carrying the turn: writes to the key made
	// with it (or a context derived from it) go in this turn, without
	// waiting for another, though each still starts the pacer's
	// interval after the previous one ended. Writes with any other
	// context wait for the turn to be released.
	Bind(ctx context.Context) context.Context
	// Release ends the turn. It must be called exactly once.
	Release()
}

// TakeWriteTurn takes key's write turn from the first WritePacer in b's
// wrapper chain. With none, it returns at once a turn that does nothing.
func TakeWriteTurn(ctx context.Context, b Bucket, key string) (WriteTurn, error) {
	if p, ok := Find[WritePacer](b); ok {
		return p.TakeWriteTurn(ctx, key)
	}
	return noTurn{}, nil
}

// noTurn is the turn of a Bucket that does not pace its writes.
type noTurn struct{}

func (noTurn) Bind(ctx context.Context) context.Context { return ctx }
func (noTurn) Release()                                 {}

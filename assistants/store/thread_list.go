package store

import (
	"context"

	"github.com/r2kit/r2kit/assistants"
)

// Thread listing.
//
// The Assistants API v2 has no thread list; r2kit has one for operators
// (the console and GET /v1/threads). Threads are listed like
// assistants: ascending by listing threads/, newest first by listing
// their desc index markers under idx/desc/threads/, which Threads writes
// before a thread and the thread delete removes after it (see
// index.go). Threads created before r2kit wrote those markers get
// theirs from Repair, which reconciles the thread index too.

func threadScope() scope { return scope{dir: ThreadsPrefix, prefix: assistants.PrefixThread} }

// List returns a page of threads, newest first by default, with the
// cursors of ListParams (after, before: thread ids). A page of limit n
// costs one List call and n+1 Gets, whatever the number of threads.
func (st *Threads) List(ctx context.Context, p assistants.ListParams) (assistants.List[assistants.Thread], error) {
	const op = "list threads"
	p, err := p.Normalize(assistants.PrefixThread)
	if err != nil {
		return assistants.List[assistants.Thread]{}, invalidParams(op, err)
	}
	return listPage(ctx, st.s, op, query[assistants.Thread]{
		sc: threadScope(), p: p, idOf: func(t *assistants.Thread) string { return t.ID },
	})
}

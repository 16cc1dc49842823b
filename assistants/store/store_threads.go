package store

import (
	"context"
	"errors"

	"github.com/r2kit/r2kit/assistants"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
)

// Threads keeps threads at threads/{id}.json, each with its desc index
// marker (r2kit lists threads, see thread_list.go; the v2 API does not).
// Every method validates the id (ParseID with "thread_") before it
// becomes a key, and every write validates the thread first.
type Threads struct {
	s *DB
	k kind
}

func (st *Threads) ref(op, id string) (ref, error) {
	key, err := ThreadKey(id)
	if err != nil {
		return ref{}, invalidID(op, err)
	}
	return ref{id: id, key: key, marker: threadScope().marker(id), what: entity{assistants.ObjectThread, id}}, nil
}

func threadKeyOf(t *assistants.Thread) (string, error) { return ThreadKey(t.ID) }

// Get returns the thread with id. A missing, expired or deleted thread
// is a *NotFoundError (matching ErrNotFound).
func (st *Threads) Get(ctx context.Context, id string) (*doc.Doc[assistants.Thread], error) {
	r, err := st.ref("get thread", id)
	if err != nil {
		return nil, err
	}
	return getEntity[assistants.Thread](ctx, st.k, r)
}

// Exists reports whether a live thread with id exists.
func (st *Threads) Exists(ctx context.Context, id string) (bool, error) {
	r, err := st.ref("stat thread", id)
	if err != nil {
		return false, err
	}
	return existsEntity(ctx, st.k, r)
}

// Put writes t, creating or replacing the thread t.ID. If the id
// belongs to a thread deleted less than Options.TombstoneTTL ago
// (checked after the write, so that a Put racing the delete is undone
// too), the write is undone and the error matches ErrDeleted.
func (st *Threads) Put(ctx context.Context, t assistants.Thread) (*doc.Doc[assistants.Thread], error) {
	return st.write(ctx, "put thread", t, overwrite)
}

// PutIf writes t only if the current thread's ETag is etag, or, with
// etag "", only if there is none (create, with Put's tombstone check).
// A lost race is an error matching doc.ErrConflict.
func (st *Threads) PutIf(ctx context.Context, t assistants.Thread, etag string) (*doc.Doc[assistants.Thread], error) {
	if etag == "" {
		return st.write(ctx, "create thread", t, createOnly)
	}
	r, err := st.ref("putif thread", t.ID)
	if err != nil {
		return nil, err
	}
	return replace(ctx, st.k, "putif thread", r, t, etag, nil)
}

func (st *Threads) write(ctx context.Context, op string, t assistants.Thread, mode writeMode) (*doc.Doc[assistants.Thread], error) {
	r, err := st.ref(op, t.ID)
	if err != nil {
		return nil, err
	}
	// A thread deleted meanwhile (its tombstone written) refuses the
	// write, which is undone.
	notDeleted := func(ctx context.Context) error {
		dead, err := doc.Exists(ctx, st.s.docs, tombstoneKey(t.ID))
		switch {
		case err != nil:
			return storage.Wrap(op, r.key, nil, err)
		case dead:
			return storage.Errorf(op, r.key, ErrDeleted, "thread %s was deleted; its id cannot be used again for %s", t.ID, st.s.opts.TombstoneTTL)
		}
		return nil
	}
	return create(ctx, st.k, op, r, t, mode, createOptions{after: notDeleted})
}

// Create makes a new thread from a create request: a new id, created_at
// now, then the request's messages in order (Messages.Create). The
// request is validated first; if a message cannot be written, the
// thread is deleted again and the error returned.
func (st *Threads) Create(ctx context.Context, req *assistants.ThreadCreateRequest) (*doc.Doc[assistants.Thread], error) {
	const op = "create thread"
	if err := req.Validate(); err != nil {
		return nil, invalidParams(op, err)
	}
	t := assistants.Thread{ID: assistants.NewID(assistants.PrefixThread), Object: assistants.ObjectThread, CreatedAt: st.s.unixNow(),
		ToolResources: req.ToolResources, Metadata: req.Metadata}
	r, err := st.ref(op, t.ID)
	if err != nil {
		return nil, err
	}
	// A new id is free and has no tombstone: two unconditional PUTs
	// (the marker, then the thread).
	d, err := create(ctx, st.k, op, r, t, overwrite, createOptions{})
	if err != nil {
		return nil, err
	}
	for i := range req.Messages {
		if _, err := st.s.Messages.Create(ctx, t.ID, &req.Messages[i]); err != nil {
			// Take the thread back, so that a failed create leaves
			// nothing visible; a delete that cannot finish leaves a
			// tombstone, which Repair completes.
			_ = retryTransient(context.WithoutCancel(ctx), func(ctx context.Context) error {
				if err := st.Delete(ctx, t.ID, ""); err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
				return nil
			})
			return nil, err
		}
	}
	return d, nil
}

// Update applies fn to the thread with id and writes the result
// conditionally, retrying after conflicts. It does not create: a
// missing or deleted thread is a *NotFoundError (matching ErrNotFound).
func (st *Threads) Update(ctx context.Context, id string, fn func(*assistants.Thread) error) (*doc.Doc[assistants.Thread], error) {
	r, err := st.ref("update thread", id)
	if err != nil {
		return nil, err
	}
	return update(ctx, st.k, "update thread", r, threadKeyOf, nil, fn)
}

// Delete deletes the thread with id and everything in it: messages,
// runs, run steps, their index markers and the active-run lock (with
// etag set, only if the thread's ETag is etag, else an error matching
// doc.ErrConflict). A missing thread is an error matching
// ErrNotFound.
//
// The delete is safe to interrupt and to race with creates in the
// thread (see the protocol in cascade.go): once Delete has begun the
// thread is not found, and if it fails midway, calling it again or
// (*DB).Repair finishes the job. A thread deleted by Delete never
// comes back: its id stays refused for Options.TombstoneTTL.
//
// Cost: a Stat and a Get (tombstone), two PUTs (tombstone, pending and
// done) and two DELETEs (document, marker) for the thread, then per
// child one DELETE of the document and one of its marker, and one List
// call per 1,000 of them.
func (st *Threads) Delete(ctx context.Context, id, etag string) error {
	r, err := st.ref("delete thread", id)
	if err != nil {
		return err
	}
	return st.s.deleteThread(ctx, id, r.key, etag)
}

// invalidParams wraps the validation failure of a request or of list
// parameters: an error matching doc.ErrValidation (and
// storage.ErrInvalidArgument) that names the field.
func invalidParams(op string, err error) error { return validationErr(op, "", err) }

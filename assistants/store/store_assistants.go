package store

import (
	"context"

	"github.com/r2kit/r2kit/assistants"

	"github.com/r2kit/r2kit/doc"
)

// Assistants keeps assistants at assistants/{id}.json: the seed's
// AssistantStorage. Every method validates the id (ParseID with "asst_")
// before it becomes a key, and every write validates the assistant
// (Assistant.Validate) first: an invalid id or value is an error and
// nothing is read or written.
type Assistants struct {
	s *DB
	k kind
}

func (st *Assistants) ref(op, id string) (ref, error) {
	key, err := AssistantKey(id)
	if err != nil {
		return ref{}, invalidID(op, err)
	}
	return ref{id: id, key: key, marker: assistantScope().marker(id), what: entity{assistants.ObjectAssistant, id}}, nil
}

func assistantKeyOf(a *assistants.Assistant) (string, error) { return AssistantKey(a.ID) }

// Get returns the assistant with id. A missing (or expired) assistant is
// a *NotFoundError (matching ErrNotFound).
func (st *Assistants) Get(ctx context.Context, id string) (*doc.Doc[assistants.Assistant], error) {
	r, err := st.ref("get assistant", id)
	if err != nil {
		return nil, err
	}
	return getEntity[assistants.Assistant](ctx, st.k, r)
}

// Exists reports whether a live assistant with id exists.
func (st *Assistants) Exists(ctx context.Context, id string) (bool, error) {
	r, err := st.ref("stat assistant", id)
	if err != nil {
		return false, err
	}
	return existsEntity(ctx, st.k, r)
}

// Put writes a, creating or replacing the assistant a.ID. It costs two
// PUTs: the desc index marker, then the assistant.
func (st *Assistants) Put(ctx context.Context, a assistants.Assistant) (*doc.Doc[assistants.Assistant], error) {
	r, err := st.ref("put assistant", a.ID)
	if err != nil {
		return nil, err
	}
	return create(ctx, st.k, "put assistant", r, a, overwrite, createOptions{})
}

// PutIf writes a only if the current assistant's ETag is etag, or, with
// etag "", only if there is none (create). A lost race is an error
// matching doc.ErrConflict.
func (st *Assistants) PutIf(ctx context.Context, a assistants.Assistant, etag string) (*doc.Doc[assistants.Assistant], error) {
	r, err := st.ref("putif assistant", a.ID)
	if err != nil {
		return nil, err
	}
	if etag == "" {
		return create(ctx, st.k, "create assistant", r, a, createOnly, createOptions{})
	}
	return replace(ctx, st.k, "putif assistant", r, a, etag, nil)
}

// Update applies fn to the assistant with id and writes the result
// conditionally, retrying after conflicts (doc.Update). It does not
// create: a missing assistant is a *NotFoundError (matching ErrNotFound). fn
// may be called more than once and must not change the id.
func (st *Assistants) Update(ctx context.Context, id string, fn func(*assistants.Assistant) error) (*doc.Doc[assistants.Assistant], error) {
	r, err := st.ref("update assistant", id)
	if err != nil {
		return nil, err
	}
	return update(ctx, st.k, "update assistant", r, assistantKeyOf, nil, fn)
}

// Delete removes the assistant with id, and then its index marker; with
// etag set, only if its ETag is etag (else an error matching
// doc.ErrConflict). A missing assistant is an error matching
// ErrNotFound.
func (st *Assistants) Delete(ctx context.Context, id, etag string) error {
	r, err := st.ref("delete assistant", id)
	if err != nil {
		return err
	}
	return remove(ctx, st.k, r, etag)
}

// List returns a page of assistants, newest first by default (see
// ListParams and the listing cost in the package documentation).
func (st *Assistants) List(ctx context.Context, p assistants.ListParams) (assistants.List[assistants.Assistant], error) {
	p, err := p.Normalize(assistants.PrefixAssistant)
	if err != nil {
		return assistants.List[assistants.Assistant]{}, invalidParams("list assistants", err)
	}
	return listPage(ctx, st.s, "list assistants", query[assistants.Assistant]{
		sc: assistantScope(), p: p, idOf: func(a *assistants.Assistant) string { return a.ID },
	})
}

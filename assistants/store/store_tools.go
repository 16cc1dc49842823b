package store

import (
	"context"

	"github.com/r2kit/r2kit/assistants"

	"github.com/r2kit/r2kit/doc"
)

// Tools keeps tool definitions by name at tools/{name}.json (a
// function tool's function name, else its type; see Tool.Name). Every
// method validates the name ([a-zA-Z0-9_-]{1,64}) before it becomes a
// key, and every write validates the tool (Tool.Validate) first.
type Tools struct {
	s *DB
	k kind
}

func (st *Tools) ref(op, name string) (ref, error) {
	key, err := ToolKey(name)
	if err != nil {
		return ref{}, invalidID(op, err)
	}
	return ref{id: name, key: key, what: entity{"tool", name}}, nil
}

func toolKeyOf(t *assistants.Tool) (string, error) { return ToolKey(t.Name()) }

// Get returns the tool named name. A missing (or expired) tool is an
// *NotFoundError (matching ErrNotFound).
func (st *Tools) Get(ctx context.Context, name string) (*doc.Doc[assistants.Tool], error) {
	r, err := st.ref("get tool", name)
	if err != nil {
		return nil, err
	}
	return getEntity[assistants.Tool](ctx, st.k, r)
}

// Exists reports whether a live tool named name exists.
func (st *Tools) Exists(ctx context.Context, name string) (bool, error) {
	r, err := st.ref("stat tool", name)
	if err != nil {
		return false, err
	}
	return existsEntity(ctx, st.k, r)
}

// Put writes t under its name, creating or replacing it.
func (st *Tools) Put(ctx context.Context, t assistants.Tool) (*doc.Doc[assistants.Tool], error) {
	r, err := st.ref("put tool", t.Name())
	if err != nil {
		return nil, err
	}
	return create(ctx, st.k, "put tool", r, t, overwrite, createOptions{})
}

// PutIf writes t only if the current tool's ETag is etag, or, with etag
// "", only if there is none. A lost race is an error matching
// doc.ErrConflict.
func (st *Tools) PutIf(ctx context.Context, t assistants.Tool, etag string) (*doc.Doc[assistants.Tool], error) {
	r, err := st.ref("putif tool", t.Name())
	if err != nil {
		return nil, err
	}
	if etag == "" {
		return create(ctx, st.k, "create tool", r, t, createOnly, createOptions{})
	}
	return replace(ctx, st.k, "putif tool", r, t, etag, nil)
}

// Update applies fn to the tool named name and writes the result
// conditionally, retrying after conflicts. It does not create, and fn
// must not rename the tool.
func (st *Tools) Update(ctx context.Context, name string, fn func(*assistants.Tool) error) (*doc.Doc[assistants.Tool], error) {
	r, err := st.ref("update tool", name)
	if err != nil {
		return nil, err
	}
	return update(ctx, st.k, "update tool", r, toolKeyOf, nil, fn)
}

// Delete removes the tool named name; with etag set, only if its ETag
// is etag. A missing tool is a *NotFoundError (matching ErrNotFound).
func (st *Tools) Delete(ctx context.Context, name, etag string) error {
	r, err := st.ref("delete tool", name)
	if err != nil {
		return err
	}
	return remove(ctx, st.k, r, etag)
}

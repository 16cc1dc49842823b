package store

import (
	"context"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/storage"

	"github.com/r2kit/r2kit/doc"
)

// Messages keeps a thread's messages at
// messages/{thread}/{msg}.json, each with a desc index marker. Every
// method validates the ids (ParseID with "thread_" and "msg_") before
// they become keys, and every write validates the message first.
//
// Creating a message requires its thread: a create checks that the
// thread exists before writing and again after (a thread deleted
// meanwhile makes the create undo itself and fail with a *NotFoundError).
// Create costs a Stat of the thread, a PUT of the marker, a PUT of the
// message and a Stat of the thread (PutIf with etag "" adds the Stat of
// the document layer's create-only check): the marker is the one extra
// write of the desc index. A delete costs two DELETEs (message, marker),
// the marker's being the index's share.
//
// Status changes follow CanTransitionMessage (in_progress to completed
// or incomplete); any other change of status is a *TransitionError.
type Messages struct {
	s *DB
	k kind
}

func (st *Messages) ref(op, thread, id string) (ref, error) {
	key, err := MessageKey(thread, id)
	if err != nil {
		return ref{}, invalidID(op, err)
	}
	tk := threadKey(thread)
	what := entity{assistants.ObjectThread, thread}
	return ref{id: id, key: key, what: entity{assistants.ObjectMessage, id}, marker: messageScope(thread).marker(id),
		parent: tk, parentWhat: what, thread: tk, threadWhat: what}, nil
}

func messageKeyOf(m *assistants.Message) (string, error) { return MessageKey(m.ThreadID, m.ID) }

// messageGuard allows the status changes of CanTransitionMessage.
func messageGuard(before *assistants.Message) func(*assistants.Message) error {
	from, id := before.Status, before.ID
	return func(after *assistants.Message) error {
		if after.Status != from && !assistants.CanTransitionMessage(from, after.Status) {
			return &assistants.TransitionError{Object: "message", ID: id, From: from, To: after.Status}
		}
		return nil
	}
}

// Get returns the message id of thread. A missing (or expired) message
// is a *NotFoundError (matching ErrNotFound).
func (st *Messages) Get(ctx context.Context, thread, id string) (*doc.Doc[assistants.Message], error) {
	r, err := st.ref("get message", thread, id)
	if err != nil {
		return nil, err
	}
	return getEntity[assistants.Message](ctx, st.k, r)
}

// Exists reports whether a live message id exists in thread.
func (st *Messages) Exists(ctx context.Context, thread, id string) (bool, error) {
	r, err := st.ref("stat message", thread, id)
	if err != nil {
		return false, err
	}
	return existsEntity(ctx, st.k, r)
}

// Create makes a new message in thread from a create request: a new id
// (so messages list in creation order), created_at now, status
// completed. The request is validated first. A thread with an active
// run takes no message: the create fails with an *ActiveRunError
// (matching ErrActiveRun) and stores nothing, as the API requires.
//
// Cost: a PUT of the index marker and one of the message, then, in
// parallel, a Stat of the thread and a Get of its active-run lock (plus
// a Get of the run the lock names, if any).
func (st *Messages) Create(ctx context.Context, thread string, req *assistants.MessageCreateRequest) (*doc.Doc[assistants.Message], error) {
	return st.create(ctx, thread, req, "")
}

// create is Create, with the run exempt from the active-run rule (the
// run whose additional messages these are), "" for none.
func (st *Messages) create(ctx context.Context, thread string, req *assistants.MessageCreateRequest, exempt string) (*doc.Doc[assistants.Message], error) {
	const op = "create message"
	if err := assistants.ParseID(assistants.PrefixThread, thread); err != nil {
		return nil, invalidID(op, err)
	}
	if err := req.Validate(); err != nil {
		return nil, invalidParams(op, err)
	}
	m := req.Message(assistants.NewID(assistants.PrefixMessage), thread, st.s.unixNow())
	r, err := st.ref(op, thread, m.ID)
	if err != nil {
		return nil, err
	}
	// A new id is free: write it unconditionally, which spares the
	// existence check of a conditional create.
	return create(ctx, st.k, op, r, m, overwrite, createOptions{lazyParent: true, after: st.noActiveRun(op, r, thread, exempt)})
}

// noActiveRun is the active-run rule of messages, checked after the
// message is written: a run other than exempt holding the thread's
// active-run lock refuses the message (an *ActiveRunError for a
// message), which is then undone. Checked after the write, the rule
// holds in every interleaving with a run create: a run whose lock was
// taken before the message was written is seen by this read, and a run
// whose lock is taken after it finds the message in the thread.
func (st *Messages) noActiveRun(op string, r ref, thread, exempt string) func(context.Context) error {
	return func(ctx context.Context) error {
		run, active, err := st.s.holder(ctx, thread)
		switch {
		case err != nil:
			return storage.Wrap(op, r.key, nil, err)
		case active && run != exempt:
			return storage.Wrap(op, r.key, nil, &ActiveRunError{ThreadID: thread, RunID: run, Adding: assistants.ObjectMessage})
		}
		return nil
	}
}

// Put writes m, creating the message m.ID in thread m.ThreadID (see the
// create protocol above) or replacing it (the status change checked).
func (st *Messages) Put(ctx context.Context, m assistants.Message) (*doc.Doc[assistants.Message], error) {
	r, err := st.ref("put message", m.ThreadID, m.ID)
	if err != nil {
		return nil, err
	}
	return put(ctx, st.k, "put message", r, m, messageGuard, func() (*doc.Doc[assistants.Message], error) {
		return create(ctx, st.k, "put message", r, m, createOnly, createOptions{})
	})
}

// PutIf writes m only if the current message's ETag is etag, or, with
// etag "", only if there is none (create). A lost race is an error
// matching doc.ErrConflict.
func (st *Messages) PutIf(ctx context.Context, m assistants.Message, etag string) (*doc.Doc[assistants.Message], error) {
	r, err := st.ref("putif message", m.ThreadID, m.ID)
	if err != nil {
		return nil, err
	}
	if etag == "" {
		return create(ctx, st.k, "create message", r, m, createOnly, createOptions{})
	}
	return replace(ctx, st.k, "putif message", r, m, etag, messageGuard)
}

// Update applies fn to message id of thread and writes the result
// conditionally, retrying after conflicts. It does not create: a missing
// message is a *NotFoundError (matching ErrNotFound). fn may be called more
// than once; it must not change the ids.
func (st *Messages) Update(ctx context.Context, thread, id string, fn func(*assistants.Message) error) (*doc.Doc[assistants.Message], error) {
	r, err := st.ref("update message", thread, id)
	if err != nil {
		return nil, err
	}
	return update(ctx, st.k, "update message", r, messageKeyOf, messageGuard, fn)
}

// Delete removes message id of thread, then its index marker; with etag
// set, only if its ETag is etag. A missing message is an error matching
// ErrNotFound.
func (st *Messages) Delete(ctx context.Context, thread, id, etag string) error {
	r, err := st.ref("delete message", thread, id)
	if err != nil {
		return err
	}
	return remove(ctx, st.k, r, etag)
}

// List returns a page of thread's messages, newest first by default. A
// missing thread is a *NotFoundError (matching ErrNotFound). With p.RunID set
// only the run's messages are returned; that filter reads the messages
// created since the run began (see the listing costs in listing.go).
func (st *Messages) List(ctx context.Context, thread string, p MessageListParams) (assistants.List[assistants.Message], error) {
	const op = "list messages"
	if err := assistants.ParseID(assistants.PrefixThread, thread); err != nil {
		return assistants.List[assistants.Message]{}, invalidID(op, err)
	}
	lp, err := p.ListParams.Normalize(assistants.PrefixMessage)
	if err == nil && p.RunID != "" {
		err = assistants.CheckID("run_id", assistants.PrefixRun, p.RunID)
	}
	if err != nil {
		return assistants.List[assistants.Message]{}, invalidParams(op, err)
	}
	q := query[assistants.Message]{
		sc: messageScope(thread), p: lp,
		parent: threadKey(thread), parentWhat: entity{assistants.ObjectThread, thread},
		idOf: func(m *assistants.Message) string { return m.ID },
	}
	if run := p.RunID; run != "" {
		q.keep = func(m *assistants.Message) bool { return m.RunID != nil && *m.RunID == run }
		q.since = runSince(run)
	}
	return listPage(ctx, st.s, op, q)
}

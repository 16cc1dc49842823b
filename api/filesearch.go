package api

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/vectorstore"
)

// The vector stores the server makes for file_search by itself:
//
//   - tool_resources.file_search.vector_stores, a helper of assistant
//     create, thread create and the thread of create thread and run,
//     makes one store on the spot (newToolResources); the entity is
//     stored with its id in vector_store_ids;
//   - a message attachment whose tools hold file_search adds its file to
//     the thread's own store, made on demand (attachFiles).
//
// A store made for a thread (by either) expires after 7 days of
// inactivity, OpenAI's default for the stores its thread helpers make;
// one made for an assistant does not expire.

// threadStoreExpiry returns the expiry of the vector stores made for
// threads (a new value each time: the service keeps the pointer).
func threadStoreExpiry() *vectorstore.ExpiresAfter {
	return &vectorstore.ExpiresAfter{Anchor: "last_active_at", Days: 7}
}

// threadStoreName names the vector store made for a thread's
// attachments.
func threadStoreName(threadID string) string { return "thread " + threadID }

// newToolResources makes the vector store that
// tr.file_search.vector_stores asks for, if it does, and returns the
// tool resources to store: tr with that store's id as
// file_search.vector_store_ids and no vector_stores (tr itself is not
// changed), and the new store's id ("" when none was made; tr is then
// returned as it is, but for an empty vector_stores, dropped). param is
// the param of tr ("tool_resources", "thread.tool_resources");
// forThread gives the store threadStoreExpiry.
//
// tr must have been validated (assistants' validateToolResources: at
// most one store, exclusive with vector_store_ids, file ids and
// metadata). In order: the chunking strategy is checked (400 naming
// PARAM.file_search.vector_stores[0].chunking_strategy...), the files
// are looked up (404 for a missing one, naming
// PARAM.file_search.vector_stores[0].file_ids[i]), the store is made
// with the files in_progress, and the files are enqueued for ingestion.
// If enqueueing fails, the store is deleted again. The caller writes the
// entity next and deletes the store (dropVectorStore) if that fails.
func (s *Server) newToolResources(ctx context.Context, param string, tr *assistants.ToolResources, forThread bool) (*assistants.ToolResources, string, error) {
	switch {
	case tr == nil || tr.FileSearch == nil || tr.FileSearch.VectorStores == nil:
		return tr, "", nil
	case len(tr.FileSearch.VectorStores) == 0:
		out, fs := *tr, *tr.FileSearch
		fs.VectorStores = nil
		out.FileSearch = &fs
		return &out, "", nil
	}
	nv := tr.FileSearch.VectorStores[0]
	p := param + ".file_search.vector_stores[0]"
	cp := vectorstore.CreateParams{Metadata: nv.Metadata, FileIDs: nv.FileIDs}
	if raw := nv.ChunkingStrategy; len(raw) > 0 && string(raw) != "null" {
		if err := strictJSON(raw, &cp.ChunkingStrategy); err != nil {
			return nil, "", InvalidRequest(p+".chunking_strategy",
				"Invalid '%s.chunking_strategy': expected an object {\"type\": \"auto\"} or {\"type\": \"static\", \"static\": {...}}.", p).
				withCode("invalid_type")
		}
		if err := cp.ChunkingStrategy.Validate(p + ".chunking_strategy"); err != nil {
			return nil, "", vsError(err)
		}
	}
	if err := vectorstore.ValidateMetadata(p+".metadata", cp.Metadata); err != nil {
		return nil, "", vsError(err)
	}
	if forThread {
		cp.ExpiresAfter = threadStoreExpiry()
	}
	if err := s.checkFiles(ctx, indexedParams(p+".file_ids", nv.FileIDs)); err != nil {
		return nil, "", err
	}
	v, err := s.vs.Create(ctx, cp)
	if err != nil {
		return nil, "", vsError(err)
	}
	if err := s.enqueue(ctx, v.ID, nv.FileIDs); err != nil {
		s.dropVectorStore(ctx, v.ID)
		return nil, "", err
	}
	out := *tr
	out.FileSearch = &assistants.FileSearchResources{VectorStoreIDs: []string{v.ID}}
	return &out, v.ID, nil
}

// refuseNewVectorStores answers 400 if tr (the param param of a request
// that makes no store: a modify, the top-level tool_resources of create
// thread and run) holds file_search.vector_stores, which decodes but
// only the creates act on; instead names where to give a store.
func refuseNewVectorStores(param string, tr *assistants.ToolResources, instead string) error {
	if tr == nil || tr.FileSearch == nil || tr.FileSearch.VectorStores == nil {
		return nil
	}
	p := param + ".file_search.vector_stores"
	return InvalidRequest(p, "Unrecognized request argument supplied: %s. %s", p, instead).
		withCode("unknown_parameter")
}

// Hints of refuseNewVectorStores.
const (
	modifyStoreHint = "A vector store is made from files only when an assistant or thread is created; " +
		"to use another one, create it (POST /v1/vector_stores) and pass its id in tool_resources.file_search.vector_store_ids."
	threadAndRunStoreHint = "To make the thread's vector store from files, pass vector_stores in thread.tool_resources."
)

// fileSearchFiles lists, once each and in order, the files the messages
// attach for file_search (an attachment whose tools hold a file_search
// tool).
func fileSearchFiles(msgs ...[]assistants.MessageCreateRequest) []string {
	var ids []string
	for _, ms := range msgs {
		for i := range ms {
			for _, a := range ms[i].Attachments {
				if slices.ContainsFunc(a.Tools, func(t assistants.Tool) bool { return t.Type == assistants.ToolFileSearch }) &&
					!slices.Contains(ids, a.FileID) {
					ids = append(ids, a.FileID)
				}
			}
		}
	}
	return ids
}

// threadStoreOf is the vector store of t's file_search resources, ""
// if none.
func threadStoreOf(t *assistants.Thread) string {
	if t.ToolResources == nil || t.ToolResources.FileSearch == nil || len(t.ToolResources.FileSearch.VectorStoreIDs) == 0 {
		return ""
	}
	return t.ToolResources.FileSearch.VectorStoreIDs[0]
}

// setThreadStore makes vsID t's file_search store, keeping its other
// tool resources.
func setThreadStore(t *assistants.Thread, vsID string) {
	var tr assistants.ToolResources
	if t.ToolResources != nil {
		tr = *t.ToolResources
	}
	tr.FileSearch = &assistants.FileSearchResources{VectorStoreIDs: []string{vsID}}
	t.ToolResources = &tr
}

// maxStoreAttempts bounds how often attachFiles looks for the thread's
// store again after it changed under it.
const maxStoreAttempts = 3

// attachFiles adds files (ids of existing files, from the file_search
// attachments of messages about to be written or just written) to the
// vector store of thread t, as last read, and returns the thread as it
// is afterwards and the id of the store it made ("" if none).
//
//   - If t names a store (tool_resources.file_search.vector_store_ids),
//     the files go there. A file the store already has, in_progress or
//     completed, is left as it is (adding it again would index it
//     again); a failed or cancelled one is added again.
//   - If t names none, or names one that no longer exists, a store is
//     made with the files (named threadStoreName, expiring after
//     threadStoreExpiry) and set on the thread by a conditional update
//     that sets it only if the thread still names the store read
//     before (none, or the one gone). If another request set a store
//     meanwhile, the one made here is deleted and the files go to
//     theirs, so that a thread never ends with two stores, whatever the
//     interleaving of requests and servers.
//
// The files are enqueued for ingestion after the store holding them is
// settled. A failure is answered as an error: the files may then be in
// the thread's store already (in_progress until ingested), which only
// makes them searchable, and a store set on the thread stays; nothing
// else is left behind (a store made and not set is deleted, best
// effort). A store is never emptied of files that another request may
// have added too.
func (s *Server) attachFiles(ctx context.Context, t assistants.Thread, files []string) (assistants.Thread, string, error) {
	if len(files) == 0 {
		return t, "", nil
	}
	cur := threadStoreOf(&t)
	for range maxStoreAttempts {
		if cur != "" {
			err := s.addToStore(ctx, cur, files)
			if !errors.Is(err, vectorstore.ErrNotFound) {
				return t, "", err
			}
		}
		v, err := s.vs.Create(ctx, vectorstore.CreateParams{Name: threadStoreName(t.ID), ExpiresAfter: threadStoreExpiry(), FileIDs: files})
		if err != nil {
			return t, "", vsError(err)
		}
		was := cur
		d, err := s.store.Threads.Update(ctx, t.ID, func(th *assistants.Thread) error {
			if threadStoreOf(th) == was {
				setThreadStore(th, v.ID)
			}
			return nil
		})
		if err != nil {
			s.dropVectorStore(ctx, v.ID)
			return t, "", err
		}
		t = d.Value
		if cur = threadStoreOf(&t); cur == v.ID {
			return t, v.ID, s.enqueue(ctx, v.ID, files)
		}
		s.dropVectorStore(ctx, v.ID) // another request's store won
	}
	return t, "", fmt.Errorf("api: the vector store of thread %s changed %d times while files were attached: %w",
		t.ID, maxStoreAttempts, doc.ErrConflict)
}

// attachToThread is attachFiles for the existing thread threadID, which
// it reads first (only if there are files); a missing thread is 404.
func (s *Server) attachToThread(ctx context.Context, threadID string, files []string) error {
	if len(files) == 0 {
		return nil
	}
	d, err := s.store.Threads.Get(ctx, threadID)
	if err != nil {
		return err
	}
	_, _, err = s.attachFiles(ctx, d.Value, files)
	return err
}

// addToStore adds the files vsID does not hold yet (or holds failed or
// cancelled) in one manifest write and enqueues them. A missing store
// is an error matching vectorstore.ErrNotFound.
func (s *Server) addToStore(ctx context.Context, vsID string, files []string) error {
	var add []vectorstore.FileParams
	var ids []string
	for _, id := range files {
		f, err := s.vs.GetFile(ctx, vsID, id)
		switch {
		case err == nil && (f.Status == vectorstore.StatusInProgress || f.Status == vectorstore.StatusCompleted):
			continue
		case err != nil && !errors.Is(err, vectorstore.ErrNotFound):
			return err
		}
		add = append(add, vectorstore.FileParams{FileID: id})
		ids = append(ids, id)
	}
	if len(add) == 0 {
		// Every file is there: the store exists (GetFile found them).
		return nil
	}
	if _, err := s.vs.AddFiles(ctx, vsID, add); err != nil {
		if errors.Is(err, vectorstore.ErrNotFound) {
			return err
		}
		return vsError(err)
	}
	return s.enqueue(ctx, vsID, ids)
}

// dropVectorStore deletes a store this request made and could not use,
// best effort: a failure is logged (the store is then left over, never
// named by any assistant or thread).
func (s *Server) dropVectorStore(ctx context.Context, vsID string) {
	err := s.vs.Delete(context.WithoutCancel(ctx), vsID)
	if err != nil && !errors.Is(err, vectorstore.ErrNotFound) {
		s.log.WarnContext(ctx, "could not delete a vector store made for a request that failed",
			"vector_store_id", vsID, "request_id", RequestID(ctx), "error", err.Error())
	}
}

// dropThread deletes a thread this request created and could not
// complete (with everything in it), and the stores it made for it,
// best effort: a failure is logged.
func (s *Server) dropThread(ctx context.Context, threadID string, stores ...string) {
	err := s.store.Threads.Delete(context.WithoutCancel(ctx), threadID, "")
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		s.log.WarnContext(ctx, "could not delete a thread whose create failed",
			"thread_id", threadID, "request_id", RequestID(ctx), "error", err.Error())
	}
	for _, id := range stores {
		if id != "" {
			s.dropVectorStore(ctx, id)
		}
	}
}

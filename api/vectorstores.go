package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"unicode/utf8"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/vectorstore"
)

// Object types of the vector store API, as OpenAI's "object" members.
const (
	ObjectVectorStore        = "vector_store"
	ObjectVectorStoreDeleted = "vector_store.deleted"
	ObjectVectorStoreFile    = "vector_store.file"
	ObjectVSFileDeleted      = "vector_store.file.deleted"
	ObjectVSFileBatch        = "vector_store.files_batch"
	ObjectVSSearchPage       = "vector_store.search_results.page"
	ObjectVSFileContentPage  = "vector_store.file_content.page"
)

// Limits of vector store requests, as OpenAI's.
const (
	maxVSDescription = 512
	maxVSName        = 256
	// maxVSCreateFiles bounds file_ids of a vector store create.
	maxVSCreateFiles = vectorstore.MaxBatchFiles
)

// vectorStoreRoutes registers /v1/vector_stores and what is under it:
// the handlers in vectorstores.go, vectorstore_files.go,
// vectorstore_batches.go and vectorstore_search.go. They carry
// OpenAI-Beta as the other v2 endpoints do.
func (s *Server) vectorStoreRoutes() {
	const a = assistantsRoute
	for _, rt := range []struct {
		pattern string
		h       HandlerFunc
	}{
		{"GET /v1/vector_stores", s.listVectorStores},
		{"POST /v1/vector_stores", s.createVectorStore},
		{"GET /v1/vector_stores/{vector_store_id}", s.getVectorStore},
		{"POST /v1/vector_stores/{vector_store_id}", s.modifyVectorStore},
		{"DELETE /v1/vector_stores/{vector_store_id}", s.deleteVectorStore},
		{"POST /v1/vector_stores/{vector_store_id}/search", s.searchVectorStore},

		{"GET /v1/vector_stores/{vector_store_id}/files", s.listVSFiles},
		{"POST /v1/vector_stores/{vector_store_id}/files", s.addVSFile},
		{"GET /v1/vector_stores/{vector_store_id}/files/{file_id}", s.getVSFile},
		{"POST /v1/vector_stores/{vector_store_id}/files/{file_id}", s.updateVSFile},
		{"DELETE /v1/vector_stores/{vector_store_id}/files/{file_id}", s.deleteVSFile},
		{"GET /v1/vector_stores/{vector_store_id}/files/{file_id}/content", s.vsFileContent},

		{"POST /v1/vector_stores/{vector_store_id}/file_batches", s.createVSBatch},
		{"GET /v1/vector_stores/{vector_store_id}/file_batches/{batch_id}", s.getVSBatch},
		{"POST /v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel", s.cancelVSBatch},
		{"GET /v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/files", s.listVSBatchFiles},
	} {
		s.handle(rt.pattern, a, rt.h)
	}
}

// vectorStoreJSON is the vector_store object.
type vectorStoreJSON struct {
	ID           string                    `json:"id"`
	Object       string                    `json:"object"`
	CreatedAt    int64                     `json:"created_at"`
	Name         string                    `json:"name"`
	UsageBytes   int64                     `json:"usage_bytes"`
	FileCounts   vectorstore.FileCounts    `json:"file_counts"`
	Status       string                    `json:"status"`
	ExpiresAfter *vectorstore.ExpiresAfter `json:"expires_after,omitempty"`
	ExpiresAt    *int64                    `json:"expires_at"`
	LastActiveAt int64                     `json:"last_active_at"`
	Metadata     map[string]string         `json:"metadata"`
}

func vectorStoreOut(v *vectorstore.VectorStore) vectorStoreJSON {
	md := v.Metadata
	if md == nil {
		md = map[string]string{}
	}
	return vectorStoreJSON{
		ID: v.ID, Object: ObjectVectorStore, CreatedAt: v.CreatedAt, Name: v.Name, UsageBytes: v.UsageBytes,
		FileCounts: v.FileCounts, Status: v.Status, ExpiresAfter: v.ExpiresAfter, ExpiresAt: v.ExpiresAt,
		LastActiveAt: v.LastActiveAt, Metadata: md,
	}
}

// deletedJSON is a delete's answer.
type deletedJSON struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Deleted bool   `json:"deleted"`
}

// createVectorStoreRequest is the body of POST /v1/vector_stores.
type createVectorStoreRequest struct {
	Name             *string                       `json:"name"`
	Description      *string                       `json:"description"`
	FileIDs          []string                      `json:"file_ids"`
	ChunkingStrategy *vectorstore.ChunkingStrategy `json:"chunking_strategy"`
	ExpiresAfter     *vectorstore.ExpiresAfter     `json:"expires_after"`
	Metadata         map[string]string             `json:"metadata"`
}

// createVectorStore: POST /v1/vector_stores. The files of file_ids
// must exist (404 naming file_ids[i]); they are added in_progress and
// ingested in the background. description is checked (up to 512
// characters) but not kept: the vector_store object has no such member.
func (s *Server) createVectorStore(w http.ResponseWriter, r *http.Request) error {
	var req createVectorStoreRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := checkLen("name", req.Name, maxVSName); err != nil {
		return err
	}
	if err := checkLen("description", req.Description, maxVSDescription); err != nil {
		return err
	}
	if len(req.FileIDs) > maxVSCreateFiles {
		return arrayTooLong("file_ids", len(req.FileIDs), maxVSCreateFiles)
	}
	p := vectorstore.CreateParams{Name: deref(req.Name), Metadata: req.Metadata, ExpiresAfter: req.ExpiresAfter, FileIDs: req.FileIDs}
	if req.ChunkingStrategy != nil {
		p.ChunkingStrategy = *req.ChunkingStrategy
	}
	if err := s.checkVSParams(p); err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.checkFiles(ctx, indexedParams("file_ids", req.FileIDs)); err != nil {
		return err
	}
	v, err := s.vs.Create(ctx, p)
	if err != nil {
		return vsError(err)
	}
	if err := s.enqueue(ctx, v.ID, req.FileIDs); err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, vectorStoreOut(v))
}

// checkVSParams validates a create before any file is looked up, so a
// bad request costs no bucket request.
func (s *Server) checkVSParams(p vectorstore.CreateParams) error {
	if err := vectorstore.ValidateMetadata("metadata", p.Metadata); err != nil {
		return vsError(err)
	}
	if err := p.ChunkingStrategy.Validate("chunking_strategy"); err != nil {
		return vsError(err)
	}
	return nil
}

// enqueue hands the files just added to a store to the ingestion.
func (s *Server) enqueue(ctx context.Context, vsID string, fileIDs []string) error {
	for _, id := range fileIDs {
		if err := s.ingest.Enqueue(ctx, vsID, id); err != nil {
			return err
		}
	}
	return nil
}

// getVectorStore: GET /v1/vector_stores/{vector_store_id}.
func (s *Server) getVectorStore(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "vector_store_id", vectorstore.PrefixVectorStore)
	if err != nil {
		return err
	}
	v, err := s.vs.Get(r.Context(), id)
	if err != nil {
		return s.vsNotFound(r.Context(), err, id, "", "")
	}
	return WriteJSON(w, http.StatusOK, vectorStoreOut(v))
}

// listVectorStores: GET /v1/vector_stores with limit, order, after and
// before.
func (s *Server) listVectorStores(w http.ResponseWriter, r *http.Request) error {
	lp, err := ParseList(r, vectorstore.PrefixVectorStore)
	if err != nil {
		return err
	}
	page, err := s.vs.List(r.Context(), vsListParams(lp))
	if err != nil {
		return vsError(err)
	}
	out := make([]vectorStoreJSON, len(page.Data))
	for i, v := range page.Data {
		out[i] = vectorStoreOut(v)
	}
	return WriteJSON(w, http.StatusOK, assistants.NewList(out, page.HasMore, func(v *vectorStoreJSON) string { return v.ID }))
}

func vsListParams(lp assistants.ListParams) vectorstore.ListParams {
	return vectorstore.ListParams{Limit: lp.Limit, Order: lp.Order, After: lp.After, Before: lp.Before}
}

// modifyVectorStoreRequest is the body of POST
// /v1/vector_stores/{vector_store_id}. expires_after null removes the
// expiry; absent, it is kept.
type modifyVectorStoreRequest struct {
	Name         *string           `json:"name"`
	ExpiresAfter json.RawMessage   `json:"expires_after"`
	Metadata     map[string]string `json:"metadata"`
}

// modifyVectorStore: POST /v1/vector_stores/{vector_store_id}: name,
// expires_after and metadata.
func (s *Server) modifyVectorStore(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "vector_store_id", vectorstore.PrefixVectorStore)
	if err != nil {
		return err
	}
	var req modifyVectorStoreRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := checkLen("name", req.Name, maxVSName); err != nil {
		return err
	}
	p := vectorstore.ModifyParams{Name: req.Name, Metadata: req.Metadata}
	switch raw := bytes.TrimSpace(req.ExpiresAfter); {
	case len(raw) == 0:
	case string(raw) == "null":
		p.ExpiresAfter = &vectorstore.ExpiresAfter{}
	default:
		var ea vectorstore.ExpiresAfter
		if err := strictJSON(raw, &ea); err != nil {
			return InvalidRequest("expires_after", "Invalid 'expires_after': expected an object with 'anchor' and 'days'.").
				withCode("invalid_type")
		}
		if ea.Days == 0 { // only null removes the expiry
			return InvalidRequest("expires_after.days", "Invalid 'expires_after.days': must be between 1 and 365, got 0.")
		}
		p.ExpiresAfter = &ea
	}
	v, err := s.vs.Modify(r.Context(), id, p)
	if err != nil {
		return s.vsNotFound(r.Context(), err, id, "", "")
	}
	return WriteJSON(w, http.StatusOK, vectorStoreOut(v))
}

// deleteVectorStore: DELETE /v1/vector_stores/{vector_store_id}: the
// store and its index; the files themselves are kept.
func (s *Server) deleteVectorStore(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "vector_store_id", vectorstore.PrefixVectorStore)
	if err != nil {
		return err
	}
	if err := s.vs.Delete(r.Context(), id); err != nil {
		return s.vsNotFound(r.Context(), err, id, "", "")
	}
	return WriteJSON(w, http.StatusOK, deletedJSON{ID: id, Object: ObjectVectorStoreDeleted, Deleted: true})
}

func indexedParams(param string, ids []string) []fileRef {
	out := make([]fileRef, len(ids))
	for i, id := range ids {
		out[i] = fileRef{fmt.Sprintf("%s[%d]", param, i), id}
	}
	return out
}

// checkFiles answers 400 for an id that is not a file id and 404 for a
// file that does not exist, naming the parameter; the files are looked
// up in parallel (8 at a time), the first bad one in request order is
// reported.
func (s *Server) checkFiles(ctx context.Context, refs []fileRef) error {
	for _, f := range refs {
		if err := assistants.ParseID(assistants.PrefixFile, f.id); err != nil {
			var ide *assistants.IDError
			if errors.As(err, &ide) {
				return badID(f.param, ide)
			}
			return InvalidRequest(f.param, "Invalid '%s': %s", f.param, period(err.Error()))
		}
	}
	errs := make([]error, len(refs))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, f := range refs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ok, err := s.store.Files.Exists(ctx, f.id)
			if err == nil && !ok {
				err = &Error{Status: http.StatusNotFound, Type: TypeInvalidRequest, Param: f.param,
					Message: "No such File object: " + f.id}
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	return firstErr(errs)
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// vsError converts an error of the vectorstore package: a
// *vectorstore.ParamError is a 400 naming its param, an expired store a
// 400; anything else is left to ErrorFor.
func vsError(err error) error {
	var pe *vectorstore.ParamError
	switch {
	case errors.As(err, &pe) && pe.Param == "":
		return InvalidRequest("", "%s", sentence(pe.Message))
	case errors.As(err, &pe):
		return InvalidRequest(pe.Param, "Invalid '%s': %s", pe.Param, period(pe.Message))
	case errors.Is(err, vectorstore.ErrExpired):
		return &Error{Status: http.StatusBadRequest, Type: TypeInvalidRequest, Param: "vector_store_id", Err: err,
			Code: "vector_store_expired", Message: "The vector store has expired; it can no longer be searched."}
	}
	return err
}

// vsNotFound is vsError with OpenAI's 404s: for a missing store, or for
// a missing object of kind ("file", "file batch") and id in a store that
// exists (one more read tells which).
func (s *Server) vsNotFound(ctx context.Context, err error, vsID, kind, id string) error {
	if !errors.Is(err, vectorstore.ErrNotFound) {
		return vsError(err)
	}
	e := &Error{Status: http.StatusNotFound, Type: TypeInvalidRequest, Err: err,
		Message: "No vector store found with id '" + vsID + "'."}
	if kind != "" {
		if _, gerr := s.vs.Get(ctx, vsID); gerr == nil {
			e.Message = "No " + kind + " found with id '" + id + "' in vector store '" + vsID + "'."
		}
	}
	return e
}

// checkLen answers 400 if v is longer than max characters.
func checkLen(param string, v *string, max int) error {
	if v != nil && utf8.RuneCountInString(*v) > max {
		return InvalidRequest(param, "Invalid '%s': string too long. Expected a string with maximum length %d, but got a string with length %d instead.",
			param, max, utf8.RuneCountInString(*v)).withCode("string_above_max_length")
	}
	return nil
}

// arrayTooLong is OpenAI's 400 for an array over its maximum length.
func arrayTooLong(param string, n, max int) error {
	return InvalidRequest(param, "Invalid '%s': array too long. Expected an array with maximum length %d, but got an array with length %d instead.",
		param, max, n).withCode("array_above_max_length")
}

// strictJSON decodes raw into v, refusing unknown members.
func strictJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

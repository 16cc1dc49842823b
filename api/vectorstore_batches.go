package api

import (
	"fmt"
	"net/http"

	"github.com/r2kit/r2kit/vectorstore"
)

// vsBatchJSON is the vector_store.files_batch object.
type vsBatchJSON struct {
	ID            string                 `json:"id"`
	Object        string                 `json:"object"`
	CreatedAt     int64                  `json:"created_at"`
	VectorStoreID string                 `json:"vector_store_id"`
	Status        string                 `json:"status"`
	FileCounts    vectorstore.FileCounts `json:"file_counts"`
}

func vsBatchOut(b *vectorstore.Batch) vsBatchJSON {
	return vsBatchJSON{ID: b.ID, Object: ObjectVSFileBatch, CreatedAt: b.CreatedAt, VectorStoreID: b.VectorStoreID,
		Status: b.Status, FileCounts: b.FileCounts}
}

// createVSBatchRequest is the body of a batch create: file_ids (with
// the common attributes and chunking_strategy) or files, each with its
// own.
type createVSBatchRequest struct {
	FileIDs          []string                      `json:"file_ids"`
	Files            []addVSFileRequest            `json:"files"`
	Attributes       vectorstore.Attributes        `json:"attributes"`
	ChunkingStrategy *vectorstore.ChunkingStrategy `json:"chunking_strategy"`
}

// batchFiles turns the request into the batch's files with the params
// that name them, checking what needs no bucket request.
func (req *createVSBatchRequest) batchFiles() ([]vectorstore.FileParams, []fileRef, error) {
	switch {
	case len(req.FileIDs) > 0 && len(req.Files) > 0:
		return nil, nil, InvalidRequest("files", "Invalid 'files': give either 'file_ids' or 'files', not both.")
	case len(req.Files) > 0:
		return req.perFile()
	case len(req.FileIDs) == 0:
		return nil, nil, missingParam("file_ids")
	case len(req.FileIDs) > vectorstore.MaxBatchFiles:
		return nil, nil, arrayTooLong("file_ids", len(req.FileIDs), vectorstore.MaxBatchFiles)
	}
	var cs vectorstore.ChunkingStrategy
	if req.ChunkingStrategy != nil {
		cs = *req.ChunkingStrategy
	}
	common := vectorstore.FileParams{Attributes: req.Attributes, ChunkingStrategy: cs}
	if err := checkFileParams("", common); err != nil {
		return nil, nil, err
	}
	refs := indexedParams("file_ids", req.FileIDs)
	files := make([]vectorstore.FileParams, len(req.FileIDs))
	seen := make(map[string]bool, len(files))
	for i, id := range req.FileIDs {
		if seen[id] {
			return nil, nil, InvalidRequest(refs[i].param, "Invalid '%s': file %s is listed more than once.", refs[i].param, id)
		}
		seen[id] = true
		files[i] = vectorstore.FileParams{FileID: id, Attributes: req.Attributes, ChunkingStrategy: cs}
	}
	return files, refs, nil
}

// perFile reads the files form.
func (req *createVSBatchRequest) perFile() ([]vectorstore.FileParams, []fileRef, error) {
	if len(req.Files) > vectorstore.MaxBatchFiles {
		return nil, nil, arrayTooLong("files", len(req.Files), vectorstore.MaxBatchFiles)
	}
	if req.Attributes != nil || req.ChunkingStrategy != nil {
		return nil, nil, InvalidRequest("attributes", "Invalid request: with 'files', give the attributes and chunking_strategy of each file.")
	}
	files := make([]vectorstore.FileParams, len(req.Files))
	refs := make([]fileRef, len(req.Files))
	seen := make(map[string]bool, len(files))
	for i, f := range req.Files {
		prefix := fmt.Sprintf("files[%d].", i)
		refs[i] = fileRef{prefix + "file_id", f.FileID}
		if f.FileID == "" {
			return nil, nil, missingParam(refs[i].param)
		}
		if seen[f.FileID] {
			return nil, nil, InvalidRequest(refs[i].param, "Invalid '%s': file %s is listed more than once.", refs[i].param, f.FileID)
		}
		seen[f.FileID] = true
		files[i] = vectorstore.FileParams{FileID: f.FileID, Attributes: f.Attributes}
		if f.ChunkingStrategy != nil {
			files[i].ChunkingStrategy = *f.ChunkingStrategy
		}
		if err := checkFileParams(prefix, files[i]); err != nil {
			return nil, nil, err
		}
	}
	return files, refs, nil
}

// createVSBatch: POST /v1/vector_stores/{vector_store_id}/file_batches,
// at most 500 files, which must exist. They are added in one manifest
// write and ingested in the background.
func (s *Server) createVSBatch(w http.ResponseWriter, r *http.Request) error {
	vsID, err := PathID(r, "vector_store_id", vectorstore.PrefixVectorStore)
	if err != nil {
		return err
	}
	var req createVSBatchRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	files, refs, err := req.batchFiles()
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := s.vs.Get(ctx, vsID); err != nil {
		return s.vsNotFound(ctx, err, vsID, "", "")
	}
	if err := s.checkFiles(ctx, refs); err != nil {
		return err
	}
	b, err := s.vs.CreateBatch(ctx, vsID, files)
	if err != nil {
		return s.vsNotFound(ctx, err, vsID, "", "")
	}
	ids := make([]string, len(files))
	for i, f := range files {
		ids[i] = f.FileID
	}
	if err := s.enqueue(ctx, vsID, ids); err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, vsBatchOut(b))
}

// vsBatchIDs reads {vector_store_id} and {batch_id}.
func vsBatchIDs(r *http.Request) (vsID, batchID string, err error) {
	if vsID, err = PathID(r, "vector_store_id", vectorstore.PrefixVectorStore); err != nil {
		return "", "", err
	}
	batchID, err = PathID(r, "batch_id", vectorstore.PrefixFileBatch)
	return vsID, batchID, err
}

// getVSBatch: GET .../file_batches/{batch_id}.
func (s *Server) getVSBatch(w http.ResponseWriter, r *http.Request) error {
	vsID, batchID, err := vsBatchIDs(r)
	if err != nil {
		return err
	}
	b, err := s.vs.GetBatch(r.Context(), vsID, batchID)
	if err != nil {
		return s.vsNotFound(r.Context(), err, vsID, "file batch", batchID)
	}
	return WriteJSON(w, http.StatusOK, vsBatchOut(b))
}

// cancelVSBatch: POST .../file_batches/{batch_id}/cancel: the batch's
// files still in_progress become cancelled.
func (s *Server) cancelVSBatch(w http.ResponseWriter, r *http.Request) error {
	vsID, batchID, err := vsBatchIDs(r)
	if err != nil {
		return err
	}
	b, err := s.vs.CancelBatch(r.Context(), vsID, batchID)
	if err != nil {
		return s.vsNotFound(r.Context(), err, vsID, "file batch", batchID)
	}
	return WriteJSON(w, http.StatusOK, vsBatchOut(b))
}

// listVSBatchFiles: GET .../file_batches/{batch_id}/files, with the
// query of the store's file listing.
func (s *Server) listVSBatchFiles(w http.ResponseWriter, r *http.Request) error {
	vsID, batchID, err := vsBatchIDs(r)
	if err != nil {
		return err
	}
	p, err := parseVSFileList(r)
	if err != nil {
		return err
	}
	p.BatchID = batchID
	page, err := s.vs.ListFiles(r.Context(), vsID, p)
	if err != nil {
		return s.vsNotFound(r.Context(), err, vsID, "file batch", batchID)
	}
	return WriteJSON(w, http.StatusOK, vsFileList(page))
}

package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/vectorstore"
)

// vsFileJSON is the vector_store.file object.
type vsFileJSON struct {
	ID               string                       `json:"id"`
	Object           string                       `json:"object"`
	UsageBytes       int64                        `json:"usage_bytes"`
	CreatedAt        int64                        `json:"created_at"`
	VectorStoreID    string                       `json:"vector_store_id"`
	Status           string                       `json:"status"`
	LastError        *vectorstore.FileError       `json:"last_error"`
	ChunkingStrategy vectorstore.ChunkingStrategy `json:"chunking_strategy"`
	Attributes       vectorstore.Attributes       `json:"attributes"`
}

func vsFileOut(f *vectorstore.File) vsFileJSON {
	attrs := f.Attributes
	if attrs == nil {
		attrs = vectorstore.Attributes{}
	}
	return vsFileJSON{
		ID: f.ID, Object: ObjectVectorStoreFile, UsageBytes: f.UsageBytes, CreatedAt: f.CreatedAt,
		VectorStoreID: f.VectorStoreID, Status: f.Status, LastError: f.LastError,
		ChunkingStrategy: f.ChunkingStrategy.Resolved(), Attributes: attrs,
	}
}

func vsFileList(page *vectorstore.Page[*vectorstore.File]) assistants.List[vsFileJSON] {
	out := make([]vsFileJSON, len(page.Data))
	for i, f := range page.Data {
		out[i] = vsFileOut(f)
	}
	return assistants.NewList(out, page.HasMore, func(f *vsFileJSON) string { return f.ID })
}

// addVSFileRequest is the body of POST /v1/vector_stores/{id}/files.
type addVSFileRequest struct {
	FileID           string                        `json:"file_id"`
	Attributes       vectorstore.Attributes        `json:"attributes"`
	ChunkingStrategy *vectorstore.ChunkingStrategy `json:"chunking_strategy"`
}

// vsPathIDs reads {vector_store_id} and {file_id}.
func vsPathIDs(r *http.Request) (vsID, fileID string, err error) {
	if vsID, err = PathID(r, "vector_store_id", vectorstore.PrefixVectorStore); err != nil {
		return "", "", err
	}
	fileID, err = PathID(r, "file_id", assistants.PrefixFile)
	return vsID, fileID, err
}

// addVSFile: POST /v1/vector_stores/{vector_store_id}/files: the file
// (which must exist) is added in_progress, or again as a new generation
// if the store has it already, and ingested in the background.
func (s *Server) addVSFile(w http.ResponseWriter, r *http.Request) error {
	vsID, err := PathID(r, "vector_store_id", vectorstore.PrefixVectorStore)
	if err != nil {
		return err
	}
	var req addVSFileRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.FileID == "" {
		return missingParam("file_id")
	}
	p := vectorstore.FileParams{FileID: req.FileID, Attributes: req.Attributes}
	if req.ChunkingStrategy != nil {
		p.ChunkingStrategy = *req.ChunkingStrategy
	}
	if err := checkFileParams("", p); err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := s.vs.Get(ctx, vsID); err != nil { // 404 for the store before the file
		return s.vsNotFound(ctx, err, vsID, "", "")
	}
	if err := s.checkFiles(ctx, []fileRef{{"file_id", req.FileID}}); err != nil {
		return err
	}
	f, err := s.vs.AddFile(ctx, vsID, p)
	if err != nil {
		return s.vsNotFound(ctx, err, vsID, "", "")
	}
	if err := s.enqueue(ctx, vsID, []string{f.ID}); err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, vsFileOut(f))
}

// checkFileParams validates attributes and chunking of one file; prefix
// ("" or "files[3].") prefixes the params.
func checkFileParams(prefix string, p vectorstore.FileParams) error {
	if err := vectorstore.ValidateAttributes(prefix+"attributes", p.Attributes); err != nil {
		return vsError(err)
	}
	return vsError(p.ChunkingStrategy.Validate(prefix + "chunking_strategy"))
}

// getVSFile: GET /v1/vector_stores/{vector_store_id}/files/{file_id}.
func (s *Server) getVSFile(w http.ResponseWriter, r *http.Request) error {
	vsID, fileID, err := vsPathIDs(r)
	if err != nil {
		return err
	}
	f, err := s.vs.GetFile(r.Context(), vsID, fileID)
	if err != nil {
		return s.vsNotFound(r.Context(), err, vsID, "file", fileID)
	}
	return WriteJSON(w, http.StatusOK, vsFileOut(f))
}

// updateVSFile: POST /v1/vector_stores/{vector_store_id}/files/{file_id}
// replaces the file's attributes. attributes is required; null clears
// them.
func (s *Server) updateVSFile(w http.ResponseWriter, r *http.Request) error {
	vsID, fileID, err := vsPathIDs(r)
	if err != nil {
		return err
	}
	var req struct {
		Attributes json.RawMessage `json:"attributes"`
	}
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	if len(req.Attributes) == 0 {
		return missingParam("attributes")
	}
	var attrs vectorstore.Attributes
	if err := strictJSON(req.Attributes, &attrs); err != nil {
		return InvalidRequest("attributes", "Invalid type for 'attributes': expected an object, but got another value instead.").
			withCode("invalid_type")
	}
	if err := vectorstore.ValidateAttributes("attributes", attrs); err != nil {
		return vsError(err)
	}
	f, err := s.vs.UpdateAttributes(r.Context(), vsID, fileID, attrs)
	if err != nil {
		return s.vsNotFound(r.Context(), err, vsID, "file", fileID)
	}
	return WriteJSON(w, http.StatusOK, vsFileOut(f))
}

// deleteVSFile: DELETE /v1/vector_stores/{vector_store_id}/files/{file_id}
// takes the file out of the store's index; the file itself is kept.
func (s *Server) deleteVSFile(w http.ResponseWriter, r *http.Request) error {
	vsID, fileID, err := vsPathIDs(r)
	if err != nil {
		return err
	}
	if err := s.vs.DeleteFile(r.Context(), vsID, fileID); err != nil {
		return s.vsNotFound(r.Context(), err, vsID, "file", fileID)
	}
	return WriteJSON(w, http.StatusOK, deletedJSON{ID: fileID, Object: ObjectVSFileDeleted, Deleted: true})
}

// vsFileStatuses are the values of the filter of file listings.
var vsFileStatuses = []string{vectorstore.StatusInProgress, vectorstore.StatusCompleted,
	vectorstore.StatusFailed, vectorstore.StatusCancelled}

// parseVSFileList reads limit, order, after, before (file ids) and
// filter (a status).
func parseVSFileList(r *http.Request) (vectorstore.ListFilesParams, error) {
	lp, err := ParseList(r, assistants.PrefixFile)
	if err != nil {
		return vectorstore.ListFilesParams{}, err
	}
	p := vectorstore.ListFilesParams{ListParams: vsListParams(lp), Status: r.URL.Query().Get("filter")}
	if p.Status != "" && !slices.Contains(vsFileStatuses, p.Status) {
		return p, invalidValue("filter", p.Status, vsFileStatuses)
	}
	return p, nil
}

// listVSFiles: GET /v1/vector_stores/{vector_store_id}/files.
func (s *Server) listVSFiles(w http.ResponseWriter, r *http.Request) error {
	vsID, err := PathID(r, "vector_store_id", vectorstore.PrefixVectorStore)
	if err != nil {
		return err
	}
	p, err := parseVSFileList(r)
	if err != nil {
		return err
	}
	page, err := s.vs.ListFiles(r.Context(), vsID, p)
	if err != nil {
		return s.vsNotFound(r.Context(), err, vsID, "", "")
	}
	return WriteJSON(w, http.StatusOK, vsFileList(page))
}

// contentPage is the answer of the file content endpoint.
type contentPage struct {
	Object   string                `json:"object"`
	Data     []vectorstore.Content `json:"data"`
	HasMore  bool                  `json:"has_more"`
	NextPage *string               `json:"next_page"`
}

// vsFileContent: GET .../files/{file_id}/content, the file's parsed
// text as one page of one text item (no item while the file is not
// completed). The text is held in memory to answer it.
func (s *Server) vsFileContent(w http.ResponseWriter, r *http.Request) error {
	vsID, fileID, err := vsPathIDs(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.vs.WriteContent(r.Context(), vsID, fileID, &buf); err != nil {
		return s.vsNotFound(r.Context(), err, vsID, "file", fileID)
	}
	out := contentPage{Object: ObjectVSFileContentPage, Data: []vectorstore.Content{}}
	if buf.Len() > 0 {
		out.Data = append(out.Data, vectorstore.Content{Type: "text", Text: buf.String()})
	}
	return WriteJSON(w, http.StatusOK, out)
}

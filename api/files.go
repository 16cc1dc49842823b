package api

import (
	"net/http"

	"github.com/r2kit/r2kit/assistants"
)

// getFile: GET /v1/files/{file_id}, the file object.
func (s *Server) getFile(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "file_id", assistants.PrefixFile)
	if err != nil {
		return err
	}
	d, err := s.store.Files.GetMetadata(r.Context(), id)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, d.Value)
}

// listFiles: GET /v1/files, with purpose, limit (up to 10,000), order
// and after.
func (s *Server) listFiles(w http.ResponseWriter, r *http.Request) error {
	p, err := ParseFileList(r)
	if err != nil {
		return err
	}
	l, err := s.store.Files.List(r.Context(), p)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, l)
}

// deleteFile: DELETE /v1/files/{file_id}: the file leaves every vector
// store that holds it (so no search returns it any more), then the file
// object and its bytes go. The answer's object is "file", as OpenAI's.
func (s *Server) deleteFile(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "file_id", assistants.PrefixFile)
	if err != nil {
		return err
	}
	if err := s.removeFromVectorStores(r.Context(), id); err != nil {
		return err
	}
	if err := s.store.Files.Delete(r.Context(), id); err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, assistants.NewDeleted(assistants.ObjectFileDeleted, id))
}

package api

import (
	"net/http"

	"github.com/r2kit/r2kit/assistants"
)

// listThreads: GET /v1/threads, r2kit's addition to the v2 API (the
// hosted API never listed threads; its dashboard did). It takes the
// query of every v2 list (limit 1..100, default 20; order, default
// desc: newest first; after and before: thread ids) and answers the
// usual list envelope of thread objects. The console's thread pages
// read it.
func (s *Server) listThreads(w http.ResponseWriter, r *http.Request) error {
	p, err := ParseList(r, assistants.PrefixThread)
	if err != nil {
		return err
	}
	l, err := s.store.Threads.List(r.Context(), p)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, l)
}

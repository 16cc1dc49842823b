package api

import (
	"net/http"

	"github.com/r2kit/r2kit/assistants"
)

// listSteps: GET /v1/threads/{thread_id}/runs/{run_id}/steps, with the
// list parameters and include[]. Each step is answered as
// assistants.PresentStep gives it: file_search results have their
// content only with include[]=assistants.IncludeFileSearchContent. A
// missing run is 404.
func (s *Server) listSteps(w http.ResponseWriter, r *http.Request) error {
	thread, run, err := runPath(r)
	if err != nil {
		return err
	}
	p, err := ParseList(r, assistants.PrefixStep)
	if err != nil {
		return err
	}
	content, err := checkInclude(r)
	if err != nil {
		return err
	}
	l, err := s.store.Steps.List(r.Context(), thread, run, p)
	if err != nil {
		return err
	}
	for i := range l.Data {
		l.Data[i] = assistants.PresentStep(l.Data[i], content)
	}
	return WriteJSON(w, http.StatusOK, l)
}

// getStep: GET /v1/threads/{thread_id}/runs/{run_id}/steps/{step_id},
// with include[], presented as listSteps presents steps.
func (s *Server) getStep(w http.ResponseWriter, r *http.Request) error {
	thread, run, err := runPath(r)
	if err != nil {
		return err
	}
	id, err := PathID(r, "step_id", assistants.PrefixStep)
	if err != nil {
		return err
	}
	content, err := checkInclude(r)
	if err != nil {
		return err
	}
	d, err := s.store.Steps.Get(r.Context(), thread, run, id)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, assistants.PresentStep(d.Value, content))
}

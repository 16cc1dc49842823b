package api

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/r2kit/r2kit/vectorstore"
)

// searchRequest is the body of POST /v1/vector_stores/{id}/search.
type searchRequest struct {
	Query          json.RawMessage             `json:"query"`
	MaxNumResults  *int                        `json:"max_num_results"`
	RankingOptions *vectorstore.RankingOptions `json:"ranking_options"`
	Filters        json.RawMessage             `json:"filters"`
	RewriteQuery   *bool                       `json:"rewrite_query"`
}

// searchPage is the vector_store.search_results.page answer. Every
// result is on the one page: has_more is false and next_page null.
type searchPage struct {
	Object      string                     `json:"object"`
	SearchQuery []string                   `json:"search_query"`
	Data        []vectorstore.SearchResult `json:"data"`
	HasMore     bool                       `json:"has_more"`
	NextPage    *string                    `json:"next_page"`
}

// params checks the request and returns the search's parameters.
func (req *searchRequest) params() (vectorstore.SearchParams, error) {
	var p vectorstore.SearchParams
	if q := bytes.TrimSpace(req.Query); len(q) == 0 || string(q) == "null" {
		return p, missingParam("query")
	}
	if err := json.Unmarshal(req.Query, &p.Query); err != nil {
		return p, InvalidRequest("query", "Invalid type for 'query': expected a string or an array of strings.").
			withCode("invalid_type")
	}
	if n := req.MaxNumResults; n != nil {
		switch {
		case *n < 1:
			return p, InvalidRequest("max_num_results", "Invalid 'max_num_results': integer below minimum value. Expected a value >= 1, but got %d instead.", *n).
				withCode("integer_below_min_value")
		case *n > 50:
			return p, InvalidRequest("max_num_results", "Invalid 'max_num_results': integer above maximum value. Expected a value <= 50, but got %d instead.", *n).
				withCode("integer_above_max_value")
		}
		p.MaxNumResults = *n
	}
	p.RankingOptions = req.RankingOptions
	if f := bytes.TrimSpace(req.Filters); len(f) > 0 && string(f) != "null" {
		filter, err := vectorstore.ParseFilter("filters", f)
		if err != nil {
			return p, vsError(err)
		}
		p.Filters = filter
	}
	if req.RewriteQuery != nil {
		p.RewriteQuery = *req.RewriteQuery // accepted; queries are not rewritten
	}
	return p, vsError(p.Validate())
}

// searchVectorStore: POST /v1/vector_stores/{vector_store_id}/search:
// the store's best chunks for the query, BM25 or hybrid (see
// vectorstore's Search), filtered by file attributes.
func (s *Server) searchVectorStore(w http.ResponseWriter, r *http.Request) error {
	vsID, err := PathID(r, "vector_store_id", vectorstore.PrefixVectorStore)
	if err != nil {
		return err
	}
	var req searchRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	p, err := req.params()
	if err != nil {
		return err
	}
	res, err := s.vs.Search(r.Context(), vsID, p)
	if err != nil {
		return s.vsNotFound(r.Context(), err, vsID, "", "")
	}
	out := searchPage{Object: ObjectVSSearchPage, SearchQuery: res.SearchQuery, Data: res.Data}
	if out.SearchQuery == nil {
		out.SearchQuery = p.Query
	}
	if out.Data == nil {
		out.Data = []vectorstore.SearchResult{}
	}
	for i := range out.Data {
		if out.Data[i].Attributes == nil {
			out.Data[i].Attributes = vectorstore.Attributes{}
		}
	}
	return WriteJSON(w, http.StatusOK, out)
}

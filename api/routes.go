package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes registers every route: the service endpoints, and the v2
// endpoints of the Assistants API reference
// (../shared/reference/assistants-v2.md). Modify is POST, never PATCH;
// runs cannot be deleted.
//
// Entity endpoints still answer 501 through notYetImplemented; the
// endpoints step replaces each with its handler.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{Registry: s.registry}))

	const a, f, up = assistantsRoute, filesRoute, uploadRoute
	for _, rt := range []struct {
		pattern string
		kind    routeKind
		h       HandlerFunc
	}{
		{"GET /v1/assistants", a, s.notYetImplemented},
		{"POST /v1/assistants", a, s.notYetImplemented},
		{"GET /v1/assistants/{assistant_id}", a, s.notYetImplemented},
		{"POST /v1/assistants/{assistant_id}", a, s.notYetImplemented},
		{"DELETE /v1/assistants/{assistant_id}", a, s.notYetImplemented},

		{"POST /v1/threads", a, s.notYetImplemented},
		{"POST /v1/threads/runs", a, s.notYetImplemented},
		{"GET /v1/threads/{thread_id}", a, s.notYetImplemented},
		{"POST /v1/threads/{thread_id}", a, s.notYetImplemented},
		{"DELETE /v1/threads/{thread_id}", a, s.notYetImplemented},

		{"GET /v1/threads/{thread_id}/messages", a, s.notYetImplemented},
		{"POST /v1/threads/{thread_id}/messages", a, s.notYetImplemented},
		{"GET /v1/threads/{thread_id}/messages/{message_id}", a, s.notYetImplemented},
		{"POST /v1/threads/{thread_id}/messages/{message_id}", a, s.notYetImplemented},
		{"DELETE /v1/threads/{thread_id}/messages/{message_id}", a, s.notYetImplemented},

		{"GET /v1/threads/{thread_id}/runs", a, s.notYetImplemented},
		{"POST /v1/threads/{thread_id}/runs", a, s.notYetImplemented},
		{"GET /v1/threads/{thread_id}/runs/{run_id}", a, s.notYetImplemented},
		{"POST /v1/threads/{thread_id}/runs/{run_id}", a, s.notYetImplemented},
		{"POST /v1/threads/{thread_id}/runs/{run_id}/cancel", a, s.notYetImplemented},
		{"POST /v1/threads/{thread_id}/runs/{run_id}/submit_tool_outputs", a, s.notYetImplemented},

		{"GET /v1/threads/{thread_id}/runs/{run_id}/steps", a, s.notYetImplemented},
		{"GET /v1/threads/{thread_id}/runs/{run_id}/steps/{step_id}", a, s.notYetImplemented},

		{"POST /v1/files", up, s.notYetImplemented},
		{"GET /v1/files", f, s.notYetImplemented},
		{"GET /v1/files/{file_id}", f, s.notYetImplemented},
		{"DELETE /v1/files/{file_id}", f, s.notYetImplemented},
		{"GET /v1/files/{file_id}/content", f, s.notYetImplemented},
	} {
		s.handle(rt.pattern, rt.kind, rt.h)
	}
}

// notYetImplemented is the placeholder handler of the entity endpoints
// that this build does not serve yet: 501, type server_error, code
// not_implemented, naming the route.
func (s *Server) notYetImplemented(w http.ResponseWriter, r *http.Request) error {
	return notImplemented(r)
}

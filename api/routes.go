package api

import (
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes registers every route: the service endpoints, and the v2
// endpoints of the Assistants API reference
// (../shared/reference/assistants-v2.md). Modify is POST, never PATCH;
// runs cannot be deleted. The handlers are in assistants.go,
// threads.go, threadrun.go, messages.go, runs.go, tooloutputs.go,
// steps.go, files.go, upload.go and content.go; the vector store
// routes are in vectorstores.go.
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
		{"GET /v1/assistants", a, s.listAssistants},
		{"POST /v1/assistants", a, s.createAssistant},
		{"GET /v1/assistants/{assistant_id}", a, s.getAssistant},
		{"POST /v1/assistants/{assistant_id}", a, s.modifyAssistant},
		{"DELETE /v1/assistants/{assistant_id}", a, s.deleteAssistant},

		{"GET /v1/threads", a, s.listThreads}, // r2kit only: see thread_list.go
		{"POST /v1/threads", a, s.createThread},
		{"POST /v1/threads/runs", a, s.createThreadAndRun},
		{"GET /v1/threads/{thread_id}", a, s.getThread},
		{"POST /v1/threads/{thread_id}", a, s.modifyThread},
		{"DELETE /v1/threads/{thread_id}", a, s.deleteThread},

		{"GET /v1/threads/{thread_id}/messages", a, s.listMessages},
		{"POST /v1/threads/{thread_id}/messages", a, s.createMessage},
		{"GET /v1/threads/{thread_id}/messages/{message_id}", a, s.getMessage},
		{"POST /v1/threads/{thread_id}/messages/{message_id}", a, s.modifyMessage},
		{"DELETE /v1/threads/{thread_id}/messages/{message_id}", a, s.deleteMessage},

		{"GET /v1/threads/{thread_id}/runs", a, s.listRuns},
		{"POST /v1/threads/{thread_id}/runs", a, s.createRun},
		{"GET /v1/threads/{thread_id}/runs/{run_id}", a, s.getRun},
		{"POST /v1/threads/{thread_id}/runs/{run_id}", a, s.modifyRun},
		{"POST /v1/threads/{thread_id}/runs/{run_id}/cancel", a, s.cancelRun},
		{"POST /v1/threads/{thread_id}/runs/{run_id}/submit_tool_outputs", a, s.submitToolOutputs},

		{"GET /v1/threads/{thread_id}/runs/{run_id}/steps", a, s.listSteps},
		{"GET /v1/threads/{thread_id}/runs/{run_id}/steps/{step_id}", a, s.getStep},

		{"POST /v1/files", up, s.uploadFile},
		{"GET /v1/files", f, s.listFiles},
		{"GET /v1/files/{file_id}", f, s.getFile},
		{"DELETE /v1/files/{file_id}", f, s.deleteFile},
		{"GET /v1/files/{file_id}/content", f, s.fileContent},

		{"GET /v1/models", f, s.listModels}, // models.go
		{"GET /v1/models/{model}", f, s.getModel},
	} {
		s.handle(rt.pattern, rt.kind, rt.h)
	}
	s.vectorStoreRoutes()
}

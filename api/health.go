package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
)

// healthz answers 200 {"status":"ok"} while the process serves HTTP.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	_ = WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 {"status":"ready"} when the bucket answers a Stat
// of ReadyProbeKey within ReadyTimeout ("not found" is an answer), and
// 503 with a server_error envelope otherwise. The envelope names the
// kind of failure (resilience.Classify), not the backend's error, which
// is logged: /readyz needs no key.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReadyTimeout)
	defer cancel()
	_, err := s.bucket.Stat(ctx, ReadyProbeKey)
	if err == nil || errors.Is(err, storage.ErrNotFound) {
		_ = WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
		return
	}
	s.WriteError(w, r, &Error{Status: http.StatusServiceUnavailable, Type: TypeServer, Code: "not_ready",
		Message: "Storage is not ready: " + string(resilience.Classify(err)) + ".", Err: err})
}

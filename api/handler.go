package api

import (
	"net/http"
	"strings"
)

// HandlerFunc is an endpoint. It writes its success answer itself
// (usually with WriteJSON) or returns an error, which the server writes
// as an OpenAI error envelope (see ErrorFor and WriteError). Path
// wildcards are read with PathID, JSON bodies with DecodeJSON, list
// queries with ParseList.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// routeKind says what a route's requests carry, which decides the
// checks the server makes before its handler runs.
type routeKind int

const (
	// assistantsRoute: assistants, threads, messages, runs and run
	// steps. OpenAI-Beta is checked; bodies are limited to MaxBodyBytes.
	assistantsRoute routeKind = iota
	// filesRoute: files other than uploads. No beta header is needed
	// (clients send none); bodies are limited to MaxBodyBytes.
	filesRoute
	// uploadRoute: multipart file uploads, limited to MaxUploadBytes
	// plus MaxBodyBytes for the other parts.
	uploadRoute
)

// handle registers h for pattern ("METHOD /v1/...") under /v1's checks:
// the beta header for assistantsRoute, the body limit, and the
// conversion of h's error into an envelope. Authentication has already
// happened in dispatch.
func (s *Server) handle(pattern string, kind routeKind, h HandlerFunc) {
	limit := s.cfg.MaxBodyBytes
	if kind == uploadRoute {
		limit += s.cfg.MaxUploadBytes
		h = s.quoteUploadLimit(h)
	} else if strings.HasPrefix(pattern, "POST ") {
		h = s.idempotent(h)
	}
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if kind == assistantsRoute {
			if e := checkBeta(r); e != nil {
				s.WriteError(w, r, e)
				return
			}
		}
		if r.ContentLength > limit {
			s.WriteError(w, r, s.tooLarge(kind, limit))
			return
		}
		body := s.watchBody(w, r)
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		err := h(w, r)
		if body.stalled() {
			w.Header().Set("Connection", "close")
			e := bodyTimeout(s.cfg.BodyReadTimeout)
			e.Err, err = err, e
		}
		if err != nil {
			s.fail(w, r, err)
		}
	})
}

// fail answers err as an error envelope, unless the answer has begun
// (its status and headers are sent): then it logs what the client got
// and aborts the connection, so that the client sees the answer cut off
// rather than complete.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	sw := started(w)
	if sw == nil {
		s.WriteError(w, r, err)
		return
	}
	s.logCut(r, sw, err)
	panic(http.ErrAbortHandler)
}

// started returns the statusWriter under w if the answer has begun.
func started(w http.ResponseWriter) *statusWriter {
	for w != nil {
		if sw, ok := w.(*statusWriter); ok {
			if sw.status == 0 {
				return nil
			}
			return sw
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

// BetaHeader is the header that selects the Assistants API version.
const BetaHeader = "OpenAI-Beta"

// checkBeta accepts an OpenAI-Beta header of assistants=v2, or none
// (several comma-separated features may be listed; only "assistants"
// matters). assistants=v1 gets OpenAI's 400 invalid_beta answer, and so
// does any other version.
func checkBeta(r *http.Request) *Error {
	for _, h := range r.Header.Values(BetaHeader) {
		for part := range strings.SplitSeq(h, ",") {
			name, version, _ := strings.Cut(strings.TrimSpace(part), "=")
			if !strings.EqualFold(strings.TrimSpace(name), "assistants") {
				continue
			}
			switch version = strings.TrimSpace(version); version {
			case "v2":
			case "v1":
				return InvalidRequest("", "The v1 Assistants API has been deprecated. Please try again by setting "+
					"the header 'OpenAI-Beta: assistants=v2'. See the migration guide for more information: "+
					"https://platform.openai.com/docs/assistants/migration.").withCode("invalid_beta")
			default:
				return InvalidRequest("", "Invalid 'OpenAI-Beta' header: 'assistants=%s'. "+
					"This server supports 'OpenAI-Beta: assistants=v2'.", quote(version)).withCode("invalid_beta")
			}
		}
	}
	return nil
}

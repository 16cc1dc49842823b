package api

import (
	"net/http"
	"slices"
	"strings"
)

// CORS (Config.CORSOrigins): browsers may call the API from the listed
// origins. A preflight (OPTIONS with Origin and
// Access-Control-Request-Method) from an allowed origin is answered 204
// before authentication (browsers send no key with it), allowing the
// API's methods and the headers the browser asks for (the SDKs send
// Authorization, Content-Type, OpenAI-Beta and their own X-Stainless-*
// headers). Other requests from an allowed origin are served as usual,
// with Access-Control-Allow-Origin and the headers a client may read.
// Requests from another origin, and every request when no origin is
// configured, get no CORS header: the browser then refuses the answer.

// corsMethods are the methods the API answers.
const corsMethods = "GET, POST, DELETE, OPTIONS"

// corsExposed are the answer headers a browser script may read.
const corsExposed = "X-Request-Id, Retry-After, Retry-After-Ms, Idempotent-Replayed, Content-Range, Content-Disposition"

// corsMaxAge is how long (seconds) a browser may cache a preflight.
const corsMaxAge = "600"

// corsPolicy is the set of allowed origins; "*" allows any.
type corsPolicy []string

// allows reports whether origin may call the API.
func (p corsPolicy) allows(origin string) bool {
	return origin != "" && (slices.Contains(p, "*") || slices.Contains(p, origin))
}

// cors wraps next with the CORS handling of s's configuration.
func (s *Server) cors(next http.Handler) http.Handler {
	p := corsPolicy(slices.DeleteFunc(slices.Clone(s.cfg.CORSOrigins), func(o string) bool { return o == "" }))
	if len(p) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		h := w.Header()
		h.Add("Vary", "Origin")
		if !p.allows(origin) {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", corsMethods)
			if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
				h.Set("Access-Control-Allow-Headers", strings.Join(strings.Fields(strings.ReplaceAll(req, ",", " ")), ", "))
			}
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExposed)
		next.ServeHTTP(w, r)
	})
}

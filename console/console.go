// Package console is r2kit's web console: a few static pages, embedded
// in the binary, that show an r2kit server's assistants, threads,
// messages, runs and their steps, files and vector stores, and a
// playground that talks to an assistant.
//
// The console holds no state and no privilege of its own: its pages
// are plain HTML, CSS and JavaScript modules (no build step, nothing
// fetched from elsewhere), and every piece of data they show comes from
// the server's /v1 API, called from the browser with the API key the
// user typed into the login form. The key is kept in sessionStorage
// (gone when the tab closes) and sent only in the Authorization header,
// never in a cookie or a URL, so another site cannot make the browser
// act with it: a cross-origin request that carries it needs a CORS
// preflight, which the API does not grant. The console's own responses
// forbid framing and load nothing but the console's files
// (Content-Security-Policy).
package console

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed assets
var assets embed.FS

// AssetsPrefix is the path under which the console's files are served.
const AssetsPrefix = "/console/"

// securityHeaders are set on every console response.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
		"connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options":        "DENY",
	"Referrer-Policy":        "no-referrer",
	"Cache-Control":          "no-cache",
}

// Handler returns the console's handler: GET or HEAD of "/" answers the
// console's page, and AssetsPrefix+NAME its files. It answers 404 to
// any other path and 405 to any other method.
func Handler() http.Handler {
	files, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree always has assets/
	}
	static := http.StripPrefix(AssetsPrefix[:len(AssetsPrefix)-1], http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		for k, v := range securityHeaders {
			w.Header().Set(k, v)
		}
		switch {
		case r.URL.Path == "/":
			http.ServeFileFS(w, r, files, "index.html")
		case strings.HasPrefix(r.URL.Path, AssetsPrefix) && !strings.HasSuffix(r.URL.Path, "/"):
			static.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

// Mount returns a handler that serves the console (Handler) for GET and
// HEAD requests of "/" and under AssetsPrefix, and passes every other
// request to next, the API.
func Mount(next http.Handler) http.Handler {
	console := Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsConsolePath(r) {
			console.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// IsConsolePath reports whether Mount sends r to the console.
func IsConsolePath(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	return r.URL.Path == "/" || strings.HasPrefix(r.URL.Path, AssetsPrefix)
}

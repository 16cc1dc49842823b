package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// keyring holds the accepted API keys as SHA-256 digests, so that a
// comparison takes the same time whatever the length or content of the
// key presented.
type keyring [][sha256.Size]byte

func newKeyring(keys []string) keyring {
	var kr keyring
	for _, k := range keys {
		if k != "" {
			kr = append(kr, sha256.Sum256([]byte(k)))
		}
	}
	return kr
}

// accepts reports whether key is one of the keys, comparing it with
// every key in constant time.
func (kr keyring) accepts(key string) bool {
	sum := sha256.Sum256([]byte(key))
	ok := 0
	for i := range kr {
		ok |= subtle.ConstantTimeCompare(sum[:], kr[i][:])
	}
	return ok == 1
}

// authenticate checks the bearer key of r, if keys are configured, and
// returns the 401 to answer otherwise. The texts are OpenAI's.
func (kr keyring) authenticate(r *http.Request) *Error {
	if len(kr) == 0 {
		return nil
	}
	key, ok := bearer(r.Header.Get("Authorization"))
	switch {
	case !ok:
		return unauthorized("", "You didn't provide an API key. You need to provide your API key in an "+
			"Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). "+
			"The keys of this r2kit server are those given to 'r2kit serve' with --api-key or R2KIT_API_KEYS.")
	case !kr.accepts(key):
		return unauthorized("invalid_api_key", "Incorrect API key provided: "+maskKey(key)+". "+
			"The keys of this r2kit server are those given to 'r2kit serve' with --api-key or R2KIT_API_KEYS.")
	}
	return nil
}

func unauthorized(code, msg string) *Error {
	return &Error{Status: http.StatusUnauthorized, Type: TypeInvalidRequest, Code: code, Message: msg}
}

// bearer returns the token of an "Authorization: Bearer TOKEN" header
// value; the scheme is case-insensitive.
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// maskKey hides all of key but its first three and last four
// characters, as OpenAI shows a wrong key: "sk-ab*****wxyz". Keys of
// fewer than 12 bytes are hidden entirely; at most 40 stars are shown.
func maskKey(key string) string {
	const head, tail, maxStars = 3, 4, 40
	if len(key) < 12 || !printableASCII(key) {
		return strings.Repeat("*", min(len(key), maxStars))
	}
	return key[:head] + strings.Repeat("*", min(len(key)-head-tail, maxStars)) + key[len(key)-tail:]
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// needsKey reports whether a request for path p must carry a key (when
// keys are configured): the API under /v1, and /metrics, whose request
// counts, paths and storage errors are not for anyone who can reach the
// port (Prometheus sends the key with authorization.credentials).
// /healthz and /readyz stay open for load balancers and orchestrators.
func needsKey(p string) bool { return isAPIPath(p) || p == "/metrics" }

package storage

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Opener opens a Bucket from a parsed URL. Backends register one per URL
// scheme with Register.
type Opener func(ctx context.Context, u *url.URL) (Bucket, error)

var (
	openersMu sync.RWMutex
	openers   = map[string]Opener{}
)

// Register makes a backend available to Open under a URL scheme. Backend
// packages call it from init; it panics if the scheme is taken.
func Register(scheme string, open Opener) {
	openersMu.Lock()
	defer openersMu.Unlock()
	if _, dup := openers[scheme]; dup {
		panic("storage: Register called twice for scheme " + scheme)
	}
	openers[scheme] = open
}

// Schemes returns the registered URL schemes, sorted.
func Schemes() []string {
	openersMu.RLock()
	defer openersMu.RUnlock()
	var s []string
	for k := range openers {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// Open opens the Bucket a URL names. The backend of its scheme must be
// linked in, usually with a blank import:
//
//	mem://                          memstore (import r2kit/storage/memstore)
//	file:///var/lib/r2kit           filestore (import r2kit/storage/filestore)
//	s3://bucket?region=us-east-1    s3store (import r2kit/storage/s3store)
//	r2://bucket?account=ACCOUNT_ID  s3store, Cloudflare R2
//
// A plain path without a scheme ("./data", "/srv/r2kit") opens a
// filestore directory.
func Open(ctx context.Context, rawURL string) (Bucket, error) {
	if !strings.Contains(rawURL, "://") && !hasRegisteredScheme(rawURL) {
		abs, err := filepath.Abs(rawURL)
		if err != nil {
			return nil, fmt.Errorf("storage: open %q: %w", rawURL, err)
		}
		rawURL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("storage: open %q: %w", rawURL, err)
	}
	openersMu.RLock()
	open, ok := openers[u.Scheme]
	openersMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("storage: open %q: no backend registered for scheme %q (registered: %s)",
			rawURL, u.Scheme, strings.Join(Schemes(), ", "))
	}
	b, err := open(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("storage: open %q: %w", u.Redacted(), err)
	}
	return b, nil
}

// hasRegisteredScheme reports whether s starts with "scheme:" for a
// registered scheme, as in "file:relative" (which the opener rejects)
// rather than a path.
func hasRegisteredScheme(s string) bool {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok {
		return false
	}
	openersMu.RLock()
	defer openersMu.RUnlock()
	_, ok = openers[scheme]
	return ok
}

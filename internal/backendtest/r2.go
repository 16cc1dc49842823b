package backendtest

import (
	"testing"
	"time"

	"github.com/r2kit/r2kit/internal/r2profile"
	"github.com/r2kit/r2kit/storage/s3store"
)

// R2Options configures an R2-profile Bucket (see NewR2Bucket).
type R2Options struct {
	// Profile configures the proxy; nil means R2's documented behaviour,
	// one write per second per key included.
	Profile *r2profile.Options
	// Store configures the s3store Bucket; its R2 field is set. A zero
	// WriteInterval paces writes to the profile's limit (as r2:// URLs
	// do); a negative one sends them unpaced, for the limit to refuse.
	Store *s3store.Options
}

// NewR2Bucket returns an s3store Bucket in R2 mode (Options.R2) over a
// new, empty bucket on the test server signing region "auto", reached
// through an r2profile proxy that answers as Cloudflare R2 does. It
// returns the proxy too, for its Stats. opts may be nil. Without the test
// servers it fails in CI and skips elsewhere (see RequireS3).
func NewR2Bucket(t testing.TB, opts *R2Options) (*s3store.Bucket, *r2profile.Server) {
	t.Helper()
	return newR2Bucket(t, RequireS3(t, true), opts)
}

// r2TestProfile is the profile of the "r2" backend of ForEach and
// NewBucket: R2's answers, without the write rate limit, which would
// make each test's quick successive writes to one key wait a second
// apiece. Tests of the limit itself use NewR2Bucket.
var r2TestProfile = r2profile.Options{WritesPerSecond: -1}

func newR2Bucket(t testing.TB, s S3Server, opts *R2Options) (*s3store.Bucket, *r2profile.Server) {
	t.Helper()
	var o R2Options
	if opts != nil {
		o = *opts
	}
	proxy, err := r2profile.Start(s.Endpoint, o.Profile)
	if err != nil {
		t.Fatalf("starting the R2 profile proxy: %v", err)
	}
	t.Cleanup(proxy.Close)
	var so s3store.Options
	if o.Store != nil {
		so = *o.Store
	}
	so.R2 = true
	if rate := profileRate(o.Profile); so.WriteInterval == 0 && rate > 0 {
		so.WriteInterval = time.Duration(float64(time.Second) / rate)
	}
	if so.TombstoneGrace == 0 {
		so.TombstoneGrace = 6 * time.Second
	}
	if so.ValidateKey == nil {
		so.ValidateKey = s3store.ValidatePathKey
	}
	// The bucket is made and removed on the server directly, so that the
	// cleanup is not throttled.
	name := CreateBucket(t, s.Client())
	through := s
	through.Endpoint = proxy.URL
	b := s3store.New(through.Client(), name, &so)
	t.Cleanup(func() { _ = b.Close() })
	return b, proxy
}

// profileRate is the write limit per key of a profile, or a negative
// number for none.
func profileRate(p *r2profile.Options) float64 {
	switch {
	case p == nil || p.WritesPerSecond == 0:
		return r2profile.DefaultWritesPerSecond
	}
	return p.WritesPerSecond
}

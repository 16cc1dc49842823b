package storage

import (
	"context"
	"maps"
	"strconv"
	"time"
)

// Metadata keys r2kit writes on objects it manages (documents and
// blobs). User metadata must not use the "r2kit-" prefix.
const (
	// MetaWrites holds the ids of the most recent writes of an object,
	// newest first, separated by '.', used to tell whether a write whose
	// response was lost committed (see package doc).
	MetaWrites = "r2kit-writes"
	// MetaExpires holds the expiry instant as Unix milliseconds.
	MetaExpires = "r2kit-expires"
	// MetaType holds the object type given to CreateMetadata.
	MetaType = "r2kit-type"
	// MetaCreated holds the instant CreateMetadata was called, as Unix
	// milliseconds.
	MetaCreated = "r2kit-created"
	// MetaTombstone marks a tombstone, the object a conditional delete
	// leaves on stores without conditional DeleteObject (R2) until it is
	// removed; its value is the tombstone's id. Backends that write
	// tombstones report them as absent and refuse it in user metadata.
	MetaTombstone = "r2kit-tombstone"
)

// Recommended TTLs per entity type, after the seed's getRecommendedTTL.
// Entities that users keep (assistants, files, tools) get the longest;
// conversation state gets a week; execution state a day.
var recommendedTTL = map[string]time.Duration{
	"assistant": 30 * 24 * time.Hour,
	"file":      30 * 24 * time.Hour,
	"tool":      30 * 24 * time.Hour,
	"thread":    7 * 24 * time.Hour,
	"message":   7 * 24 * time.Hour,
	"run":       24 * time.Hour,
	"run_step":  24 * time.Hour,
}

// DefaultTTL is what RecommendedTTL returns for an unknown entity type.
const DefaultTTL = 24 * time.Hour

// RecommendedTTL returns the recommended retention for an entity type:
// assistant, file and tool 30 days; thread and message 7 days; run and
// run_step 24 hours; anything else DefaultTTL.
func RecommendedTTL(entityType string) time.Duration {
	if d, ok := recommendedTTL[entityType]; ok {
		return d
	}
	return DefaultTTL
}

// CreateMetadata returns object metadata for a document of objectType
// written at now: its type, creation instant, and, if ttl > 0, its
// expiry instant, plus the custom entries (which must not use the
// "r2kit-" prefix; they are copied, not modified).
func CreateMetadata(objectType string, now time.Time, ttl time.Duration, custom map[string]string) map[string]string {
	md := maps.Clone(custom)
	if md == nil {
		md = map[string]string{}
	}
	if objectType != "" {
		md[MetaType] = objectType
	}
	md[MetaCreated] = strconv.FormatInt(now.UnixMilli(), 10)
	if ttl > 0 {
		md[MetaExpires] = strconv.FormatInt(now.Add(ttl).UnixMilli(), 10)
	}
	return md
}

// ExpiresAt returns the expiry instant recorded in metadata, if any.
func ExpiresAt(md map[string]string) (time.Time, bool) {
	v, ok := md[MetaExpires]
	if !ok {
		return time.Time{}, false
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

// IsExpired reports whether metadata records an expiry instant at or
// before now.
func IsExpired(md map[string]string, now time.Time) bool {
	t, ok := ExpiresAt(md)
	return ok && !now.Before(t)
}

// ErrExpired: the object's TTL has passed. An error matching ErrExpired
// also matches ErrNotFound, so callers that only care about presence need
// one check.
var ErrExpired error = expiredError{}

type expiredError struct{}

func (expiredError) Error() string        { return "expired" }
func (expiredError) Is(target error) bool { return target == ErrNotFound }

// LifecycleRule expires every object under Prefix Age after it was last
// written, enforced by the store itself (R2 and S3 bucket lifecycle
// rules). It is a backstop for TTLs: it acts on age, not on the expiry
// recorded in metadata, so it should be longer than the TTLs it backs.
type LifecycleRule struct {
	// ID names the rule; empty means derived from Prefix.
	ID     string
	Prefix string
	Age    time.Duration
}

// Lifecycler is implemented by Buckets whose store can expire objects by
// itself.
type Lifecycler interface {
	// SetLifecycle replaces the store's lifecycle rules with rules.
	SetLifecycle(ctx context.Context, rules []LifecycleRule) error
}

// Presigner is implemented by Buckets that can issue URLs granting
// temporary read access to one object without credentials.
type Presigner interface {
	// PresignGet returns a URL that GETs key until expiry has passed.
	PresignGet(ctx context.Context, key string, expiry time.Duration) (string, error)
}

// SetLifecycle installs lifecycle rules on b or on the Bucket it wraps
// (see Unwrapper). It returns an error matching ErrUnsupported if no
// Bucket in the chain can.
func SetLifecycle(ctx context.Context, b Bucket, rules []LifecycleRule) error {
	if l, ok := Find[Lifecycler](b); ok {
		return l.SetLifecycle(ctx, rules)
	}
	return Errorf("lifecycle", "", ErrUnsupported, "%s cannot expire objects by itself", backendName(b))
}

// PresignGet returns a presigned GET URL for key from b or the Bucket it
// wraps. It returns an error matching ErrUnsupported if no Bucket in the
// chain can presign.
func PresignGet(ctx context.Context, b Bucket, key string, expiry time.Duration) (string, error) {
	if p, ok := Find[Presigner](b); ok {
		return p.PresignGet(ctx, key, expiry)
	}
	return "", Errorf("presign", key, ErrUnsupported, "%s cannot issue signed URLs", backendName(b))
}

// Find returns the first Bucket in b's wrapper chain (b itself first,
// then what Unwrap returns) that implements I.
func Find[I any](b Bucket) (I, bool) {
	for b != nil {
		if i, ok := b.(I); ok {
			return i, true
		}
		u, ok := b.(Unwrapper)
		if !ok {
			break
		}
		b = u.Unwrap()
	}
	var zero I
	return zero, false
}

func backendName(b Bucket) string {
	if be, ok := b.(Backend); ok {
		return "the " + be.Backend() + " backend"
	}
	return "this backend"
}

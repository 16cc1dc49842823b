package storage

import (
	"fmt"
	"strings"
)

// ReservedMetaPrefix begins the metadata keys r2kit writes itself
// (MetaWrites, MetaExpires, MetaType, MetaCreated, MetaTombstone,
// blob.MetaFilename). Only the library sets them: a user's
// "r2kit-expires" would give an object a TTL that no TTL option set, and
// a user's "r2kit-writes" would break the detection of lost writes.
const ReservedMetaPrefix = "r2kit-"

// CheckUserMetadata refuses user metadata with a key under
// ReservedMetaPrefix, in any case. The error matches ErrInvalidArgument
// and names the key. The write paths that take user metadata (doc's
// WriteOptions, blob's PutOptions, the r2kit command) call it; a Bucket
// does not, since the library writes those keys through it.
func CheckUserMetadata(md map[string]string) error {
	for k := range md {
		if strings.HasPrefix(strings.ToLower(k), ReservedMetaPrefix) {
			return fmt.Errorf("%w: metadata key %q uses the reserved %s prefix (only r2kit sets those keys)",
				ErrInvalidArgument, k, ReservedMetaPrefix)
		}
	}
	return nil
}

package filestore

import "log/slog"

// Options configures a Bucket. The zero value, like a nil *Options, is
// the durable default.
type Options struct {
	// NoSync skips fsync(2) of object files and directories. Writes stay
	// atomic for readers and for other processes, but an OS crash or a
	// power loss may lose writes that had returned, or leave an object
	// empty. Use it for tests and scratch data only.
	NoSync bool

	// Logger receives notes about files the Bucket skips (files that are
	// not objects, corrupt objects) and leftovers it cannot clean. Nil
	// means slog.Default().
	Logger *slog.Logger
}

// backendName is what Bucket.Backend returns.
const backendName = "file"

// Package filestore is a storage.Bucket kept in a local directory: the
// embedded default backend of r2kit. It needs Linux, macOS or a BSD (it
// relies on flock(2) and *at(2) system calls); elsewhere Open returns an
// error.
//
// Importing the package registers the "file" URL scheme with
// storage.Register: file:///var/lib/r2kit opens that directory (the host
// must be empty or "localhost"; the query parameter nosync=true sets
// Options.NoSync).
//
// # Layout
//
// The key "a/b/c.json" is the file <dir>/a/b/c.json, so the directory
// stays browsable. Filestore keeps its own files under <dir>/.r2kit/:
// temp files in tmp/ and lock files in locks/.
//
// Because keys become paths, filestore refuses, with an error matching
// storage.ErrInvalidKey, keys that storage.ValidateKey refuses and also:
//   - a key that starts or ends with "/" or contains "//" (an empty
//     segment),
//   - a "." or ".." segment,
//   - a segment longer than MaxSegmentLen bytes,
//   - a key whose first segment is ".r2kit" in any letter case (the
//     reserved directory),
//   - a key that conflicts with an existing object: "x/y" while "x"
//     exists, or "x" while keys under "x/" exist (a Put says which key it
//     conflicts with),
//   - a key whose path is too long for the filesystem.
//
// # Object files
//
// An object file starts with the 8-byte magic "R2KITOBJ", a big-endian
// uint32 header length and a JSON header
// {"v":1,"etag":"<32 hex digits>","content_type":"...","metadata":{...}},
// followed by the body. The ETag is the hex MD5 of the body, as S3 and R2
// report for single-request writes. Content type, metadata and ETag are
// written in the same file as the data, so they are replaced atomically
// with it and survive restarts on any filesystem.
//
// Files without the magic are not objects: Stat and Get report them as
// not found, List skips them (with a debug log), Delete leaves them and
// Put replaces them. A file with the magic and an unreadable header is a
// corrupt object: Stat and Get fail with an error saying so, List skips
// it with a warning, conditional writes treat it as present with an
// unknown ETag, and an unconditional Put or Delete replaces or removes
// it. Symbolic links inside the directory are never followed: a key
// whose path meets one is not found, and List skips them.
//
// # Atomicity and concurrency
//
// Put streams the body into a temp file in <dir>/.r2kit/tmp/, computing
// the MD5 as it goes, syncs it, and renames it into place, then syncs
// the parent directory: readers and a crash see the old object or the
// new one, never a torn one. Mutations of a key (every Put and Delete)
// are serialised across goroutines and OS processes by a mutex and an
// flock(2) on one of 256 lock files chosen by a hash of the key; the
// lock is held only to check the condition and rename or remove, never
// while a body streams. Any number of processes may therefore share one
// directory, provided it is on a local filesystem where flock works
// (not NFS). Reads take no lock.
//
// A writer holds an flock on its temp file while writing; Open removes
// the temp files that no live process holds, the litter of crashed
// writers. Delete removes directories it leaves empty, up to the root.
//
// # Limitations
//
// On a case-insensitive filesystem (the macOS default) keys that differ
// only in letter case name the same file: Open logs a warning when it
// detects one, and mutations of such keys then take the same lock, so
// conditional writes stay atomic. On a filesystem that normalises
// Unicode names (HFS+) a listed key may differ from the key that was
// written. Keep keys in one case and in NFC to be portable; use a
// case-sensitive volume for data whose keys differ only in case.
package filestore

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
// # Keys
//
// Filestore stores every key that S3 and R2 accept: any key that
// storage.ValidateKey accepts (up to 1,024 bytes of UTF-8 without control
// characters). "a" and "a/b" are two objects; keys ending in "/", with
// empty segments ("a//b") or dot segments ("a/./b", "a/../b") are kept
// as written, never resolved; a segment may be longer than the 255
// bytes a file name may have; keys differing only in case are distinct
// (see Limitations for case-insensitive filesystems). No key names a
// file outside the directory or among filestore's own files.
//
// # Layout (format 2)
//
// A key is split at every "/" into segments: every segment but the last
// is a directory, the last one the object file. A segment's name escapes
// "%" as "%25" and a leading "." as "%2E"; the empty segment is "%". A
// directory's name ends with "%2F" (the escaped "/" that follows its
// segment in every key it holds), so a file and a directory never share
// a name:
//
//	docs/a.json     docs%2F/a.json
//	a, a/b          a, a%2F/b
//	a/              a%2F/%
//	x/../.env       x%2F/%2E.%2F/%2Eenv
//
// A name that would be longer than 255 bytes keeps its first 128 bytes
// or fewer, followed by "%H" and the hex SHA-256 of the segment; the
// header of an object file under such a name holds its full key, which
// reads check and List decodes. Paths longer than PATH_MAX are opened
// one directory at a time.
//
// Filestore keeps its own files under <dir>/.r2kit/ (no escaped name
// starts with "."): the format marker format, the root lock lock, temp
// files in tmp/ and lock files in locks/. Names it does not write
// (another program's files, names starting with ".", directories without
// the %2F suffix) are not keys: List skips them.
//
// # Format versions and migration
//
// <dir>/.r2kit/format holds "r2kit filestore format 2". Format 1, written
// by earlier releases, had no marker and stored the key "a/b" as the
// file a/b (refusing keys that cannot be such a path). Open reads the
// marker under an flock(2) on <dir>/.r2kit/lock, so concurrent openers
// take turns, and migrates a format 1 directory in place:
//
//  1. stage: every object file is renamed to its format 2 path under
//     <dir>/.r2kit/v2/ (an object whose new path has a hashed name is
//     rewritten with its key in the header, keeping its modification
//     time), and emptied directories are removed; the touched
//     directories are synced and the marker set to "migrating";
//  2. install: the entries of .r2kit/v2/ are renamed into the root; a
//     format 1 leftover in the way (a directory of non-object files
//     named like a format 2 directory) is moved to .r2kit/v1-conflicts/
//     first, with a warning; then the marker says format 2.
//
// Objects keep their bodies, ETags, content types, metadata and
// modification times. Every step is a rename or an idempotent rewrite,
// so a migration interrupted by a crash resumes at the next Open. Files
// that are not objects stay where they were. Stop the processes of older
// releases before opening their directory with this one: they do not
// know the marker. A marker of a newer format makes Open fail.
//
// # Object files
//
// An object file starts with the 8-byte magic "R2KITOBJ", a big-endian
// uint32 header length and a JSON header
// {"v":2,"etag":"<32 hex digits>","key":"...","content_type":"...","metadata":{...}},
// followed by the body. Headers of format 1 ("v":1) name no key; they are
// read where no name is hashed. The ETag is the hex MD5 of the body, as S3 and R2
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
// whose path meets one is not found, and List skips them. A file or
// directory of another program where an object's file or directory goes
// fails a Put with an error naming it (an empty directory is removed).
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
// Paths are opened with openat2(2) and RESOLVE_BENEATH on Linux, else one
// component at a time, never following a symbolic link.
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

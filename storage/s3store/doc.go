// Package s3store is the storage.Bucket backend for Cloudflare R2, AWS S3
// and S3-compatible servers, through aws-sdk-go-v2. It is the only
// package of r2kit that imports the AWS SDK.
//
// # Opening
//
// New wraps an *s3.Client the caller configured. Importing the package
// also registers the URL schemes "s3" and "r2" with storage.Open:
//
//	s3://bucket?region=us-east-1
//	s3://bucket?endpoint=http://127.0.0.1:7070&region=us-east-1&path_style=true&prefix=app/
//	r2://bucket?account=ACCOUNT_ID&prefix=app/
//
// Credentials come from the standard AWS environment variables and
// shared configuration files (config.LoadDefaultConfig). See Open for
// every URL parameter.
//
// # Conditional writes are sent once
//
// A conditional write (PutObject with If-Match or If-None-Match,
// CompleteMultipartUpload with a condition, DeleteObject with If-Match)
// is never re-sent by the SDK: those calls run with a retryer limited to
// one attempt. Re-sending one after a lost response would turn our own
// committed write into a 412 Precondition Failed. When such a call fails
// after the request may have reached the server (a timeout, a reset or
// closed connection, an unreadable response, a 5xx status, a context
// cancelled while the request was in flight), the error matches
// storage.ErrAmbiguous, and not storage.ErrTransient: the write may have
// committed, and the caller must read the object back to find out.
// Failures that prove nothing was sent (the connection could not be
// made, the request could not be built) and 4xx answers are not
// ambiguous. Unconditional operations keep the SDK's standard retries.
//
// # Errors
//
// Every error is a *storage.Error with the operation and key; the SDK's
// error stays reachable with errors.As. Statuses are mapped as follows:
// 404 (NoSuchKey, NotFound) is storage.ErrNotFound, except that a 404
// answering a write with If-Match (AWS's answer when the key is missing)
// is storage.ErrPreconditionFailed; 412 and 409 ConditionalRequestConflict
// (AWS, racing conditional writes) are storage.ErrPreconditionFailed;
// 304 is storage.ErrNotModified; 429, 503 SlowDown and other 5xx answers
// are storage.ErrTransient (storage.ErrAmbiguous for conditional writes,
// see above). A missing bucket (NoSuchBucket) is not ErrNotFound.
//
// # Writes
//
// Put sends a body of known length up to Options.PartSize in one
// PutObject, streaming seekable readers and buffering other readers in
// pooled buffers (64 KiB first, so that small bodies do not hold a part
// buffer, then a part buffer). A larger body, or one of unknown length whose first
// PartSize bytes fill a buffer, becomes a multipart upload: parts of
// PartSize bytes are uploaded by up to Options.Concurrency goroutines,
// so at most Concurrency part buffers are held per Put, and the
// condition (If-Match / If-None-Match) is sent on CompleteMultipartUpload,
// which makes the whole upload atomic and conditional. Any failure or
// cancellation aborts the multipart upload, after waiting (when the
// context is done, for a few seconds at most) for the parts in flight: a
// part still being stored when the abort arrives would bring the upload
// back.
//
// Bodies always reach the SDK seekable (the caller's seekable reader, or
// a buffer), so SigV4 signs their SHA-256 and the server verifies it.
// PutObject and UploadPart are therefore sent with
// RequestChecksumCalculation WhenRequired whatever the client's setting:
// no CRC32 header, no aws-chunked trailer, which R2 and S3-compatible
// servers do not all accept. Open also sets the client's
// ResponseChecksumValidation to WhenRequired.
//
// # Deletes
//
// S3 answers a DELETE of a missing key with success, so Delete first
// reads the object's ETag (HeadObject), returns storage.ErrNotFound if
// there is none, and then deletes with If-Match set to that ETag: even an
// unconditional Delete removes the object it saw, not a newer one written
// in between (it reads again and retries a few times if that happens).
//
// # Deletes on R2: tombstones
//
// Cloudflare R2 documents no conditional headers on DeleteObject. With
// Options.R2 (r2:// URLs) or Options.EmulateConditionalDelete, a Delete
// is made atomic in effect in two steps:
//
//  1. A PutObject with If-Match set to the ETag replaces the object by a
//     tombstone: a 48-byte body holding a random id, with that id in the
//     metadata storage.MetaTombstone. This conditional write is the
//     delete: of racing deletes and writes against one version, one wins,
//     and an object refreshed meanwhile has another ETag and is kept
//     (storage.ErrPreconditionFailed). A lost answer is resolved by
//     reading the key back and looking for the tombstone's id.
//  2. A DeleteObject without condition removes the tombstone. It is sent
//     only within a third of Options.TombstoneGrace (default 15s) of step
//     1, and again after a 429's Retry-After within that window; if it
//     cannot be, the tombstone stays. A Bucket that paces writes
//     (Options.WriteInterval, r2:// URLs) sends it in the background
//     when the key's next turn comes: Delete returns after step 1.
//
// Stat, Get and List treat a tombstone as absent (List asks HeadObject
// about listed objects of a tombstone's size, 48 bytes, and leaves the
// tombstones out). Nothing replaces a tombstone younger than the grace,
// by the server's clock (Date minus Last-Modified), so step 2 cannot
// remove a newer object: a create (IfNoneMatch "*") that finds one waits
// until it is gone or older than the grace, then replaces it with a
// PutObject If-Match its ETag; an unconditional Put reads the key first
// and is sent If-Match the ETag it found (or If-None-Match "*"), reading
// again if it loses. A tombstone left by a crash between the steps is
// invisible, is replaced by the next create after the grace, and is
// removed by PurgeTombstones, which storage.Sweep calls.
//
// What it costs, per request to the store:
//
//	Delete with IfMatch           PUT + DELETE (2; 3 with a HEAD when it fails, to tell ErrNotFound)
//	Delete without IfMatch        HEAD + PUT + DELETE (3)
//	Put with IfNoneMatch "*"      PUT (1); + HEAD and a second PUT over a tombstone
//	Put without condition         HEAD + PUT (2)
//	Put with IfMatch, Stat, Get   as on S3 (1)
//	List                          LIST + one HEAD per listed 48-byte object
//
// On R2 each of the Delete's two writes counts against the one write per
// second per key, so the DELETE of step 2 waits its turn, a second after
// the tombstone (see "Writes to one key"), in the background: a Delete
// takes one round trip (two without IfMatch), and a create of the key
// in that second waits for the tombstone to go. The guarantee rests on one
// timing assumption: that a DELETE sent within a third of the grace
// reaches the store before two thirds of it have passed.
//
// # Writes to one key
//
// R2 allows one write per second to an object name and refuses more with
// 429. With Options.WriteInterval (1s for r2:// URLs, write_interval= to
// change it) the Bucket spaces its writes to each key instead of having
// them refused: a PutObject, CompleteMultipartUpload or DeleteObject
// waits until no other write of the Bucket's to the key is in flight and
// the interval has passed since the previous one's answer. Writes to
// other keys do not wait, and reads never do. The Bucket implements
// storage.WritePacer: package doc takes a key's turn before it reads for
// an Update, so every Update that arrives while it waits is committed by
// that one write (group commit), and no other writer of the process
// slips in between the read and the write. Writers in other processes
// are not seen: two processes writing one hot key can still meet a 429,
// which is storage.ErrTransient with the store's Retry-After.
package s3store

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
// Cloudflare R2 documents no conditional headers on DeleteObject, so with
// Options.R2 (r2:// URLs) the If-Match comparison is done on the HEAD
// answer and the DELETE is sent without a condition: on R2 a conditional
// Delete is not atomic, and a write landing between the HEAD and the
// DELETE can be deleted.
package s3store

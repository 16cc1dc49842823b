// Package assistants holds the OpenAI Assistants API v2 objects r2kit
// stores and serves: their models and exact JSON wire form, validation,
// ids, the storage key scheme and the run state machine, and the entity
// stores that keep them in a storage.Bucket.
//
// # Stores
//
// Open returns a Store (the Go form of the seed's createR2Storage)
// whose fields are the entity stores: Assistants, Threads, Messages,
// Runs, Steps, Files and Tools, with the seed's operations (Get, Put,
// PutIf for putWithCas, Update for updateWithCas, Delete optionally
// conditional on an ETag, Exists; for files GetMetadata, PutMetadata,
// PutBlob, GetBlob, Delete, Exists and BlobURL; tools by name), built on
// the doc package's documents, with a TTL per entity type (TTLs). Every
// id is checked with ParseID before it becomes a key and every value
// with its Validate method before it is written; either failure writes
// nothing. Update modifies an existing entity and never creates one.
//
// Lists follow the API: limit 1..100 (default 20), order asc or desc
// (default desc), after and before cursors, has_more, first_id and
// last_id. A page costs one List call and one parallel wave of limit+1
// Gets (plus a Stat of the thread or run) whatever the collection's
// length, in both orders, thanks to a desc index of marker objects
// under IndexPrefix (see index.go and listing.go). Runs follow the state
// machine and a thread has at most one active run (see runlock.go).
// Deleting a thread deletes everything in it and survives interruption
// (see cascade.go); (*Store).Repair finishes interrupted work and
// removes orphans.
//
// # Wire form
//
// Each model (Assistant, Thread, Message, Run, RunStep, File, Deleted,
// List) marshals to exactly the members of its v2 schema: every
// required member is always present, null where the schema allows null
// and the value is unset (pointer fields), arrays are [] rather than
// null, metadata is {} when empty and timestamps are integer Unix
// seconds. The polymorphic members (ResponseFormat, ToolChoice,
// ContentPart, Annotation, StepDetails, ToolCall, CodeOutput, Tool) have
// custom MarshalJSON/UnmarshalJSON methods that round-trip.
//
// # Forward compatibility
//
// Stored objects may have been written by a newer r2kit. Two rules keep
// an older version from destroying what it does not understand:
//   - Unknown members of a top-level model (and of a Tool) are kept in
//     its Extra map when decoded and written back when marshalled.
//   - A polymorphic value of an unknown type (a new content part, tool,
//     tool call ...) decodes without error and marshals back verbatim,
//     so reads and API answers carry it. It fails validation, so an
//     older version refuses to write an object holding one rather than
//     write something it cannot check.
//
// # Validation
//
// Each model has a Validate method (the doc package calls it before
// every write) and the request types have their own; the rules mirror
// the API's (metadata 16 pairs, keys 64 and values 512 characters, name
// 256, description 512, instructions 256000, 128 tools per assistant,
// 20 per run request, function names ^[a-zA-Z0-9_-]{1,64}$, known
// content part types, roles, purposes, id prefixes, temperature 0..2,
// top_p 0..1, token limits at least 256, ...). Errors are *FieldError
// values whose Field method names the offending field as OpenAI's
// "param" does ("tools[3].function.name") and whose message reads
// "metadata: too many keys (17); at most 16".
//
// # Ids
//
// NewID makes ids like "msg_01jq3v6x4h8c2m9k7r5t0w1y3z": the OpenAI
// prefix, then 26 lower-case Crockford base32 digits, 10 of millisecond
// time and 16 of a counter that starts at a random 80-bit value each
// millisecond. Fixed width makes lexicographic order creation order.
// ParseID accepts the prefix followed by [A-Za-z0-9_-] up to MaxIDLen
// bytes in all, so OpenAI's and other imported ids keep working, and
// rejects anything else (separators, dots, control characters,
// non-ASCII look-alikes) with an error matching storage.ErrInvalidKey.
//
// # Keys
//
//	assistants/{assistant_id}.json              seed layout
//	threads/{thread_id}.json                    seed layout
//	messages/{thread_id}/{message_id}.json      seed layout
//	runs/{thread_id}/{run_id}.json              seed layout
//	files/{file_id}.json                        seed layout (file object)
//	steps/{thread_id}/{run_id}/{step_id}.json   run steps
//	blobs/{file_id}                             file bytes
//	tools/{name}.json                           tools by name
//	locks/active-run/{thread_id}.json           one active run per thread
//	idx/desc/{listing directory}/{inverted id}  desc listing index markers
//	tombstones/threads/{thread_id}.json         thread deletes
//
// Run steps follow the messages and runs pattern one level deeper:
// listing steps/{thread}/{run}/ lists a run's steps in creation order,
// and steps/{thread}/ holds every step of a thread, so deleting a thread
// walks three prefixes that each start with the thread id.
//
// File bytes live under their own prefix rather than next to the
// metadata (files/{id}.blob): a listing of files/ then returns only file
// objects, so a page of limit n costs the same as for any other entity
// and no listing has to skip blobs; a lifecycle rule or sweep can treat
// blobs apart from metadata; and an orphaned blob (an interrupted
// delete) is found by listing blobs/ and checking files/{id}.json. The
// blob key has no extension because the bytes are the uploaded file's,
// of any type.
//
// Tools are stored by their name (a function tool's function name, else
// its type), which has the function-name alphabet and so is a safe key
// segment.
//
// The active-run lock is a document per thread under locks/, outside
// threads/, runs/ and messages/, so no listing of those prefixes sees
// it; a conditional create of it admits exactly one active run, and a
// sweep finds stale locks by listing one prefix.
//
// Every key function validates its ids with ParseID first: no input can
// address a key outside its entity's prefix or another entity's key.
//
// # Run state machine
//
// CanTransition follows the v2 run lifecycle; Run.Transition applies a
// change and keeps the timestamps and required_action consistent.
// Terminal statuses are final. RunStep.Transition and
// CanTransitionMessage do the same for steps and messages.
package assistants

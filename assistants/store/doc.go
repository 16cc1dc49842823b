// Package store keeps the OpenAI Assistants API v2 objects of package
// assistants in a storage.Bucket: the entity stores, their keys, the
// desc listing index, listing, the active-run lock, run leases, the run
// queue, thread delete cascades and repair.
//
// # Stores
//
// Open returns a *DB (the Go form of the seed's createR2Storage)
// whose fields are the entity stores: Assistants, Threads, Messages,
// Runs, Steps, Files and Tools, and the run Queue, with the seed's
// operations (Get, Put, PutIf for putWithCas, Update for updateWithCas, Delete optionally
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
// (see cascade.go); (*DB).Repair finishes interrupted work and
// removes orphans.
//
// # Errors
//
// A missing entity is a *NotFoundError naming the object and id
// ("No thread found with id 'thread_1'." in the API's words), matching
// ErrNotFound (which is storage.ErrNotFound, re-exported the way os
// re-exports fs.ErrNotExist). A create whose parent is missing names
// the parent. The other sentinels are re-exported too: ErrConflict,
// ErrInvalidKey, ErrInvalidArgument, ErrExpired; and ErrActiveRun,
// ErrDeleted and ErrFileTooLarge are the store's own. Callers match
// with errors.Is and errors.As and never parse keys.
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
//	queue/runs/{run_id}                         runs that need a worker
//	queue/waiting/{run_id}                      runs waiting for tool outputs
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
package store

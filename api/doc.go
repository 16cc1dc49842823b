// Package api is r2kit's HTTP server: the OpenAI Assistants API v2 wire
// format over a storage.Bucket, with authentication, limits, errors,
// health checks, metrics and access logs.
//
// New returns a Server, an http.Handler. It serves:
//
//	GET /healthz   200 {"status":"ok"} while the process runs
//	GET /readyz    200 {"status":"ready"} if the bucket answers, else 503
//	GET /metrics   Prometheus metrics: r2kit_storage_* (the bucket,
//	               through resilience.Instrument), r2kit_http_*, go_*, process_*
//	/v1/...        the Assistants API v2 routes (assistants, threads,
//	               messages, runs, run steps, files, vector stores)
//
// # Endpoints
//
// Every endpoint of the v2 reference, over an store.DB opened on
// the instrumented bucket (Config.Store; objects are kept until deleted
// by default):
//
//	assistants   create, retrieve, modify, list, delete
//	threads      create (with messages), retrieve, modify, delete (with
//	             everything in it), create thread and run
//	messages     create, retrieve, modify (metadata), list (run_id
//	             filter), delete
//	runs         create, retrieve, modify (metadata), list, cancel,
//	             submit_tool_outputs; runs cannot be deleted
//	run steps    retrieve, list (include[]: see file_search below)
//	files        upload (multipart, streamed to blob storage), retrieve,
//	             list (purpose filter), delete, content (streamed, with
//	             single byte ranges); delete also takes the file out of
//	             every vector store
//	vector stores create, retrieve, modify, list, delete, search; their
//	             files (add, retrieve, update attributes, list, delete,
//	             content) and file batches (create, retrieve, cancel, list
//	             files), over a vectorstore.Service (Config.VectorStores)
//
// Files added to a vector store are stored in_progress and handed to
// Config.Ingest, an IngestExecutor (see vectorstore_ingest.go); without
// one the server runs a vectorstore.Worker, which claims queued files by
// lease with the Workers of every server sharing the bucket (a server
// that dies has its files taken over); Close stops it.
//
// Runs are stored queued and handed to Config.Runs, a RunExecutor (see
// runexec.go for what the server and the executor each do); without one
// they stay queued, and "stream": true answers 400. A thread has at most
// one active run: a second run, or a message, during one answers 400.
//
// Answers follow OpenAI's: 200 with the object (delete answers
// {"id","object","deleted"}), list envelopes with has_more, 404 "No
// thread found with id '...'." for missing objects (and for the thread
// or run of a listing or create), 400 for wrong id prefixes, validation
// failures (param names the field) and business rules, never 409 for
// those (clients retry 409).
//
// # file_search resources
//
// The server makes the vector stores file_search needs by itself, over
// the same vectorstore.Service, and enqueues their files for ingestion
// (which is asynchronous: files are in_progress until indexed):
//
//   - tool_resources.file_search.vector_stores: [{file_ids,
//     chunking_strategy, metadata}] (at most one) on assistant create,
//     thread create and the thread of create thread and run makes the
//     store on the spot: the chunking strategy is checked, the files
//     must exist (404 naming PARAM.file_search.vector_stores[0].file_ids[i]),
//     the store is made and its files enqueued, then the entity is
//     written naming it in vector_store_ids (it never stores
//     vector_stores); if that write fails, the store is deleted again.
//     Modify assistant, modify thread and the top-level tool_resources of
//     create thread and run take vector_store_ids only, as OpenAI's:
//     vector_stores there is 400.
//   - A message attachment {file_id, tools: [{type: "file_search"}]}
//     adds the file to the thread's own store: the one its
//     tool_resources.file_search.vector_store_ids names, else one made
//     on demand (named "thread THREAD_ID") and set on the thread by a
//     conditional update; of concurrent requests, on any servers, one
//     store wins and the others' are deleted, so a thread never has two.
//     A thread whose store was deleted gets a new one. A file the store
//     has already (in_progress or completed) is not added again. This
//     holds for every path that creates messages: message create (the
//     files are attached before the message is written), the additional
//     messages of a run create (before the run is written), and the
//     messages of thread create and create thread and run (after the
//     new thread is written and before the answer; if attaching fails,
//     the thread is deleted again).
//
// A store made for a thread (by either) expires after 7 days of
// inactivity (expires_after {anchor: last_active_at, days: 7}), as
// OpenAI's; one made for an assistant does not expire.
//
// Run steps are answered as assistants.PresentStep gives them: the
// query r2kit keeps with a file_search call (r2kit_query) never leaves
// the server, and the results' content only with
// include[]=step_details.tool_calls[*].file_search.results[*].content
// (also accepted as include) on step list, step get, and the stream of
// run create and create thread and run; the stream of
// submit_tool_outputs, which takes no include[], has no content.
//
// # Requests
//
// Every request gets an id ("req_" and 32 hex digits), sent back in the
// X-Request-Id header and logged; RequestID reads it from the context.
// One access log line per request records method, path, route pattern,
// status, bytes, duration, request id and remote address; headers (and
// so API keys) are never logged. A panicking handler answers 500.
//
// Under /v1 the server checks, in order:
//   - the bearer key, when Config.APIKeys is not empty: 401 with
//     OpenAI's texts ("You didn't provide an API key. ...", "Incorrect
//     API key provided: sk-ab***wxyz. ..."), keys compared in constant
//     time;
//   - the route: OpenAI's 404 "Invalid URL (GET /v1/nope)" and 405
//     "Invalid method for URL (PUT /v1/assistants)", with Allow; a path
//     with "." or ".." segments or "//" is an invalid URL too (no
//     redirect to its cleaned form);
//   - for assistants, threads, messages, runs and steps, the OpenAI-Beta
//     header: assistants=v2 or no header; assistants=v1 is 400
//     invalid_beta (file routes take no beta header, as clients send
//     none);
//   - the body size: Config.MaxBodyBytes for JSON (1 MiB by default),
//     Config.MaxUploadBytes for uploads (512 MiB): 413.
//
// # Writing endpoints
//
// An endpoint is a HandlerFunc: it returns an error instead of writing
// one, and the server turns it into an envelope
// {"error":{"message","type","param","code"}} with ErrorFor, which maps
// the errors of storage, doc, assistants and resilience to statuses (an
// *Error passes through as it is). Helpers:
//
//	PathID(r, "thread_id", assistants.PrefixThread)  a path id, or OpenAI's 400 for a wrong prefix
//	DecodeJSON(r, &req)                              a JSON body: 415, 400 for bad JSON, unknown members, wrong types
//	ParseList(r, assistants.PrefixMessage)           limit/order/after/before, OpenAI's 400s
//	ParseFileList(r)                                 the same for GET /v1/files
//	WriteJSON(w, http.StatusOK, v)                   a JSON answer with Content-Type application/json
//	NotFound(assistants.ObjectThread, id)            OpenAI's 404 texts
//	InvalidRequest(param, format, args...)           a 400 invalid_request_error
//
// Endpoints use Server.Store, the entity store over Server.Bucket (the
// instrumented bucket), and may register further collectors with
// Server.Registry.
package api

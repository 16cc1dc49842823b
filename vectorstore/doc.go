// Package vectorstore keeps OpenAI-style vector stores in a
// storage.Bucket and nowhere else: text extraction, token chunking,
// an embeddings client, an index of immutable per-file segments with a
// manifest document per store, and search (BM25, or hybrid BM25 plus
// vectors when an Embedder is configured). Any process over the bucket
// can ingest into and search any store.
//
// # Steps
//
// Ingestion is Source (file bytes by id, supplied by the caller) ->
// Extractor (streamed plain text, by extension) -> Chunker (o200k_base
// tokens, auto = 800 with 400 overlap) -> Embedder (optional, batched)
// -> segment objects -> one manifest update. Each step is behind a
// small interface, so a new format or embedder is one file.
//
// # Object layout
//
//	vector_stores/{vs_id}/manifest.json
//	    the store (name, metadata, expiry, last_active_at, default
//	    chunking), its batches and one small entry per file: status,
//	    generation, attributes, last_error, usage_bytes and, once
//	    completed, its segments (ETag, size, chunks; the key follows
//	    from the position). It is the one authority on what the store
//	    holds: file counts and usage are computed from it, so they are
//	    exact. JSON, changed only with doc.Update, and every change of
//	    a Service goes through a per-store committer that applies all
//	    the changes waiting for that store to one decoded manifest in
//	    one write (a 2,000-file ingestion is about ten writes).
//	vector_stores/{vs_id}/files/{file_id}.json
//	    the file's work record: its generation, the lease of whoever
//	    indexes it (owner, until, claims) and, once indexed, the outcome
//	    the manifest then takes over. Claims and results are doc.Update
//	    writes conditional on the lease, so a stale holder is fenced.
//	vector_stores/{vs_id}/segments/{file_id}/{gen}/{n}.seg
//	    immutable segment n (6 digits) of generation gen of a file: up to
//	    Options.SegmentChunks chunks with their text, BM25 term postings
//	    and int8 vectors (see segment for the encoding). Written
//	    create-only; gen changes each time the file is (re-)added, so a
//	    retried ingestion finds and reuses its own objects and a re-added
//	    file never meets stale ones.
//	queue/vector_store_files/{vs_id}/{file_id}
//	    the queue marker of a file waiting to be indexed (its generation
//	    and chunking), written before the manifest announces the file
//	    and deleted, conditionally on its ETag, once the manifest holds
//	    the outcome. Workers (NewWorker) of every process list them.
//
// # Ingestion
//
// A file is indexed by whoever claims its record's lease: a Worker
// polling the queue, or a direct Ingest call. The holder renews the
// lease every third of Options.LeaseDuration, writes segments
// create-only, records the outcome in the record (fenced by the lease)
// and then in the manifest (if the manifest still holds that
// generation in_progress). A crash at any point leaves the marker, and
// the next claimant after the lease lapses finds what was done: an
// outcome in the record is only carried into the manifest, segments
// already written are reused, so no file is indexed twice. A
// generation claimed Options.MaxAttempts times without an outcome ends
// failed with a server_error, so nothing stays in_progress forever.
//
// Ids are validated (ValidateID) before they become keys: only
// [A-Za-z0-9_-], at most MaxIDLen bytes, so no "/", ".." or control
// characters. Store ids start with "vs_", batch ids with "vsfb_".
//
// # Search costs
//
// A search reads the manifest (a conditional GET when the doc.Store
// cache holds it: one request), selects the completed files whose
// attributes pass the filter, and scores their segments by exact scan.
// Segments are cached in memory by key and ETag within
// Options.CacheBytes; they never change, so a cached one is never
// revalidated and a warm search costs one request. Missing segments are
// fetched in parallel.
//
// # Scores
//
// BM25 (k1 1.2, b 0.75, over the statistics of the selected segments)
// is divided by its upper bound for the query, so it lies in [0,1).
// With an Embedder the score is 0.5*max(0,cosine) + 0.5*BM25, also in
// [0,1]. Vectors are stored as unit vectors quantized to int8 with one
// float32 scale each (a quarter of float32's size); the quality eval
// and the benchmarks measure what that costs against float32.
//
// # Libraries
//
//   - Tokenizer: github.com/tiktoken-go/tokenizer, o200k_base, whose
//     vocabularies are embedded (no download at run time).
//   - PDF: github.com/ledongthuc/pdf, pure Go, a maintained fork of
//     rsc.io/pdf that extracts plain text page by page. pdfcpu is not an
//     approved release here, go-pdfium needs the native pdfium library.
//   - DOCX: archive/zip and encoding/xml of the standard library over
//     word/document.xml: no free, well-kept Go DOCX reader is served
//     (unioffice needs a paid licence, gooxml and godocx are not
//     served), and reading text runs needs only a streaming XML decoder.
//   - HTML: golang.org/x/net/html's streaming tokenizer.
//
// # Not done here
//
// The manifest still grows with the files of a store (one small entry
// each); the committer keeps the number of writes low, but each write
// encodes all entries. Sharding it is the next step past some tens of
// thousands of files per store. Removing a deleted file from every
// store means calling DeleteFile for each store that holds it. There
// is no approximate vector index: search is an exact scan (see
// BenchmarkSearchVectors).
package vectorstore

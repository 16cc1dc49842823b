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
//	    chunking), one entry per file (status, last_error, attributes,
//	    chunking, generation, usage_bytes, segment keys and ETags) and
//	    the batches. JSON, changed only with doc.Update (conditional
//	    writes, group commit): file counts are computed from it and are
//	    exact.
//	vector_stores/{vs_id}/segments/{file_id}/{gen}/{n}.seg
//	    immutable segment n (6 digits) of generation gen of a file: up to
//	    Options.SegmentChunks chunks with their text, BM25 term postings
//	    and int8 vectors (see segment for the encoding). Written
//	    create-only; gen changes each time the file is (re-)added, so a
//	    retried Ingest finds and reuses its own objects and a re-added
//	    file never meets stale ones.
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
// Every file entry lives in the manifest, so each ingestion result
// decodes and re-encodes the whole manifest: ingesting n files costs
// O(n^2) JSON work (about 7 s for 500 files in one store, minutes for
// 2,000). Moving file records into their own documents and keeping
// only segment references in the manifest is the next step; the
// quality eval (TestSearchQuality, R2KIT_VS_EVAL=1) waits on it.
//
// Queuing ingestion (leases) and the HTTP layer are the caller's:
// Ingest is idempotent and Pending lists the work, so a lease-based
// queue can sit in front. Removing a deleted file from every store
// means calling DeleteFile for each store that holds it.
package vectorstore

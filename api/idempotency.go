package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/storage"
)

// Idempotent requests.
//
// A POST with an Idempotency-Key header is executed at most once per
// key (and API key) for IdempotencyTTL: a retry of it gets the first
// answer back, byte for byte, with the header Idempotent-Replayed: true,
// instead of creating a second object. The record of a key is a
// document under IdempotencyPrefix, in the bucket, so every server
// sharing the bucket honours it:
//
//  1. the first request creates the record "pending" (a create-only
//     write: of racing requests with one key exactly one proceeds);
//  2. its handler runs; its answer (status, content type, body) is
//     written to the record, which becomes "done";
//  3. a request that finds a done record gets its answer; one that
//     finds a pending record gets 409 with Retry-After (the OpenAI SDKs
//     retry 409 by themselves), until the pending record is older than
//     idempotencyPendingLease, when the request takes it over and runs
//     (the first one's server died before it answered);
//  4. an answer of 5xx is not recorded: the record is deleted, so a
//     retry runs again. The store answers 5xx only for writes known not
//     to have committed, so running again creates nothing twice.
//
// A key reused with another method, path or body is refused with 400.
// A streamed answer (server-sent events) is not kept: a retry of it
// gets 409 saying so. Multipart uploads are not covered (their body is
// not buffered); the key is ignored there.

// IdempotencyHeader is the request header naming an idempotent request.
const IdempotencyHeader = "Idempotency-Key"

// IdempotencyPrefix is the prefix of the idempotency records in the
// bucket: IdempotencyPrefix + hex(SHA-256(API key, key)) + ".json".
const IdempotencyPrefix = "idempotency/"

// IdempotencyTTL is how long a key's answer is kept.
const IdempotencyTTL = 24 * time.Hour

// idempotencyPendingLease is how long a pending record holds its key
// before another request may take it over.
const idempotencyPendingLease = 2 * time.Minute

// maxIdempotencyKeyLen bounds the header's value.
const maxIdempotencyKeyLen = 255

// maxReplayBytes bounds the answer a record keeps; a larger answer is
// kept as "streamed" (not replayable).
const maxReplayBytes = 1 << 20

// idemRecord is the document of one key.
type idemRecord struct {
	State       string `json:"state"` // idemPending or idemDone
	StartedMS   int64  `json:"started_ms"`
	RequestID   string `json:"request_id"`
	Fingerprint string `json:"fingerprint"`
	Status      int    `json:"status,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Body        string `json:"body,omitempty"`
	Streamed    bool   `json:"streamed,omitempty"`
}

const (
	idemPending = "pending"
	idemDone    = "done"
)

// idempotencyOptions are the document options of a record.
var idempotencyOptions = &doc.WriteOptions{Type: "idempotency_record", TTL: IdempotencyTTL}

// idempotent wraps h: with an Idempotency-Key header, h runs at most
// once per key (see the comment above).
func (s *Server) idempotent(h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		key := r.Header.Get(IdempotencyHeader)
		if key == "" || r.Method != http.MethodPost {
			return h(w, r)
		}
		if err := checkIdempotencyKey(key); err != nil {
			return err
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		fp := fingerprint(r, body)
		rkey := s.idempotencyKey(r, key)
		rec, etag, err := s.claimIdempotencyKey(r.Context(), rkey, key, fp, RequestID(r.Context()))
		if err != nil {
			return err
		}
		if rec != nil {
			return replay(w, rec)
		}
		cw := &capturingWriter{ResponseWriter: w}
		err = h(cw, r)
		if err != nil && cw.status != 0 {
			// The answer was cut off after it began: nothing to replay.
			cw.overflow = true
			s.recordAnswer(r, rkey, etag, fp, cw)
			return err
		}
		if err != nil {
			s.WriteError(cw, r, err)
		}
		s.recordAnswer(r, rkey, etag, fp, cw)
		return nil
	}
}

// checkIdempotencyKey checks the header's value: 1 to 255 printable
// ASCII characters.
func checkIdempotencyKey(key string) error {
	if len(key) > maxIdempotencyKeyLen {
		return InvalidRequest(IdempotencyHeader, "Invalid '%s' header: %d characters; at most %d.", IdempotencyHeader, len(key), maxIdempotencyKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x21 || c > 0x7e {
			return InvalidRequest(IdempotencyHeader, "Invalid '%s' header: character %d is not printable ASCII.", IdempotencyHeader, i)
		}
	}
	return nil
}

// idempotencyKey returns the record key of key for r's API key.
func (s *Server) idempotencyKey(r *http.Request, key string) string {
	token, _ := bearer(r.Header.Get("Authorization"))
	h := sha256.New()
	io.WriteString(h, token)
	h.Write([]byte{0})
	io.WriteString(h, key)
	return IdempotencyPrefix + hex.EncodeToString(h.Sum(nil)) + ".json"
}

// fingerprint identifies what a request asks: method, path, body.
func fingerprint(r *http.Request, body []byte) string {
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"\n")
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// claimIdempotencyKey makes the pending record of rkey for this
// request, or returns the record whose answer to replay (done). It
// returns the pending record's etag when the request is to run.
func (s *Server) claimIdempotencyKey(ctx context.Context, rkey, key, fp, reqID string) (*idemRecord, string, error) {
	mine := idemRecord{State: idemPending, StartedMS: s.now().UnixMilli(), RequestID: reqID, Fingerprint: fp}
	for range 3 {
		d, err := doc.PutIf(ctx, s.docs, rkey, mine, "", idempotencyOptions)
		if err == nil {
			return nil, d.ETag, nil
		}
		if !errors.Is(err, doc.ErrConflict) {
			return nil, "", err
		}
		cur, err := doc.Get[idemRecord](ctx, s.docs, rkey)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			continue // deleted meanwhile (a 5xx answer): try again
		case err != nil:
			return nil, "", err
		case cur.Value.Fingerprint != fp:
			return nil, "", InvalidRequest(IdempotencyHeader, "Keys for idempotent requests can only be used with the same "+
				"parameters they were first used with. Try using a key other than '%s' if you meant to execute a different request.",
				key).withCode("idempotency_key_reused")
		case cur.Value.State == idemDone:
			return &cur.Value, "", nil
		case s.now().UnixMilli()-cur.Value.StartedMS < idempotencyPendingLease.Milliseconds():
			e := InvalidRequest("", "A request with this Idempotency-Key is still being processed. Retry after it finishes.").
				withStatus(http.StatusConflict).withCode("idempotency_key_in_use")
			e.RetryAfter = time.Second
			return nil, "", e
		}
		// The first request's server died before it answered: take over.
		d, err = doc.PutIf(ctx, s.docs, rkey, mine, cur.ETag, idempotencyOptions)
		if err == nil {
			return nil, d.ETag, nil
		}
		if !errors.Is(err, doc.ErrConflict) {
			return nil, "", err
		}
	}
	e := InvalidRequest("", "A request with this Idempotency-Key is still being processed. Retry after it finishes.").
		withStatus(http.StatusConflict).withCode("idempotency_key_in_use")
	e.RetryAfter = time.Second
	return nil, "", e
}

// recordAnswer keeps the answer cw captured in the record of rkey, or
// deletes the record after a 5xx answer (nothing was stored: a retry
// runs again). Failures are logged: the record then stays pending until
// its lease lapses.
func (s *Server) recordAnswer(r *http.Request, rkey, etag, fp string, cw *capturingWriter) {
	ctx := context.WithoutCancel(r.Context())
	status := cw.status
	if status == 0 {
		status = http.StatusOK
	}
	var err error
	if status >= 500 {
		err = doc.Delete(ctx, s.docs, rkey, etag)
	} else {
		rec := idemRecord{State: idemDone, StartedMS: s.now().UnixMilli(), RequestID: RequestID(r.Context()), Fingerprint: fp,
			Status: status, ContentType: cw.Header().Get("Content-Type")}
		if cw.overflow || strings.HasPrefix(rec.ContentType, "text/event-stream") {
			rec.Streamed = true
		} else {
			rec.Body = cw.buf.String()
		}
		_, err = doc.PutIf(ctx, s.docs, rkey, rec, etag, idempotencyOptions)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "could not record the answer of an idempotent request", "request_id", RequestID(r.Context()),
			"status", status, "error", err.Error())
	}
}

// replay writes the recorded answer.
func replay(w http.ResponseWriter, rec *idemRecord) error {
	if rec.Streamed {
		return InvalidRequest("", "The request with this Idempotency-Key was answered with a stream, which cannot be "+
			"replayed. Read the objects it created instead.").withStatus(http.StatusConflict).withCode("idempotency_key_in_use")
	}
	h := w.Header()
	if rec.ContentType != "" {
		h.Set("Content-Type", rec.ContentType)
	}
	h.Set("Idempotent-Replayed", "true")
	h.Set("Content-Length", strconv.Itoa(len(rec.Body)))
	w.WriteHeader(rec.Status)
	_, err := io.WriteString(w, rec.Body)
	return err
}

// capturingWriter passes an answer through and keeps a copy of it (up
// to maxReplayBytes).
type capturingWriter struct {
	http.ResponseWriter
	status   int
	buf      bytes.Buffer
	overflow bool
}

func (c *capturingWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *capturingWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if !c.overflow {
		if c.buf.Len()+len(p) > maxReplayBytes {
			c.overflow = true
			c.buf.Reset()
		} else {
			c.buf.Write(p)
		}
	}
	return c.ResponseWriter.Write(p)
}

// Unwrap gives http.ResponseController the writer underneath (Flush
// for streams).
func (c *capturingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// Flush passes a flush on, for streamed answers.
func (c *capturingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

package vectorstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/resilience"
	"github.com/r2kit/r2kit/storage"
)

// The ingestion queue.
//
// Each file generation waiting to be indexed has a marker object,
// QueuePrefix + "{vs_id}/{file_id}", whose body names the generation
// and its chunking strategy. AddFiles and CreateBatch write the markers
// before the manifest announces the files in_progress, and a marker is
// deleted (conditionally on its ETag, so a marker rewritten by a later
// addition stays) only after the manifest holds the file's outcome. A
// crash in between leaves a marker too many, never one too few: the
// next worker to take it finds the real state and settles it. A
// marker whose generation the manifest does not know (its addition is
// still being committed, or it failed) is left alone for
// WorkerOptions.MarkerGrace and then dropped, or pointed at the
// generation the manifest waits for.

// marker is the body of a queue marker.
type marker struct {
	Gen      int64            `json:"gen"`
	Chunking ChunkingStrategy `json:"chunking_strategy,omitzero"`
	// At is when the marker was written, Unix milliseconds.
	At int64 `json:"at_ms"`
}

const maxMarkerBytes = 4096

// putMarker writes the marker of a file generation. S3-compatible
// servers that keep objects as files (versitygw's posix backend)
// refuse, as an invalid key, a put that races the removal of the last
// object of its directory; markers come and go in one directory, so
// such a refusal is retried a few times.
func (s *Service) putMarker(ctx context.Context, vsID, fileID string, m marker, ifMatch string) (string, error) {
	body, _ := json.Marshal(m)
	key := markerKey(vsID, fileID)
	var err error
	for attempt := range 4 {
		if attempt > 0 {
			if resilience.Sleep(ctx, time.Duration(attempt)*5*time.Millisecond) != nil {
				break
			}
		}
		var a *storage.Attrs
		a, err = s.b.Put(ctx, key, bytes.NewReader(body), &storage.PutOptions{ContentType: doc.ContentType, IfMatch: ifMatch})
		if err == nil {
			return a.ETag, nil
		}
		if !errors.Is(err, storage.ErrInvalidKey) {
			break
		}
	}
	return "", fmt.Errorf("vectorstore: writing queue marker %s: %w", key, err)
}

// readMarker reads a marker and its ETag.
func (s *Service) readMarker(ctx context.Context, vsID, fileID string) (marker, string, error) {
	var m marker
	a, raw, err := storage.ReadAll(ctx, s.b, markerKey(vsID, fileID), nil, maxMarkerBytes)
	if err != nil {
		return m, "", err
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, "", fmt.Errorf("vectorstore: queue marker %s: %w", a.Key, err)
	}
	return m, a.ETag, nil
}

// dropMarker deletes a marker if its ETag is etag; a marker that is
// gone or was rewritten meanwhile is not an error.
func (s *Service) dropMarker(ctx context.Context, vsID, fileID, etag string) error {
	err := s.b.Delete(ctx, markerKey(vsID, fileID), &storage.DeleteOptions{IfMatch: etag})
	if err == nil || errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrPreconditionFailed) {
		return nil
	}
	return err
}

// dropMarkerOf deletes the marker of generation gen of a file, if the
// marker is of that generation.
func (s *Service) dropMarkerOf(ctx context.Context, vsID, fileID string, gen int64) error {
	m, etag, err := s.readMarker(ctx, vsID, fileID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if m.Gen != gen {
		return nil
	}
	return s.dropMarker(ctx, vsID, fileID, etag)
}

// parseMarkerKey splits a marker key into store and file ids.
func parseMarkerKey(key string) (vsID, fileID string, ok bool) {
	rest, ok := strings.CutPrefix(key, QueuePrefix)
	if !ok {
		return "", "", false
	}
	vsID, fileID, ok = strings.Cut(rest, "/")
	if !ok || ValidateID("", PrefixVectorStore, vsID) != nil || ValidateID("", "", fileID) != nil {
		return "", "", false
	}
	return vsID, fileID, true
}

// forEach runs fn over items with at most n at a time and returns the
// first error.
func forEach[T any](ctx context.Context, items []T, n int, fn func(ctx context.Context, item T) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, max(n, 1))
	for _, it := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(ctx, it); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

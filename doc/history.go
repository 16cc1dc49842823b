package doc

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"

	"github.com/r2kit/r2kit/storage"
)

// Write history.
//
// Every document write records a fresh write id, prepended to the ids of
// the writes before it (storage.MetaWrites, newest first, at most
// historyLen). A write that is conditional on a version whose newest id
// is p can only commit as the write directly after p. So when a write's
// response is lost, reading the object back decides its fate even if
// others have written on top of it since:
//
//   - our id is in the history: it committed;
//   - the object is still the version we were conditional on: it did
//     not commit (and may be re-sent);
//   - p is in the history followed by another id: that write won the
//     race against ours, which did not commit;
//   - neither id is in the history (more than historyLen writes, or an
//     unconditional overwrite, came since): the outcome cannot be known,
//     and the write fails with an error matching ErrInternal rather than
//     guess.
//
// An unconditional Put starts a new history, marked as cut ("*" as its
// oldest entry), so that no create is mistaken for its creator.

// historyLen bounds the write ids kept per object: 40 ids of 11
// characters take 479 bytes of metadata. R2 accepts about one write per
// second to a key, and a lost response is resolved within milliseconds,
// so the history reaches far enough by a wide margin.
const historyLen = 40

// newWriteID returns a random 64-bit id, base64url-encoded.
func newWriteID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand.Read panics instead)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// history returns the write ids recorded in md, newest first.
func history(md map[string]string) []string {
	h := md[storage.MetaWrites]
	if h == "" {
		return nil
	}
	return strings.Split(h, ".")
}

// cut marks a history that does not go back to the object's creation.
const cut = "*"

// withWrite returns the history of a write with id wid on top of prev;
// for an unconditional write (overwrite), a cut history.
func withWrite(wid string, prev []string, overwrite bool) string {
	if overwrite {
		return wid + "." + cut
	}
	h := append([]string{wid}, prev...)
	if len(h) > historyLen {
		h = h[:historyLen]
	}
	return strings.Join(h, ".")
}

// verdict is what reading an object back says of a write.
type verdict int

const (
	committed    verdict = iota // the write is in the object's history
	notCommitted                // the object is still the version the write replaced
	lostRace                    // another write replaced that version
	unknown                     // the history no longer reaches that far
)

// judge decides the fate of write wid, made on top of a version whose
// history was prev (nil for a create), from the current object's
// history cur (present=false if there is no object).
func judge(wid string, prev []string, cur []string, present bool) verdict {
	if slices.Contains(cur, wid) {
		return committed
	}
	if !present {
		if len(prev) == 0 {
			return notCommitted // a create, and still nothing there
		}
		return unknown // deleted since, maybe after our write committed
	}
	if len(prev) == 0 {
		// A create. The creator is the oldest id of a history that has
		// been neither cut nor shortened: not ours.
		if len(cur) < historyLen && (len(cur) == 0 || cur[len(cur)-1] != cut) {
			return lostRace
		}
		return unknown
	}
	i := slices.Index(cur, prev[0])
	switch {
	case i == 0:
		return notCommitted
	case i > 0:
		return lostRace // cur[i-1] won, and it is not ours
	}
	return unknown
}

// Writes in flight.
//
// Besides the object's history, a Store remembers the ids of its own
// writes in flight per key, and every read of that key through the
// Store marks those it finds in the object's history as seen. A write
// of this process that others of this process have already built on is
// thus known to have committed even after the history has moved past it.

// track registers write wid of key as in flight and returns the func
// that ends the tracking.
func (s *Store) track(key, wid string) (untrack func()) {
	s.inflightMu.Lock()
	defer s.inflightMu.Unlock()
	if s.inflight == nil {
		s.inflight = map[string]map[string]bool{}
	}
	m := s.inflight[key]
	if m == nil {
		m = map[string]bool{}
		s.inflight[key] = m
	}
	m[wid] = false
	return func() {
		s.inflightMu.Lock()
		defer s.inflightMu.Unlock()
		delete(m, wid)
		if len(m) == 0 {
			delete(s.inflight, key)
		}
	}
}

// observe marks the in-flight writes of key found in md's history.
func (s *Store) observe(key string, md map[string]string) {
	s.inflightMu.Lock()
	defer s.inflightMu.Unlock()
	m := s.inflight[key]
	if len(m) == 0 {
		return
	}
	for _, wid := range history(md) {
		if _, ok := m[wid]; ok {
			m[wid] = true
		}
	}
}

// seen reports whether a read through the Store found write wid of key.
func (s *Store) seen(key, wid string) bool {
	s.inflightMu.Lock()
	defer s.inflightMu.Unlock()
	return s.inflight[key][wid]
}

package store

import (
	"strings"

	"github.com/r2kit/r2kit/assistants"
)

// The desc listing index.
//
// Object stores list keys in ascending order only. Ids are time-ordered
// and fixed-width, so listing an entity's prefix (messages/{thread}/)
// returns oldest first, and an ascending page is one List call with
// StartAfter. For newest first, every listed entity also has a marker:
// an empty object under IndexPrefix whose key is the entity's listing
// directory followed by the id's suffix (after its prefix) inverted
// character by character, so that an ascending listing of the markers
// returns the ids in exactly the reverse order of the entities' keys:
//
//	messages/thread_1/msg_01jq3v6x4h8c2m9k7r5t0w1y3z.json    the message
//	idx/desc/messages/thread_1/xwE7u2r0tGpLvBoDq6s4x1w.u-y   its marker
//
// The inversion maps the 65 bytes that can follow a prefix in a key
// ("-", ".", digits, upper and lower case letters, "_"; "." only as the
// start of ".json") onto themselves in reverse byte order, applied to
// the suffix followed by "." (the first byte of ".json"). Since no id
// holds a ".", those strings are prefix-free, so their order is the
// order of the entities' keys, which the inversion reverses exactly:
// also for ids imported from elsewhere, of any length. A marker's key
// never has a "." or ".." segment (it ends with the image of ".", "y").
//
// Markers are written before their entity and deleted after it, so a
// live entity always has one; a listing skips markers whose entity is
// missing (being created, or an interrupted delete), and Repair removes
// those that stay orphaned. The markers live under IndexPrefix.

// invAlphabet holds the bytes an inverted string is made of, in
// ascending byte order.
const invAlphabet = "-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

// invTable maps each byte of invAlphabet to its mirror image; 0 marks
// the bytes outside it.
var invTable = func() (t [256]byte) {
	n := len(invAlphabet)
	for i := range n {
		t[invAlphabet[i]] = invAlphabet[n-1-i]
	}
	return t
}()

// invert maps each byte of s to its mirror in invAlphabet. It is its own
// inverse. ok is false if s has a byte outside the alphabet.
func invert(s string) (string, bool) {
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		c := invTable[s[i]]
		if c == 0 {
			return "", false
		}
		b[i] = c
	}
	return string(b), true
}

// markerKey returns the desc index marker of the entity with id (which
// has prefix, already validated) listed under dir.
func markerKey(dir, prefix, id string) string {
	inv, _ := invert(id[len(prefix):] + ".")
	return indexDir(dir) + inv
}

// idFromMarker returns the id whose marker is key, listed under the
// index directory IndexPrefix+dir, or false if key is not a marker of an
// id with prefix.
func idFromMarker(dir, prefix, key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, IndexPrefix+dir)
	if !ok {
		return "", false
	}
	s, ok := invert(rest)
	if !ok {
		return "", false
	}
	suffix, ok := strings.CutSuffix(s, ".")
	if !ok {
		return "", false
	}
	id := prefix + suffix
	if assistants.ParseID(prefix, id) != nil {
		return "", false
	}
	return id, true
}

// scope is one listable collection: the entities whose keys are
// dir+{id}+".json" and whose markers are IndexPrefix+dir+{inverted}.
type scope struct {
	dir    string // "messages/thread_1/"
	prefix string // "msg_"
}

// entityKey returns the key of id's document.
func (sc scope) entityKey(id string) string { return childKey(sc.dir, id) }

// marker returns the key of id's marker.
func (sc scope) marker(id string) string { return markerKey(sc.dir, sc.prefix, id) }

// indexDir returns the prefix of the scope's markers.
func (sc scope) indexDir() string { return indexDir(sc.dir) }

// position returns the key at which id stands in a listing in order:
// its document key for asc, its marker for desc.
func (sc scope) position(order, id string) string {
	if order == assistants.OrderAsc {
		return sc.entityKey(id)
	}
	return sc.marker(id)
}

// listPrefix returns the prefix listed for order.
func (sc scope) listPrefix(order string) string {
	if order == assistants.OrderAsc {
		return sc.dir
	}
	return sc.indexDir()
}

// idAt returns the id a key listed in order names.
func (sc scope) idAt(order, key string) (string, bool) {
	if order == assistants.OrderAsc {
		id, ok := IDFromKey(sc.dir, key)
		if !ok || assistants.ParseID(sc.prefix, id) != nil {
			return "", false
		}
		return id, true
	}
	return idFromMarker(sc.dir, sc.prefix, key)
}

// Scopes of the listed entities. Their arguments are validated ids.

func assistantScope() scope { return scope{dir: AssistantsPrefix, prefix: assistants.PrefixAssistant} }

func fileScope() scope { return scope{dir: FilesPrefix, prefix: assistants.PrefixFile} }

func messageScope(thread string) scope {
	return scope{dir: childDir(MessagesPrefix, thread), prefix: assistants.PrefixMessage}
}

func runScope(thread string) scope {
	return scope{dir: childDir(RunsPrefix, thread), prefix: assistants.PrefixRun}
}

func stepScope(thread, run string) scope {
	return scope{dir: childDir(childDir(StepsPrefix, thread), run), prefix: assistants.PrefixStep}
}

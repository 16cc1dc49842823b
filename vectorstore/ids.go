package vectorstore

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// Id prefixes, as the OpenAI API uses them.
const (
	PrefixVectorStore = "vs_"
	PrefixFileBatch   = "vsfb_"
)

// MaxIDLen bounds every id accepted by this package.
const MaxIDLen = 128

// NewID returns a new id with prefix: the prefix, 10 Crockford base32
// digits of the Unix millisecond and 16 of a counter that starts at a
// random value each millisecond, so ids sort in creation order within
// one process and are unique across processes.
func NewID(prefix string) string { return ids.next(prefix) }

const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

type idGen struct {
	mu     sync.Mutex
	lastMS uint64
	ctr    uint64
}

var ids idGen

func (g *idGen) next(prefix string) string {
	g.mu.Lock()
	ms := uint64(max(time.Now().UnixMilli(), 0))
	if ms > g.lastMS {
		g.lastMS = ms
		var b [8]byte
		_, _ = rand.Read(b[:])
		g.ctr = binary.BigEndian.Uint64(b[:]) >> 4 // 60 bits, room to count up
	} else {
		g.ctr++
	}
	ms, ctr := g.lastMS, g.ctr
	g.mu.Unlock()
	buf := make([]byte, 0, len(prefix)+26)
	buf = append(buf, prefix...)
	for i := 9; i >= 0; i-- {
		buf = append(buf, crockford[(ms>>(5*uint(i)))&31])
	}
	for i := 15; i >= 0; i-- {
		if i >= 12 {
			buf = append(buf, crockford[0])
			continue
		}
		buf = append(buf, crockford[(ctr>>(5*uint(i)))&31])
	}
	return string(buf)
}

// ValidateID reports whether id may become part of an object key: it
// must be 1..MaxIDLen bytes of [A-Za-z0-9_-] (so no "/", no "..", no
// control characters) and, when prefix is not empty, start with prefix
// followed by at least one byte. param names the parameter in the
// returned *ParamError.
func ValidateID(param, prefix, id string) error {
	if id == "" {
		return paramErr(param, "must not be empty")
	}
	if len(id) > MaxIDLen {
		return paramErr(param, "longer than %d bytes", MaxIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return paramErr(param, "contains a byte outside [A-Za-z0-9_-] at offset %d", i)
		}
	}
	if prefix != "" && (len(id) <= len(prefix) || id[:len(prefix)] != prefix) {
		return paramErr(param, "must start with %q", prefix)
	}
	return nil
}

// newGen returns a new file generation: the Unix nanosecond, made
// strictly increasing within the process, so generations are unique
// per process and ordered by time across processes (as far as their
// clocks agree; correctness only needs them distinct).
func newGen() int64 { return gens.next() }

type genGen struct {
	mu   sync.Mutex
	last int64
}

var gens genGen

func (g *genGen) next() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.last = max(g.last+1, time.Now().UnixNano())
	return g.last
}

package vectorstore

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sort"
)

// A segment is the immutable index of a run of one file's chunks: their
// text, their term statistics for BM25 and, when an embedder is set,
// their vectors quantized to int8. A file's chunks are split over
// segments of at most Options.SegmentChunks chunks each, so neither
// ingestion nor search ever holds more than one segment of a file that
// is not cached.
//
// Encoding (all integers unsigned varints unless said otherwise):
//
//	magic "R2VSEG1\n"
//	len, file id
//	first chunk number (the index of this segment's first chunk in the file)
//	chunk count n; per chunk: len, text; skip; term length
//	term count; per term (sorted): len, term; posting count; per posting: chunk delta, tf
//	dims d; when d > 0, per chunk: scale (float32, little endian), d int8 values
//	crc32 (IEEE, 4 bytes little endian) of everything before it
type segment struct {
	fileID   string
	first    int
	chunks   []segChunk
	terms    []string
	postings [][]posting
	dims     int
	scales   []float32
	vecs     []int8
	// bytes approximates the memory the segment holds, for the cache.
	bytes int64
}

type segChunk struct {
	text   string
	skip   int
	length int // number of BM25 terms
}

type posting struct {
	chunk uint32
	tf    uint32
}

const segMagic = "R2VSEG1\n"

// segmentBuilder collects chunks until the segment is written.
type segmentBuilder struct {
	seg   segment
	index map[string][]posting
}

func newSegmentBuilder(fileID string, first int) *segmentBuilder {
	return &segmentBuilder{seg: segment{fileID: fileID, first: first}, index: map[string][]posting{}}
}

// add appends one chunk; vec may be nil when there is no embedder.
func (b *segmentBuilder) add(c Chunk, vec []float32) {
	i := uint32(len(b.seg.chunks))
	tf := map[string]uint32{}
	n := 0
	analyze(c.Text, func(term string) {
		tf[term]++
		n++
	})
	for t, f := range tf {
		b.index[t] = append(b.index[t], posting{chunk: i, tf: f})
	}
	b.seg.chunks = append(b.seg.chunks, segChunk{text: c.Text, skip: c.Skip, length: n})
	if vec != nil {
		if b.seg.dims == 0 {
			b.seg.dims = len(vec)
		}
		scale, q := quantize(vec)
		b.seg.scales = append(b.seg.scales, scale)
		b.seg.vecs = append(b.seg.vecs, q...)
	}
}

func (b *segmentBuilder) len() int { return len(b.seg.chunks) }

// finish sorts the term dictionary and returns the segment.
func (b *segmentBuilder) finish() *segment {
	s := &b.seg
	s.terms = make([]string, 0, len(b.index))
	for t := range b.index {
		s.terms = append(s.terms, t)
	}
	sort.Strings(s.terms)
	s.postings = make([][]posting, len(s.terms))
	for i, t := range s.terms {
		p := b.index[t]
		sort.Slice(p, func(a, b int) bool { return p[a].chunk < p[b].chunk })
		s.postings[i] = p
	}
	s.bytes = s.memSize()
	return s
}

func (s *segment) memSize() int64 {
	n := int64(len(s.vecs) + 4*len(s.scales) + 64)
	for _, c := range s.chunks {
		n += int64(len(c.text)) + 40
	}
	for i, t := range s.terms {
		n += int64(len(t)) + 40 + 8*int64(len(s.postings[i]))
	}
	return n
}

// quantize scales a vector to unit length and then to int8, returning
// the factor that maps the int8 values back.
func quantize(v []float32) (float32, []int8) {
	var norm float64
	for _, x := range v {
		norm += float64(x) * float64(x)
	}
	norm = math.Sqrt(norm)
	q := make([]int8, len(v))
	if norm == 0 {
		return 0, q
	}
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)/norm))
	}
	scale := m / 127
	for i, x := range v {
		q[i] = int8(math.Round(float64(x) / norm / scale))
	}
	return float32(scale), q
}

// term returns the postings of t, or nil.
func (s *segment) term(t string) []posting {
	i := sort.SearchStrings(s.terms, t)
	if i < len(s.terms) && s.terms[i] == t {
		return s.postings[i]
	}
	return nil
}

// encode writes the segment to w.
func (s *segment) encode(w io.Writer) error {
	h := crc32.NewIEEE()
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 64<<10)
	var tmp [binary.MaxVarintLen64]byte
	u := func(x uint64) { bw.Write(tmp[:binary.PutUvarint(tmp[:], x)]) }
	str := func(x string) { u(uint64(len(x))); bw.WriteString(x) }
	bw.WriteString(segMagic)
	str(s.fileID)
	u(uint64(s.first))
	u(uint64(len(s.chunks)))
	for _, c := range s.chunks {
		str(c.text)
		u(uint64(c.skip))
		u(uint64(c.length))
	}
	u(uint64(len(s.terms)))
	for i, t := range s.terms {
		str(t)
		u(uint64(len(s.postings[i])))
		prev := uint32(0)
		for _, p := range s.postings[i] {
			u(uint64(p.chunk - prev))
			u(uint64(p.tf))
			prev = p.chunk
		}
	}
	u(uint64(s.dims))
	if s.dims > 0 {
		for i := range s.chunks {
			binary.LittleEndian.PutUint32(tmp[:4], math.Float32bits(s.scales[i]))
			bw.Write(tmp[:4])
			v := s.vecs[i*s.dims : (i+1)*s.dims]
			for _, x := range v {
				bw.WriteByte(byte(x))
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(tmp[:4], h.Sum32())
	_, err := w.Write(tmp[:4])
	return err
}

var errCorrupt = errors.New("corrupt segment")

// decodeSegment reads a segment written by encode, checking its
// checksum. Counts are bounded by what the remaining bytes can hold,
// so a corrupt object cannot make it allocate without limit.
func decodeSegment(data []byte) (s *segment, err error) {
	if len(data) < len(segMagic)+4 || string(data[:len(segMagic)]) != segMagic {
		return nil, errCorrupt
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", errCorrupt)
	}
	d := &decoder{b: body[len(segMagic):]}
	s = &segment{}
	s.fileID = d.str()
	s.first = int(d.u())
	n := d.count(3)
	s.chunks = make([]segChunk, n)
	for i := range s.chunks {
		s.chunks[i] = segChunk{text: d.str(), skip: int(d.u()), length: int(d.u())}
	}
	nt := d.count(2)
	s.terms = make([]string, nt)
	s.postings = make([][]posting, nt)
	for i := range s.terms {
		s.terms[i] = d.str()
		np := d.count(2)
		ps := make([]posting, np)
		prev := uint32(0)
		for j := range ps {
			prev += uint32(d.u())
			ps[j] = posting{chunk: prev, tf: uint32(d.u())}
			if int(prev) >= n {
				d.err = errCorrupt
			}
		}
		s.postings[i] = ps
	}
	s.dims = int(d.u())
	if s.dims > 0 {
		if d.err == nil && len(d.b) != n*(4+s.dims) {
			d.err = errCorrupt
		}
		if d.err == nil {
			s.scales = make([]float32, n)
			s.vecs = make([]int8, n*s.dims)
			for i := range n {
				s.scales[i] = math.Float32frombits(binary.LittleEndian.Uint32(d.b))
				d.b = d.b[4:]
				for j := range s.dims {
					s.vecs[i*s.dims+j] = int8(d.b[j])
				}
				d.b = d.b[s.dims:]
			}
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	if d.err != nil {
		return nil, d.err
	}
	s.bytes = s.memSize()
	return s, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) u() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return x
}

// count reads a count of items taking at least minBytes each.
func (d *decoder) count(minBytes int) int {
	x := d.u()
	if x > uint64(len(d.b)/minBytes) {
		d.err = errCorrupt
		return 0
	}
	return int(x)
}

func (d *decoder) str() string {
	n := d.u()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errCorrupt
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

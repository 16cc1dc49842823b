package resilience

import (
	"io"

	"github.com/prometheus/client_golang/prometheus"
)

// countBody returns r wrapped to add the bytes read from it to c. A
// seekable r stays seekable.
func countBody(r io.Reader, c prometheus.Counter) io.Reader {
	if rs, ok := r.(io.ReadSeeker); ok {
		if pos, err := rs.Seek(0, io.SeekCurrent); err == nil {
			return &countingReadSeeker{rs: rs, c: c, pos: pos, high: pos}
		}
	}
	return &countingReader{r: r, c: c}
}

// countingReader adds the bytes read from r to c.
type countingReader struct {
	r io.Reader
	c prometheus.Counter
}

func (cr *countingReader) Read(p []byte) (int, error) {
	n, err := cr.r.Read(p)
	if n > 0 {
		cr.c.Add(float64(n))
	}
	return n, err
}

// countingReadSeeker adds to c the bytes read from rs past the furthest
// offset read before, so that bytes read again after seeking back (to
// hash a body, or to send it again) count once.
type countingReadSeeker struct {
	rs        io.ReadSeeker
	c         prometheus.Counter
	pos, high int64
}

func (cs *countingReadSeeker) Read(p []byte) (int, error) {
	n, err := cs.rs.Read(p)
	cs.pos += int64(n)
	if cs.pos > cs.high {
		cs.c.Add(float64(cs.pos - cs.high))
		cs.high = cs.pos
	}
	return n, err
}

func (cs *countingReadSeeker) Seek(offset int64, whence int) (int64, error) {
	pos, err := cs.rs.Seek(offset, whence)
	if err == nil {
		cs.pos = pos
	}
	return pos, err
}

// countingBody is a Get body that adds the bytes read to c.
type countingBody struct {
	rc io.ReadCloser
	c  prometheus.Counter
}

func (cb *countingBody) Read(p []byte) (int, error) {
	n, err := cb.rc.Read(p)
	if n > 0 {
		cb.c.Add(float64(n))
	}
	return n, err
}

func (cb *countingBody) Close() error { return cb.rc.Close() }

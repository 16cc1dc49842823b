package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows the bytes of one transfer on standard error when it is
// a terminal, and nothing otherwise (piped, redirected, in tests).
type progress struct {
	bar *progressbar.ProgressBar // nil: no bar
}

// newProgress starts a bar for size bytes (-1 if unknown) described by
// desc, if standard error is a terminal.
func (a *app) newProgress(size int64, desc string) *progress {
	if !a.env.Terminal() {
		return &progress{}
	}
	w := a.env.Stderr
	return &progress{bar: progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionSetWidth(20),
		progressbar.OptionThrottle(65*time.Millisecond),
		progressbar.OptionShowCount(),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionFullWidth(),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprint(w, "\n") }),
	)}
}

// reader counts what is read from r on the bar.
func (p *progress) reader(r io.Reader) io.Reader {
	if p.bar == nil {
		return r
	}
	return io.TeeReader(r, p.bar)
}

// writer counts what is written to w on the bar.
func (p *progress) writer(w io.Writer) io.Writer {
	if p.bar == nil {
		return w
	}
	return io.MultiWriter(w, p.bar)
}

// done completes the bar after a successful transfer, or leaves it
// where it stopped after a failure.
func (p *progress) done(err error) {
	switch {
	case p.bar == nil:
	case err == nil:
		_ = p.bar.Finish()
	default:
		_ = p.bar.Exit()
	}
}

package storage

import (
	"context"
	"fmt"
	"io"
	"time"
)

// ReadAll reads the whole object at key into memory: Get, then its body
// to the end, checked against the object's size. A body that fails or
// ends short (a connection cut mid-stream) is read again, whole, up to
// four attempts in all, a few milliseconds apart; the last such failure
// is an error matching ErrTransient. An object larger than max bytes is
// an error matching ErrInvalidArgument, read no further than max+1
// bytes. Errors of Get itself (ErrNotFound, ErrNotModified ...) are
// returned at once, as Get returns them. opts may be nil.
func ReadAll(ctx context.Context, b Bucket, key string, opts *GetOptions, max int64) (*Attrs, []byte, error) {
	var last error
	for attempt := range readAttempts {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, nil, Wrap("get", key, ErrTransient, last)
			case <-time.After(time.Duration(attempt) * 2 * time.Millisecond):
			}
		}
		obj, err := b.Get(ctx, key, opts)
		if err != nil {
			return nil, nil, err
		}
		body, err := readBody(obj, max)
		if err == nil {
			return &obj.Attrs, body, nil
		}
		if _, tooBig := err.(*tooLargeError); tooBig {
			return nil, nil, Errorf("get", key, ErrInvalidArgument, "object larger than %d bytes", max)
		}
		last = err
	}
	return nil, nil, Wrap("get", key, ErrTransient, last)
}

// readAttempts bounds the reads of one ReadAll.
const readAttempts = 4

type tooLargeError struct{}

func (*tooLargeError) Error() string { return "object too large" }

// shortBodyError reports a body that ended before the object's size.
type shortBodyError struct{ got, want int64 }

func (e *shortBodyError) Error() string {
	return fmt.Sprintf("body cut short: %d of %d bytes", e.got, e.want)
}

// readBody reads obj's body whole and closes it.
func readBody(obj *Object, max int64) ([]byte, error) {
	defer obj.Body.Close()
	body, err := io.ReadAll(io.LimitReader(obj.Body, max+1))
	switch {
	case err != nil:
		return nil, err
	case int64(len(body)) > max:
		return nil, &tooLargeError{}
	case obj.Length >= 0 && int64(len(body)) != obj.Length:
		return nil, &shortBodyError{got: int64(len(body)), want: obj.Length}
	}
	return body, nil
}

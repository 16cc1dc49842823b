package s3store

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/r2kit/r2kit/storage"
)

// call says how the failure of one SDK call is classified.
type call uint8

const (
	// plain calls are retried by the SDK and never ambiguous.
	plain call = 0
	// conditional calls are sent once; a failure after the request may
	// have reached the server is ambiguous.
	conditional call = 1 << iota
	// ifMatch calls carry If-Match: AWS answers 404 when the key is
	// missing, which is a failed precondition.
	ifMatch
)

// sendTracker is the HTTP client of one conditional call: it records
// whether the request was handed to the transport.
type sendTracker struct {
	next s3.HTTPClient
	sent atomic.Bool
}

func (t *sendTracker) Do(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err // not sent
	}
	t.sent.Store(true)
	return t.next.Do(r)
}

// sendOnce returns the per-operation option of a conditional call: a
// single attempt (no SDK retry), with t recording whether it was sent.
func sendOnce(t *sendTracker) func(*s3.Options) {
	return func(o *s3.Options) {
		o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 1)
		t.next = o.HTTPClient
		o.HTTPClient = t
	}
}

// mapError turns an SDK error into a *storage.Error for op and key that
// keeps err reachable. t is the tracker of a conditional call, else nil.
func mapError(op, key string, err error, c call, t *sendTracker) error {
	status, code := httpStatus(err), errorCode(err)
	if status == 0 {
		return mapNoAnswer(op, key, err, c, t)
	}
	var kind error
	switch {
	case code == "NoSuchBucket":
		// A missing bucket is a configuration error, not a missing key.
	case status == http.StatusNotFound && c&ifMatch != 0 && code != "NoSuchUpload":
		kind = storage.ErrPreconditionFailed
	case status == http.StatusNotFound:
		kind = storage.ErrNotFound
	case status == http.StatusPreconditionFailed,
		status == http.StatusConflict && code == "ConditionalRequestConflict":
		kind = storage.ErrPreconditionFailed
	case status == http.StatusNotModified:
		kind = storage.ErrNotModified
	case status == http.StatusRequestedRangeNotSatisfiable:
		kind = storage.ErrInvalidRange
	case keyRefused[code]:
		kind = storage.ErrInvalidKey
	case c&conditional != 0 && (status >= 500 || status < 400):
		// 5xx, or an error inside a 2xx answer (CompleteMultipartUpload
		// can fail after its 200 status line): it may have committed.
		kind = storage.ErrAmbiguous
	case status == http.StatusTooManyRequests, status == http.StatusRequestTimeout,
		status >= 500, code == "SlowDown", code == "RequestTimeout":
		kind = storage.ErrTransient
	}
	if d := retryAfter(err); d > 0 {
		err = &throttled{err: err, after: d}
	}
	return storage.Wrap(op, key, kind, err)
}

// throttled carries the Retry-After of a 429 or 503 answer; resilience
// waits at least that long before retrying (its RetryAfter interface).
type throttled struct {
	err   error
	after time.Duration
}

func (e *throttled) Error() string             { return e.err.Error() }
func (e *throttled) Unwrap() error             { return e.err }
func (e *throttled) RetryAfter() time.Duration { return e.after }

// retryAfter returns the delay a Retry-After header of err's response
// asks for (seconds or an HTTP date), or 0.
func retryAfter(err error) time.Duration {
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil {
		return 0
	}
	v := re.Response.Header.Get("Retry-After")
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t))
	}
	return 0
}

// keyRefused are the error codes of servers refusing a key: AWS's
// KeyTooLongError, and versitygw's for keys its files cannot hold.
var keyRefused = map[string]bool{
	"KeyTooLongError":             true,
	"ObjectParentIsFile":          true, // "x/y" when "x" exists
	"ExistingObjectIsDirectory":   true, // "x" when "x/y" exists
	"DirectoryObjectContainsData": true, // "x/" with a body
}

// mapNoAnswer classifies a failure without an HTTP status: a network
// error, a cancelled context, a request that could not be built.
func mapNoAnswer(op, key string, err error, c call, t *sendTracker) error {
	switch {
	case c&conditional != 0 && t != nil && t.sent.Load() && !isDialError(err):
		// The request may have reached the server, even if the context
		// was cancelled meanwhile. errors.Is still sees the context error.
		return storage.Wrap(op, key, storage.ErrAmbiguous, err)
	case storage.IsContextError(err):
		return storage.Wrap(op, key, nil, err)
	case isNetworkError(err):
		return storage.Wrap(op, key, storage.ErrTransient, err)
	}
	return storage.Wrap(op, key, nil, err)
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	var sre *smithyhttp.ResponseError
	if errors.As(err, &sre) {
		return sre.HTTPStatusCode()
	}
	return 0
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isDialError reports whether err proves the request never left: the
// connection could not be made.
func isDialError(err error) bool {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	var de *net.DNSError
	return errors.As(err, &de)
}

// isNetworkError reports whether err is a transport failure worth
// retrying.
func isNetworkError(err error) bool {
	var se *smithyhttp.RequestSendError
	var ne net.Error
	var de *smithy.DeserializationError
	return errors.As(err, &se) || errors.As(err, &ne) || errors.As(err, &de) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

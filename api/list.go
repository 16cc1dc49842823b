package api

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/r2kit/r2kit/assistants"
)

// ParseList reads the query of a list request: limit (1..100, default
// 20), order (asc or desc, default desc), after and before (ids with the
// listed objects' prefix, one of the assistants Prefix constants). The
// result is normalised (defaults filled in). Errors are 400 *Error
// values with the parameter as param, in OpenAI's words:
//
//	Invalid 'limit': integer above maximum value. Expected a value <= 100, but got 101 instead.
//	Invalid value: 'up'. Supported values are: 'asc' and 'desc'.
//	Invalid 'after': 'asst_1'. Expected an ID that begins with 'msg'.
func ParseList(r *http.Request, prefix string) (assistants.ListParams, error) {
	q := r.URL.Query()
	p := assistants.ListParams{After: q.Get("after"), Before: q.Get("before")}
	var err error
	if p.Limit, err = queryLimit(q, assistants.DefaultListLimit, assistants.MaxListLimit); err != nil {
		return p, err
	}
	if p.Order, err = queryOrder(q); err != nil {
		return p, err
	}
	for _, c := range []struct{ name, id string }{{"after", p.After}, {"before", p.Before}} {
		if err := cursor(c.name, prefix, c.id); err != nil {
			return p, err
		}
	}
	return p, nil
}

// ParseFileList reads the query of GET /v1/files: purpose (one of
// assistants.FilePurposes, optional), limit (1..10000, default 10000),
// order (default desc) and after (a "file-" id). Errors are as for
// ParseList.
func ParseFileList(r *http.Request) (assistants.FileListParams, error) {
	q := r.URL.Query()
	p := assistants.FileListParams{Purpose: q.Get("purpose"), After: q.Get("after")}
	var err error
	if p.Purpose != "" && !slices.Contains(assistants.FilePurposes, p.Purpose) {
		return p, invalidValue("purpose", p.Purpose, assistants.FilePurposes)
	}
	if p.Limit, err = queryLimit(q, assistants.DefaultFileListLimit, assistants.MaxFileListLimit); err != nil {
		return p, err
	}
	if p.Order, err = queryOrder(q); err != nil {
		return p, err
	}
	return p, cursor("after", assistants.PrefixFile, p.After)
}

// queryLimit reads the limit parameter: def when absent or empty.
func queryLimit(q url.Values, def, limit int) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	var ne *strconv.NumError
	switch {
	case errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) && !strings.HasPrefix(s, "-"):
		n = limit + 1 // a huge integer: above the maximum
	case errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange):
		n = 0
	case err != nil:
		return 0, InvalidRequest("limit", "Invalid 'limit': expected an integer, but got '%s' instead.", quote(s)).
			withCode("invalid_type")
	}
	switch {
	case n < 1:
		return 0, InvalidRequest("limit", "Invalid 'limit': integer below minimum value. Expected a value >= 1, but got %s instead.", quote(s)).
			withCode("integer_below_min_value")
	case n > limit:
		return 0, InvalidRequest("limit", "Invalid 'limit': integer above maximum value. Expected a value <= %d, but got %s instead.", limit, quote(s)).
			withCode("integer_above_max_value")
	}
	return n, nil
}

// queryOrder reads the order parameter: desc when absent or empty.
func queryOrder(q url.Values) (string, error) {
	switch o := q.Get("order"); o {
	case "":
		return assistants.OrderDesc, nil
	case assistants.OrderAsc, assistants.OrderDesc:
		return o, nil
	default:
		return "", invalidValue("order", o, []string{assistants.OrderAsc, assistants.OrderDesc})
	}
}

// cursor checks an after or before id, if given.
func cursor(name, prefix, id string) error {
	if id == "" {
		return nil
	}
	if err := assistants.ParseID(prefix, id); err != nil {
		var ide *assistants.IDError
		if errors.As(err, &ide) {
			return badID(name, ide)
		}
		return InvalidRequest(name, "Invalid '%s': %s", name, period(err.Error()))
	}
	return nil
}

// invalidValue is OpenAI's 400 for a value outside an enumeration:
// "Invalid value: 'x'. Supported values are: 'a', 'b' and 'c'."
func invalidValue(param, got string, allowed []string) *Error {
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = "'" + a + "'"
	}
	list := quoted[0]
	if n := len(quoted); n > 1 {
		list = strings.Join(quoted[:n-1], ", ") + " and " + quoted[n-1]
	}
	return InvalidRequest(param, "Invalid value: '%s'. Supported values are: %s.", quote(got), list).
		withCode("invalid_value")
}

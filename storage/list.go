package storage

import (
	"context"
	"encoding/base64"
	"fmt"
	"iter"
	"strings"
)

// Pages returns an iterator over every page of a listing, following
// NextToken until the last page. opts may be nil; its Token is the
// starting point. Iteration stops after the first error, which is
// yielded with a nil page.
func Pages(ctx context.Context, b Bucket, opts *ListOptions) iter.Seq2[*ListPage, error] {
	return func(yield func(*ListPage, error) bool) {
		o := ListOptions{}
		if opts != nil {
			o = *opts
		}
		for {
			page, err := b.List(ctx, &o)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(page, nil) || page.NextToken == "" {
				return
			}
			o.Token = page.NextToken
		}
	}
}

// Objects returns an iterator over every object of a listing, in key
// order, across all pages. Common prefixes (with a Delimiter) are not
// yielded. Iteration stops after the first error, which is yielded with
// nil attributes.
func Objects(ctx context.Context, b Bucket, opts *ListOptions) iter.Seq2[*Attrs, error] {
	return func(yield func(*Attrs, error) bool) {
		for page, err := range Pages(ctx, b, opts) {
			if err != nil {
				yield(nil, err)
				return
			}
			for _, a := range page.Objects {
				if !yield(a, nil) {
					return
				}
			}
		}
	}
}

// Scan is how an in-process backend exposes its keys to Paginate: it
// yields, in key order, the objects whose keys start with prefix and are
// strictly greater than after. Paginate may stop iterating early and call
// Scan again with a larger after.
type Scan func(prefix, after string) iter.Seq2[*Attrs, error]

// Paginate implements List for backends that can scan their keys in
// order (memstore, filestore): it applies StartAfter, Token, Delimiter
// and Limit. Tokens it returns are opaque to callers.
func Paginate(opts *ListOptions, scan Scan) (*ListPage, error) {
	o := ListOptions{}
	if opts != nil {
		o = *opts
	}
	limit := o.Limit
	if limit <= 0 || limit > MaxListLimit {
		limit = MaxListLimit
	}
	if o.Limit < 0 {
		return nil, fmt.Errorf("%w: negative limit %d", ErrInvalidArgument, o.Limit)
	}
	after := o.StartAfter
	if o.Token != "" {
		t, err := decodeToken(o.Token)
		if err != nil {
			return nil, err
		}
		after = max(after, t)
	}
	page := &ListPage{}
	n := 0
	for {
		restart := ""
		for a, err := range scan(o.Prefix, after) {
			if err != nil {
				return nil, err
			}
			if n == limit {
				page.NextToken = encodeToken(after)
				return page, nil
			}
			if p, ok := commonPrefix(a.Key, o.Prefix, o.Delimiter); ok {
				page.Prefixes = append(page.Prefixes, p)
				n++
				// No valid UTF-8 key under p sorts after p+"\xff".
				restart = p + "\xff"
				break
			}
			page.Objects = append(page.Objects, a)
			after = a.Key
			n++
		}
		if restart == "" {
			return page, nil
		}
		after = restart
	}
}

// commonPrefix returns the key up to and including the first delimiter
// after prefix, if there is one.
func commonPrefix(key, prefix, delim string) (string, bool) {
	if delim == "" {
		return "", false
	}
	rest := key[len(prefix):]
	i := strings.Index(rest, delim)
	if i < 0 {
		return "", false
	}
	return key[:len(prefix)+i+len(delim)], true
}

func encodeToken(after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(after))
}

func decodeToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", fmt.Errorf("%w: malformed list token %q", ErrInvalidArgument, tok)
	}
	return string(b), nil
}

package s3store

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/r2kit/r2kit/storage"
)

func init() {
	open := func(ctx context.Context, u *url.URL) (storage.Bucket, error) {
		b, err := Open(ctx, u)
		if err != nil {
			return nil, err
		}
		return b, nil
	}
	storage.Register("s3", open)
	storage.Register("r2", open)
}

// Open opens the bucket an s3:// or r2:// URL names, with credentials
// from the standard AWS environment variables and shared configuration
// (config.LoadDefaultConfig):
//
//	s3://BUCKET?region=us-east-1
//	s3://BUCKET?endpoint=http://127.0.0.1:7070&region=us-east-1&path_style=true
//	r2://BUCKET?account=ACCOUNT_ID
//
// Query parameters, all optional but account for r2:// (or endpoint):
//
//	region       signing region (s3: default from the AWS configuration,
//	             else us-east-1; r2: always "auto")
//	endpoint     base URL of the server (r2: default
//	             https://ACCOUNT_ID.r2.cloudflarestorage.com)
//	path_style   true or false: bucket in the path, not the host name
//	             (default true when endpoint is set and for r2)
//	account      the Cloudflare account id (r2 only)
//	prefix       Options.Prefix
//	part_size    Options.PartSize in bytes, at least 5 MiB
//	concurrency  Options.Concurrency
//	write_interval  Options.WriteInterval, a Go duration such as 1s or
//	             500ms; 0 turns pacing off (r2: default 1s, R2's limit
//	             of one write per second to a key; s3: default 0)
//
// Open resolves the credentials before it returns: none is a
// *CredentialsError, one line naming the variables to set. For r2:// the
// EC2 instance metadata service is never consulted.
//
// The client sends request checksums only when an API requires them and
// validates response checksums only when required, which S3, R2 and
// S3-compatible servers all accept. An r2:// Bucket reports Backend "r2"
// and deletes through tombstones (Options.R2; see the package doc).
func Open(ctx context.Context, u *url.URL) (*Bucket, error) {
	c, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOptions(c)...)
	if err != nil {
		return nil, fmt.Errorf("s3store: loading AWS configuration: %w", err)
	}
	if err := checkCredentials(ctx, cfg, c, u.Scheme); err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if c.endpoint != "" {
			o.BaseEndpoint = aws.String(c.endpoint)
		}
		o.UsePathStyle = c.pathStyle
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return New(client, c.bucket, &c.opts), nil
}

// urlConfig is what an s3:// or r2:// URL says.
type urlConfig struct {
	bucket    string
	endpoint  string
	region    string
	pathStyle bool
	opts      Options
}

var urlParams = map[string][]string{
	"s3": {"region", "endpoint", "path_style", "prefix", "part_size", "concurrency", "write_interval"},
	"r2": {"account", "endpoint", "prefix", "part_size", "concurrency", "write_interval"},
}

// parseURL checks an s3:// or r2:// URL and returns its settings.
func parseURL(u *url.URL) (*urlConfig, error) {
	allowed, ok := urlParams[u.Scheme]
	if !ok {
		return nil, fmt.Errorf("s3store: scheme %q is not s3 or r2", u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("s3store: %s:// URL without a bucket name", u.Scheme)
	}
	if u.User != nil {
		return nil, fmt.Errorf("s3store: credentials do not belong in the URL: use the AWS environment variables or shared configuration")
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("s3store: unexpected path %q: use ?prefix= to keep keys under a prefix", u.Path)
	}
	q := u.Query()
	for k := range q {
		if !slices.Contains(allowed, k) {
			return nil, fmt.Errorf("s3store: unknown parameter %q for %s:// (known: %s)", k, u.Scheme, strings.Join(allowed, ", "))
		}
	}
	c := &urlConfig{
		bucket:   u.Host,
		endpoint: q.Get("endpoint"),
		region:   q.Get("region"),
		opts:     Options{Prefix: q.Get("prefix")},
	}
	if c.endpoint != "" {
		e, err := url.Parse(c.endpoint)
		if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
			return nil, fmt.Errorf("s3store: endpoint %q is not an http:// or https:// URL", c.endpoint)
		}
	}
	if u.Scheme == "r2" {
		if err := c.r2(q.Get("account")); err != nil {
			return nil, err
		}
	} else {
		c.pathStyle = c.endpoint != ""
		if v := q.Get("path_style"); v != "" {
			ps, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("s3store: path_style %q is not true or false", v)
			}
			c.pathStyle = ps
		}
	}
	if err := c.sizes(q); err != nil {
		return nil, err
	}
	return c, nil
}

// r2 applies the R2 settings for account.
func (c *urlConfig) r2(account string) error {
	c.region = "auto"
	c.pathStyle = true
	c.opts.R2 = true
	c.opts.WriteInterval = DefaultR2WriteInterval
	switch {
	case account == "" && c.endpoint == "":
		return fmt.Errorf("s3store: r2:// needs ?account=ACCOUNT_ID (or ?endpoint=)")
	case account != "" && !isAlnum(account):
		return fmt.Errorf("s3store: account %q is not an R2 account id (letters and digits)", account)
	case c.endpoint == "":
		c.endpoint = "https://" + account + ".r2.cloudflarestorage.com"
	}
	return nil
}

// sizes reads part_size, concurrency and write_interval.
func (c *urlConfig) sizes(q url.Values) error {
	if v := q.Get("part_size"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < MinPartSize {
			return fmt.Errorf("s3store: part_size %q is not a number of bytes >= %d", v, MinPartSize)
		}
		c.opts.PartSize = n
	}
	if v := q.Get("concurrency"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("s3store: concurrency %q is not a positive number", v)
		}
		c.opts.Concurrency = n
	}
	if v := q.Get("write_interval"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("s3store: write_interval %q is not a duration such as 1s or 500ms, or 0", v)
		}
		c.opts.WriteInterval = d
	}
	return nil
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}

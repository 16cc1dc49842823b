package s3store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// loadOptions are the AWS configuration options of an Open of c. R2
// credentials never come from the EC2 instance metadata service, so an
// r2:// Open never asks it (no request to 169.254.169.254, no wait for
// its timeout off EC2).
func loadOptions(c *urlConfig) []func(*config.LoadOptions) error {
	var load []func(*config.LoadOptions) error
	if c.region != "" {
		load = append(load, config.WithRegion(c.region))
	}
	if c.opts.R2 {
		load = append(load, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	return load
}

// CredentialsError is the error of an Open that found no credentials.
// Its message is one line naming the variables to set; Unwrap gives the
// SDK's error.
type CredentialsError struct {
	// URL is the bucket URL, without its query.
	URL string
	// R2 is set for an r2:// URL.
	R2  bool
	Err error
}

func (e *CredentialsError) Error() string {
	if e.R2 {
		return "s3store: no credentials for " + e.URL + ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
			"to an R2 API token's access key id and secret (or AWS_PROFILE to a profile of ~/.aws/credentials)"
	}
	return "s3store: no credentials for " + e.URL + ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
		"(or AWS_PROFILE to a profile of ~/.aws/credentials, or run with an IAM role)"
}

func (e *CredentialsError) Unwrap() error { return e.Err }

// checkCredentials resolves cfg's credentials once, so that a missing
// one is a clear error at Open rather than a long SDK error on the first
// request. The credentials stay cached in cfg.
func checkCredentials(ctx context.Context, cfg aws.Config, c *urlConfig, scheme string) error {
	if cfg.Credentials == nil {
		return &CredentialsError{URL: scheme + "://" + c.bucket, R2: c.opts.R2, Err: fmt.Errorf("no credentials provider")}
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return &CredentialsError{URL: scheme + "://" + c.bucket, R2: c.opts.R2, Err: err}
	}
	return nil
}

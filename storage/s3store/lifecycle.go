package s3store

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/r2kit/r2kit/storage"
)

var _ storage.Lifecycler = (*Bucket)(nil)

// SetLifecycle replaces the bucket's lifecycle configuration with rules:
// objects under each rule's Prefix (joined with the Bucket's own prefix)
// expire Age after they were written, rounded up to whole days (the
// granularity of S3 and R2 lifecycle rules), and multipart uploads left
// incomplete under it are aborted after a day. R2 applies rules within
// about 24 hours. Rules of other tools on the same bucket are replaced
// too: keep all of a bucket's rules in one call.
func (b *Bucket) SetLifecycle(ctx context.Context, rules []storage.LifecycleRule) error {
	if len(rules) == 0 {
		_, err := b.client.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: &b.bucket})
		if err != nil {
			return mapError("lifecycle", "", err, plain, nil)
		}
		return nil
	}
	cfg := &types.BucketLifecycleConfiguration{}
	for _, r := range rules {
		if r.Age <= 0 {
			return storage.Errorf("lifecycle", r.Prefix, storage.ErrInvalidArgument, "rule age %v is not positive", r.Age)
		}
		days := int32((r.Age + 24*time.Hour - 1) / (24 * time.Hour))
		id := r.ID
		if id == "" {
			id = "r2kit-expire-" + strings.NewReplacer("/", "-", " ", "-").Replace(strings.TrimSuffix(r.Prefix, "/"))
		}
		if len(id) > 255 {
			id = id[:255]
		}
		cfg.Rules = append(cfg.Rules, types.LifecycleRule{
			ID:                             aws.String(id),
			Status:                         types.ExpirationStatusEnabled,
			Filter:                         &types.LifecycleRuleFilter{Prefix: aws.String(b.prefix + r.Prefix)},
			Expiration:                     &types.LifecycleExpiration{Days: aws.Int32(days)},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)},
		})
	}
	_, err := b.client.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket:                 &b.bucket,
		LifecycleConfiguration: cfg,
	})
	if err != nil {
		return mapError("lifecycle", "", err, plain, nil)
	}
	return nil
}

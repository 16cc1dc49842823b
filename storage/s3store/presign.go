package s3store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/r2kit/r2kit/storage"
)

// PresignGet returns a URL that lets anyone holding it read the object at
// key with a plain HTTP GET until expiry has passed. It signs locally and
// does not check that the object exists. S3 and R2 accept expiries up to
// 7 days.
func (b *Bucket) PresignGet(ctx context.Context, key string, expiry time.Duration) (string, error) {
	if err := b.check("presign", key); err != nil {
		return "", err
	}
	if expiry <= 0 {
		return "", storage.Errorf("presign", key, storage.ErrInvalidArgument, "expiry %v is not positive", expiry)
	}
	b.presignO.Do(func() { b.presign = s3.NewPresignClient(b.client) })
	req, err := b.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket: &b.bucket,
		Key:    aws.String(b.prefix + key),
	}, s3.WithPresignExpires(expiry))
	if err != nil {
		return "", storage.Wrap("presign", key, nil, err)
	}
	return req.URL, nil
}

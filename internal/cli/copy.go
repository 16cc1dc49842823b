package cli

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"sync/atomic"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/r2kit/r2kit/storage"
)

// MetaCopiedFrom is the metadata key r2kit copy sets on each object it
// writes: the ETag of the source object it copied. A later copy skips
// an object whose destination still carries its source's ETag (and
// size), which makes copy resumable.
const MetaCopiedFrom = "r2kit-copied-from"

const copyLong = `Copy every object of SRC (or of its keys under --prefix) to DST. SRC and
DST are bucket URLs or directories, as --bucket takes them: a local
directory, r2://, s3:// or mem://.

Each object keeps its key, bytes, content type and metadata, r2kit's own
(TTL and write history) included, so that "r2kit serve" on DST serves the
same assistants, threads, runs and files as on SRC. Each copy is verified:
the bytes written are read back (or their MD5 ETag checked) against the
source's. Objects are copied in parallel (--concurrency).

A second run copies only what is missing or changed: an object whose copy
in DST still carries the source's ETag is skipped. Objects in DST that
SRC does not have are left alone.

Stop "r2kit serve" on SRC first (or accept that writes made during the copy
may be missed by it; run copy again to catch up). This is the way to move
from the embedded default directory to R2:

  r2kit copy ./r2kit-data 'r2://my-bucket?account=ACCOUNT_ID'`

func (a *app) copyCommand() *cobra.Command {
	var prefix string
	var concurrency int
	cmd := &cobra.Command{
		Use:   "copy SRC DST",
		Short: "Copy a bucket, or the keys under a prefix, to another bucket (resumable, verified)",
		Long:  copyLong,
		Example: `  r2kit copy ./r2kit-data 'r2://my-bucket?account=ACCOUNT_ID'
  r2kit copy --prefix threads/ 's3://a?region=eu-west-1' 's3://b?region=eu-west-1'`,
		Args: args(2, 2),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			if concurrency < 1 {
				return fmt.Errorf("--concurrency must be at least 1, got %d", concurrency)
			}
			ctx := cmd.Context()
			src, err := storage.Open(ctx, args[0])
			if err != nil {
				return err
			}
			defer closeBucket(src, &err)
			dst, err := storage.Open(ctx, args[1])
			if err != nil {
				return err
			}
			defer closeBucket(dst, &err)
			res, err := a.copyBucket(ctx, src, dst, prefix, concurrency)
			fmt.Fprintf(a.env.Stdout, "copied %d objects (%d bytes), skipped %d unchanged, verified %d\n",
				res.Copied, res.Bytes, res.Skipped, res.Verified)
			return err
		}),
	}
	cmd.Flags().StringVar(&prefix, "prefix", "", "copy only the keys under this prefix")
	cmd.Flags().IntVar(&concurrency, "concurrency", 16, "objects copied at once")
	return cmd
}

// copyResult counts what a copy did.
type copyResult struct {
	Copied, Skipped, Verified, Bytes int64
}

// copyBucket copies the objects of src under prefix to dst (see
// copyLong). It stops at the first failure, after the copies under way.
func (a *app) copyBucket(ctx context.Context, src, dst storage.Bucket, prefix string, concurrency int) (copyResult, error) {
	var res struct{ copied, skipped, verified, bytes atomic.Int64 }
	bar := a.newCountBar("copy")
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for obj, err := range storage.Objects(gctx, src, &storage.ListOptions{Prefix: prefix}) {
		if err != nil {
			g.Go(func() error { return fmt.Errorf("list %s: %w", prefix, err) })
			break
		}
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			copied, n, err := copyObject(gctx, src, dst, obj.Key)
			if err != nil {
				return err
			}
			if copied {
				res.copied.Add(1)
				res.verified.Add(1)
				res.bytes.Add(n)
			} else {
				res.skipped.Add(1)
			}
			if bar != nil {
				_ = bar.Add(1)
			}
			return nil
		})
	}
	err := g.Wait()
	if bar != nil {
		if err == nil {
			_ = bar.Finish()
		} else {
			_ = bar.Exit()
		}
	}
	return copyResult{Copied: res.copied.Load(), Skipped: res.skipped.Load(), Verified: res.verified.Load(), Bytes: res.bytes.Load()}, err
}

// newCountBar starts a bar counting objects, if standard error is a
// terminal (nil otherwise).
func (a *app) newCountBar(desc string) *progressbar.ProgressBar {
	if !a.env.Terminal() {
		return nil
	}
	return progressbar.NewOptions64(-1, progressbar.OptionSetWriter(a.env.Stderr),
		progressbar.OptionSetDescription(desc), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("objects"), progressbar.OptionSpinnerType(14),
		progressbar.OptionOnCompletion(func() { fmt.Fprint(a.env.Stderr, "\n") }))
}

// copyObject copies key from src to dst unless dst has it already (same
// source ETag and size), and verifies the copy. It reports whether it
// copied and how many bytes.
func copyObject(ctx context.Context, src, dst storage.Bucket, key string) (bool, int64, error) {
	obj, err := src.Get(ctx, key, nil)
	if errors.Is(err, storage.ErrNotFound) {
		return false, 0, nil // deleted since the listing
	}
	if err != nil {
		return false, 0, fmt.Errorf("read %s: %w", key, err)
	}
	defer obj.Body.Close()
	if cur, err := dst.Stat(ctx, key); err == nil && cur.Size == obj.Size &&
		cur.Metadata[MetaCopiedFrom] != "" && cur.Metadata[MetaCopiedFrom] == obj.ETag {
		return false, 0, nil
	} else if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return false, 0, fmt.Errorf("stat %s in the destination: %w", key, err)
	}
	md := maps.Clone(obj.Metadata)
	if md == nil {
		md = map[string]string{}
	}
	md[MetaCopiedFrom] = obj.ETag
	sum, m5 := sha256.New(), md5.New()
	body := io.TeeReader(obj.Body, io.MultiWriter(sum, m5))
	attrs, err := dst.Put(ctx, key, body, &storage.PutOptions{ContentType: obj.ContentType, Metadata: md, Size: obj.Size})
	if err != nil {
		return false, 0, fmt.Errorf("write %s: %w", key, err)
	}
	if err := verifyCopy(ctx, dst, key, attrs, sum, m5); err != nil {
		return false, 0, err
	}
	return true, obj.Size, nil
}

// verifyCopy checks the object written at key against the digests of
// the source's bytes: its ETag when that is the MD5 of the bytes (S3,
// R2, memstore), else by reading it back.
func verifyCopy(ctx context.Context, dst storage.Bucket, key string, attrs *storage.Attrs, sum, m5 hash.Hash) error {
	if storage.ETagsEqual(attrs.ETag, fmt.Sprintf("%q", fmt.Sprintf("%x", m5.Sum(nil)))) {
		return nil
	}
	obj, err := dst.Get(ctx, key, nil)
	if err != nil {
		return fmt.Errorf("verify %s: %w", key, err)
	}
	defer obj.Body.Close()
	back := sha256.New()
	if _, err := io.Copy(back, obj.Body); err != nil {
		return fmt.Errorf("verify %s: %w", key, err)
	}
	if !bytes.Equal(back.Sum(nil), sum.Sum(nil)) {
		return fmt.Errorf("verify %s: the copy's bytes differ from the source's", key)
	}
	return nil
}

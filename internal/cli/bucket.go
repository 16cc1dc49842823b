package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/r2kit/r2kit/storage"
)

// withExistingBucket is withBucket for the commands that must not create
// the bucket (ls, stat, get, rm, sweep): a local directory that does not
// exist is an error saying so, where opening it would create it empty
// and a mistyped --bucket would look like an empty bucket. Only serve and
// put create the directory.
func (a *app) withExistingBucket(ctx context.Context, f func(storage.Bucket) error) error {
	if dir, ok := localDir(a.bucketURL); ok {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("bucket directory %s does not exist (check --bucket / $R2KIT_BUCKET; "+
				"r2kit serve and r2kit put create it)", dir)
		}
	}
	return a.withBucket(ctx, f)
}

// localDir returns the absolute directory a bucket URL names, if it names
// a filestore directory: a plain path or a file:// URL, as storage.Open
// reads them.
func localDir(raw string) (string, bool) {
	if !strings.Contains(raw, "://") {
		if strings.HasPrefix(raw, "file:") || raw == "" {
			return "", false
		}
		abs, err := filepath.Abs(raw)
		return abs, err == nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "file" || u.Path == "" {
		return "", false
	}
	return filepath.FromSlash(u.Path), true
}

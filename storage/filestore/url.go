package filestore

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/r2kit/r2kit/storage"
)

func init() {
	storage.Register("file", openURL)
}

// openURL opens file:///abs/path. The host must be empty or "localhost";
// the only query parameter is nosync (a boolean, see Options.NoSync).
func openURL(ctx context.Context, u *url.URL) (storage.Bucket, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if u.Host != "" && u.Host != "localhost" {
		return nil, fmt.Errorf("filestore: file URL host must be empty or \"localhost\", not %q", u.Host)
	}
	if u.Opaque != "" || u.Path == "" || u.Path[0] != '/' {
		return nil, fmt.Errorf("filestore: file URL needs an absolute path, as in file:///var/lib/r2kit")
	}
	opts := &Options{}
	for k, v := range u.Query() {
		switch k {
		case "nosync":
			b, err := strconv.ParseBool(v[len(v)-1])
			if err != nil {
				return nil, fmt.Errorf("filestore: nosync=%q: not a boolean", v[len(v)-1])
			}
			opts.NoSync = b
		default:
			return nil, fmt.Errorf("filestore: unknown URL parameter %q (known: nosync)", k)
		}
	}
	return Open(u.Path, opts)
}

package cli

import (
	"context"
	"fmt"
	"io"
	"mime"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/r2kit/r2kit/internal/iox"
	"github.com/r2kit/r2kit/storage"
)

func (a *app) getCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "get KEY [FILE|-]",
		Short: "Download an object to a file or standard output",
		Long: `Stream the object at KEY into FILE, or to standard output when FILE is
"-" or absent. If FILE is a directory, the object is written into it under
the last element of KEY. The file is written under a temporary name and
renamed when complete, so a failed download leaves no partial file.

A progress bar is drawn on standard error when it is a terminal.`,
		Example: `  r2kit get assistants/asst_abc.json -            # print it
  r2kit get blobs/file-abc report.pdf
  r2kit get --bucket 'r2://my-bucket?account=ACCOUNT_ID' blobs/file-abc . `,
		Args: args(1, 2),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			dest := "-"
			if len(args) == 2 {
				dest = args[1]
			}
			return a.withExistingBucket(cmd.Context(), func(b storage.Bucket) error {
				return a.get(cmd.Context(), b, args[0], dest)
			})
		}),
	}
}

// get streams the object at key to dest ("-" for standard output).
func (a *app) get(ctx context.Context, b storage.Bucket, key, dest string) error {
	obj, err := b.Get(ctx, key, nil)
	if err != nil {
		return err
	}
	defer obj.Body.Close()
	bar := a.newProgress(obj.Length, "get "+path.Base(key))
	if dest == "-" {
		_, err = copyCtx(ctx, bar.writer(a.env.Stdout), obj.Body)
		bar.done(err)
		if err != nil {
			return fmt.Errorf("get %s: %w", key, err)
		}
		return nil
	}
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		dest = filepath.Join(dest, path.Base(key))
	}
	err = writeFileAtomic(dest, func(w io.Writer) error {
		_, err := copyCtx(ctx, bar.writer(w), obj.Body)
		return err
	})
	bar.done(err)
	if err != nil {
		return fmt.Errorf("get %s: %w", key, err)
	}
	return nil
}

// writeFileAtomic writes name through a temporary file in the same
// directory, renamed over name only if write and close succeed.
func writeFileAtomic(name string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".r2kit-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

func (a *app) putCommand() *cobra.Command {
	var contentType string
	var metadata []string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "put FILE|- KEY",
		Short: "Upload a file or standard input to an object",
		Long: `Stream FILE, or standard input when FILE is "-", into the object at KEY,
replacing any object there. The write is atomic: readers see the old
object or the new one.

The content type is --content-type, else guessed from the extension of KEY
or FILE, else application/octet-stream. --metadata adds user metadata
(keys of letters, digits, '-' and '_'; printable ASCII values; keys under
the reserved "r2kit-" prefix are refused: only r2kit sets them). --ttl
gives the object a time to live: "r2kit sweep" deletes it once it has
passed, and r2kit's readers treat it as absent from then on.

A progress bar is drawn on standard error when it is a terminal.`,
		Example: `  r2kit put report.pdf blobs/file-abc
  echo '{"n":1}' | r2kit put --content-type application/json - counters/visits.json
  r2kit put --metadata owner=ops --metadata team=infra backup.tar backups/2026-01-01.tar
  r2kit put --ttl 24h session.json sessions/abc.json`,
		Args: args(2, 2),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			md, err := parseMetadata(metadata)
			if err != nil {
				return err
			}
			if ttl < 0 {
				return fmt.Errorf("--ttl %s: want a positive duration", ttl)
			}
			if ttl > 0 {
				md = storage.CreateMetadata("", time.Now(), ttl, md)
			}
			return a.withBucket(cmd.Context(), func(b storage.Bucket) error {
				return a.put(cmd.Context(), b, args[0], args[1], contentType, md)
			})
		}),
	}
	cmd.Flags().StringVar(&contentType, "content-type", "", "content type of the object (default: from the extension)")
	cmd.Flags().StringArrayVar(&metadata, "metadata", nil, "user metadata KEY=VALUE (repeatable; r2kit- keys are reserved)")
	cmd.Flags().DurationVar(&ttl, "ttl", 0, "time to live, such as 24h: the object expires then (default: never)")
	return cmd
}

// parseMetadata reads KEY=VALUE pairs.
func parseMetadata(pairs []string) (map[string]string, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	md := make(map[string]string, len(pairs))
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--metadata %q: want KEY=VALUE", p)
		}
		md[k] = v
	}
	if err := storage.CheckUserMetadata(md); err != nil {
		return nil, fmt.Errorf("--metadata: %w", err)
	}
	return md, nil
}

// put streams src ("-" for standard input) into the object at key.
func (a *app) put(ctx context.Context, b storage.Bucket, src, key, contentType string, md map[string]string) error {
	var (
		body io.Reader = a.env.Stdin
		size int64
	)
	if src != "-" {
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("put %s: %s is not a regular file", key, src)
		}
		body, size = f, st.Size()
	} else if f, ok := body.(*os.File); ok {
		st, err := f.Stat()
		off, serr := f.Seek(0, io.SeekCurrent)
		if err == nil && serr == nil && st.Mode().IsRegular() {
			size = st.Size() - off // standard input redirected from a file
		}
	}
	if contentType == "" {
		contentType = guessContentType(key, src)
	}
	total := size
	if src == "-" && size == 0 {
		total = -1
	}
	bar := a.newProgress(total, "put "+path.Base(key))
	attrs, err := b.Put(ctx, key, bar.reader(body), &storage.PutOptions{ContentType: contentType, Metadata: md, Size: size})
	bar.done(err)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stdout, "%s  %d bytes  etag %s\n", attrs.Key, attrs.Size, attrs.ETag)
	return nil
}

// guessContentType returns the type of key's extension, else of file's,
// else application/octet-stream.
func guessContentType(key, file string) string {
	for _, name := range []string{key, file} {
		if t := mime.TypeByExtension(path.Ext(name)); t != "" {
			return t
		}
	}
	return "application/octet-stream"
}

// copyCtx copies src to dst, stopping when ctx is done.
func copyCtx(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	return io.Copy(dst, iox.ContextReader(ctx, src))
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/r2kit/r2kit/storage"
)

// withBucket opens the bucket, runs f and closes the bucket.
func (a *app) withBucket(ctx context.Context, f func(storage.Bucket) error) (err error) {
	b, err := a.openBucket(ctx)
	if err != nil {
		return err
	}
	defer closeBucket(b, &err)
	return f(b)
}

func (a *app) lsCommand() *cobra.Command {
	var recursive, long bool
	cmd := &cobra.Command{
		Use:   "ls [PREFIX]",
		Short: "List objects",
		Long: `List the objects whose keys start with PREFIX, in key order.

Without --recursive, keys are grouped at the next "/" after PREFIX, as a
directory listing: "assistants/" is printed once for all the objects under
it. --long adds size, modification time (UTC) and ETag.`,
		Example: `  r2kit ls                       # the top level: assistants/, threads/, ...
  r2kit ls -r messages/thread_abc/
  r2kit ls -l assistants/`,
		Args: args(0, 1),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			opts := &storage.ListOptions{}
			if len(args) == 1 {
				opts.Prefix = args[0]
			}
			if err := storage.ValidatePrefix(opts.Prefix); err != nil {
				return fmt.Errorf("ls: %w", err)
			}
			if !recursive {
				opts.Delimiter = "/"
			}
			return a.withExistingBucket(cmd.Context(), func(b storage.Bucket) error {
				return a.list(cmd.Context(), b, opts, long)
			})
		}),
	}
	cmd.Flags().BoolVarP(&recursive, "recursive", "r", false, "list every key under PREFIX, without grouping")
	cmd.Flags().BoolVarP(&long, "long", "l", false, "show size, modification time and ETag")
	return cmd
}

// list prints the listing page by page, objects and prefixes merged in
// key order.
func (a *app) list(ctx context.Context, b storage.Bucket, opts *storage.ListOptions, long bool) error {
	out := a.env.Stdout
	for page, err := range storage.Pages(ctx, b, opts) {
		if err != nil {
			return err
		}
		objs, pres := page.Objects, page.Prefixes
		for len(objs) > 0 || len(pres) > 0 {
			if len(pres) > 0 && (len(objs) == 0 || pres[0] < objs[0].Key) {
				if long {
					fmt.Fprintf(out, "%12s  %-20s  %-34s  %s\n", "-", "-", "-", pres[0])
				} else {
					fmt.Fprintln(out, pres[0])
				}
				pres = pres[1:]
				continue
			}
			o := objs[0]
			if long {
				fmt.Fprintf(out, "%12d  %-20s  %-34s  %s\n", o.Size, utc(o.ModTime), o.ETag, o.Key)
			} else {
				fmt.Fprintln(out, o.Key)
			}
			objs = objs[1:]
		}
	}
	return nil
}

func utc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (a *app) statCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "stat KEY",
		Short: "Show an object's attributes and metadata",
		Long: `Show the attributes of the object at KEY: size, ETag, content type,
modification time (UTC) and all of its metadata, r2kit's own keys
(r2kit-expires, r2kit-writes, ...) included.`,
		Example: `  r2kit stat assistants/asst_abc.json`,
		Args:    args(1, 1),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			return a.withExistingBucket(cmd.Context(), func(b storage.Bucket) error {
				attrs, err := b.Stat(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				a.printAttrs(attrs)
				return nil
			})
		}),
	}
}

func (a *app) printAttrs(at *storage.Attrs) {
	out := a.env.Stdout
	fmt.Fprintf(out, "key:           %s\n", at.Key)
	fmt.Fprintf(out, "size:          %d\n", at.Size)
	fmt.Fprintf(out, "etag:          %s\n", at.ETag)
	fmt.Fprintf(out, "content-type:  %s\n", at.ContentType)
	fmt.Fprintf(out, "modified:      %s\n", utc(at.ModTime))
	if len(at.Metadata) == 0 {
		fmt.Fprintf(out, "metadata:      (none)\n")
		return
	}
	fmt.Fprintf(out, "metadata:\n")
	for _, k := range slices.Sorted(maps.Keys(at.Metadata)) {
		fmt.Fprintf(out, "  %s: %s\n", k, at.Metadata[k])
	}
}

func (a *app) rmCommand() *cobra.Command {
	var ifMatch string
	cmd := &cobra.Command{
		Use:   "rm KEY...",
		Short: "Delete objects",
		Long: `Delete the objects at the given keys. A key that does not exist is an
error. With --if-match, an object is deleted only if its ETag is still
the one given (see 'r2kit stat'), so a concurrent change is not lost.
Every key is tried; each failure is reported on its own line.`,
		Example: `  r2kit rm threads/thread_abc.json
  r2kit rm --if-match '"5d41402abc4b2a76b9719d911017c592"' assistants/asst_abc.json`,
		Args: args(1, -1),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			return a.withExistingBucket(cmd.Context(), func(b storage.Bucket) error {
				return a.remove(cmd.Context(), b, args, ifMatch)
			})
		}),
	}
	cmd.Flags().StringVar(&ifMatch, "if-match", "", "delete only if the object's ETag is this one")
	return cmd
}

// remove deletes keys, reporting each failure; the result is a failure
// already printed if any key failed.
func (a *app) remove(ctx context.Context, b storage.Bucket, keys []string, ifMatch string) error {
	var opts *storage.DeleteOptions
	if ifMatch != "" {
		opts = &storage.DeleteOptions{IfMatch: storage.NormalizeETag(ifMatch)}
	}
	var failed []error
	for _, key := range keys {
		if err := b.Delete(ctx, key, opts); err != nil {
			a.errorf("%v", err)
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		return &failure{err: errors.Join(failed...), printed: true}
	}
	return nil
}

func (a *app) sweepCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "sweep [PREFIX]",
		Short: "Delete expired objects (TTL)",
		Long: `Delete the objects under PREFIX whose TTL has passed. Each is deleted
only if it is unchanged since it was examined, so an object refreshed
meanwhile survives. Prints the counts: scanned, deleted, kept (changed
meanwhile) and failed.`,
		Example: `  r2kit sweep                    # the whole bucket
  r2kit sweep threads/`,
		Args: args(0, 1),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			prefix := ""
			if len(args) == 1 {
				prefix = args[0]
			}
			if err := storage.ValidatePrefix(prefix); err != nil {
				return fmt.Errorf("sweep: %w", err)
			}
			return a.withExistingBucket(cmd.Context(), func(b storage.Bucket) error {
				res, err := storage.Sweep(cmd.Context(), b, prefix, nil)
				fmt.Fprintf(a.env.Stdout, "scanned %d, deleted %d, kept %d, failed %d\n",
					res.Scanned, res.Deleted, res.Kept, res.Failed)
				if err != nil {
					return fmt.Errorf("sweep: %d failed, the first: %w", res.Failed, err)
				}
				return nil
			})
		}),
	}
}

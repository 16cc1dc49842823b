//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"context"
	"errors"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/r2kit/r2kit/storage"
)

// List implements storage.Bucket by walking the directory tree in key
// order (storage.Paginate does the rest). Only the directories that can
// hold keys of the page are read, each once per call, and only the
// headers of the listed objects. Files that are not objects, corrupt
// objects, symbolic links and names that are not valid keys are
// skipped.
func (b *Bucket) List(ctx context.Context, opts *storage.ListOptions) (*storage.ListPage, error) {
	const op = "list"
	prefix := ""
	if opts != nil {
		prefix = opts.Prefix
	}
	if err := b.acquire(op, prefix); err != nil {
		return nil, err
	}
	defer b.release()
	if err := ctx.Err(); err != nil {
		return nil, storage.Wrap(op, prefix, nil, err)
	}
	l := &lister{b: b, ctx: ctx, dirs: make(map[string][]entry)}
	page, err := storage.Paginate(opts, l.scan)
	if err != nil {
		return nil, fsError(op, prefix, err)
	}
	return page, nil
}

// lister serves one List call.
type lister struct {
	b    *Bucket
	ctx  context.Context
	dirs map[string][]entry // sorted entries of the directories read so far
}

// entry is a directory entry that may hold keys.
type entry struct {
	name  string
	isDir bool
}

// sortKey is what entries are ordered by: a directory "d" holds the keys
// that start with "d/", so it sorts as "d/" does ("a.b" < "a/" < "a0").
func (e entry) sortKey() string {
	if e.isDir {
		return e.name + "/"
	}
	return e.name
}

// scan is the storage.Scan of the Bucket.
func (l *lister) scan(prefix, after string) iter.Seq2[*storage.Attrs, error] {
	return func(yield func(*storage.Attrs, error) bool) {
		dir, rest, ok := dirPrefix(prefix)
		if !ok {
			return
		}
		if err := l.walk(dir, rest, after, yield); err != nil && err != errStop {
			yield(nil, err)
		}
	}
}

// errStop ends a walk when yield asks to stop.
var errStop = errors.New("stop")

// walk yields, in key order, the objects under the directory dir ("" for
// the root) whose names in dir start with rest and whose keys are
// greater than after.
func (l *lister) walk(dir, rest, after string, yield func(*storage.Attrs, error) bool) error {
	entries, err := l.entries(dir)
	if err != nil {
		return err
	}
	base := dir
	if base != "" {
		base += "/"
	}
	// Entries hold disjoint, ordered key ranges: skip those that start
	// before rest and those whose keys are all <= after.
	i := sort.Search(len(entries), func(i int) bool {
		return entries[i].sortKey() >= rest && !allBelow(base, entries[i], after)
	})
	for _, e := range entries[i:] {
		if !strings.HasPrefix(e.name, rest) {
			break
		}
		if err := l.ctx.Err(); err != nil {
			return err
		}
		if e.isDir {
			if err := l.walk(base+e.name, "", after, yield); err != nil {
				return err
			}
			continue
		}
		a, err := l.attrs(base + e.name)
		if err != nil {
			return err
		}
		if a != nil && !yield(a, nil) {
			return errStop
		}
	}
	return nil
}

// allBelow reports whether every key that e, an entry of the directory
// whose keys start with base, can hold is <= after.
func allBelow(base string, e entry, after string) bool {
	k := base + e.sortKey()
	if !e.isDir {
		return k <= after
	}
	// Keys under the directory start with k and are longer than it.
	return after > k && !strings.HasPrefix(after, k)
}

// entries returns the entries of the directory dir that may hold keys,
// sorted by sortKey. A missing directory has none.
func (l *lister) entries(dir string) ([]entry, error) {
	if es, ok := l.dirs[dir]; ok {
		return es, nil
	}
	d, err := openDir(l.b.rootfd, dir)
	if isAbsent(err) {
		l.dirs[dir] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	fd := d.fd
	if !d.owned {
		// Read the root through a descriptor of its own, so that its
		// offset is not shared.
		if fd, err = openat(d.fd, ".", unix.O_RDONLY|unix.O_DIRECTORY, 0); err != nil {
			return nil, err
		}
	}
	f := os.NewFile(uintptr(fd), filepath.Join(l.b.dir, dir))
	des, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return nil, err
	}
	es := make([]entry, 0, len(des))
	for _, de := range des {
		switch t := de.Type(); {
		case dir == "" && de.Name() == reservedDir:
		case t.IsRegular():
			es = append(es, entry{name: de.Name()})
		case t.IsDir():
			es = append(es, entry{name: de.Name(), isDir: true})
		default:
			l.b.log.Debug("filestore: list skips a file that is not a regular file or directory",
				"path", filepath.Join(l.b.dir, dir, de.Name()), "type", t&fs.ModeType)
		}
	}
	slices.SortFunc(es, func(a, b entry) int { return strings.Compare(a.sortKey(), b.sortKey()) })
	l.dirs[dir] = es
	return es, nil
}

// attrs returns the listing attributes of the object at key, or nil if
// there is none to list.
func (l *lister) attrs(key string) (*storage.Attrs, error) {
	if err := checkKey(key); err != nil {
		l.b.log.Debug("filestore: list skips a file whose name is not a valid key",
			"path", filepath.Join(l.b.dir, key), "err", err)
		return nil, nil
	}
	o, err := l.b.openObject(filepath.FromSlash(key))
	switch {
	case err == nil:
		defer o.close()
		return &storage.Attrs{Key: key, Size: o.size, ETag: quoteETag(o.hdr.ETag), ModTime: o.mtime}, nil
	case isAbsent(err):
		return nil, nil // deleted since the directory was read
	case errors.Is(err, errNotObject):
		l.b.log.Debug("filestore: list skips a file that is not an object", "path", filepath.Join(l.b.dir, key))
		return nil, nil
	case errors.Is(err, errCorrupt):
		l.b.log.Warn("filestore: list skips a corrupt object", "path", filepath.Join(l.b.dir, key), "err", err)
		return nil, nil
	}
	return nil, err
}

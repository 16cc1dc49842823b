//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"context"
	"errors"
	"fmt"
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
	dirs map[string][]entry // sorted entries of the directories read so far, by key prefix
}

// entry is a directory entry that holds keys: an object file, whose key
// is the directory's key prefix and seg, or a directory, whose keys start
// with the prefix, seg and "/".
type entry struct {
	seg   string // decoded
	name  string // on disk
	isDir bool
}

// sortKey is what entries are ordered by: a directory holds the keys
// that start with its segment and "/", so it sorts as that does
// ("a.b" < "a/" < "a0").
func (e entry) sortKey() string {
	if e.isDir {
		return e.seg + "/"
	}
	return e.seg
}

// scan is the storage.Scan of the Bucket.
func (l *lister) scan(prefix, after string) iter.Seq2[*storage.Attrs, error] {
	return func(yield func(*storage.Attrs, error) bool) {
		base, rest := splitPrefix(prefix)
		if err := l.walk(base, dirPath(base), rest, after, yield); err != nil && err != errStop {
			yield(nil, err)
		}
	}
}

// errStop ends a walk when yield asks to stop.
var errStop = errors.New("stop")

// walk yields, in key order, the objects under the directory rel, which
// holds the keys starting with base, whose segments in it start with
// rest and whose keys are greater than after.
func (l *lister) walk(base, rel, rest, after string, yield func(*storage.Attrs, error) bool) error {
	entries, err := l.entries(base, rel)
	if err != nil {
		return err
	}
	// Entries hold disjoint, ordered key ranges: skip those that start
	// before rest and those whose keys are all <= after.
	i := sort.Search(len(entries), func(i int) bool {
		return entries[i].sortKey() >= rest && !allBelow(base, entries[i], after)
	})
	for _, e := range entries[i:] {
		if !strings.HasPrefix(e.seg, rest) {
			break
		}
		if err := l.ctx.Err(); err != nil {
			return err
		}
		erel := joinRel(rel, e.name)
		if e.isDir {
			if err := l.walk(base+e.seg+"/", erel, "", after, yield); err != nil {
				return err
			}
			continue
		}
		a, err := l.attrs(base+e.seg, erel)
		if err != nil {
			return err
		}
		if a != nil && !yield(a, nil) {
			return errStop
		}
	}
	return nil
}

// joinRel joins a directory's relative path ("" for the root) and a
// name.
func joinRel(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
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

// entries returns the entries of the directory rel, which holds the keys
// starting with base, sorted by sortKey. A missing directory has none.
// Names that filestore does not write are left out.
func (l *lister) entries(base, rel string) ([]entry, error) {
	if es, ok := l.dirs[base]; ok {
		return es, nil
	}
	des, err := l.b.readDir(rel)
	if isAbsent(err) {
		l.dirs[base] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	es := make([]entry, 0, len(des))
	for _, de := range des {
		t := de.Type()
		if rel == "" && de.Name() == reservedDir {
			continue
		}
		if !t.IsRegular() && !t.IsDir() {
			l.b.log.Debug("filestore: list skips a file that is not a regular file or directory",
				"path", filepath.Join(l.b.dir, rel, de.Name()), "type", t&fs.ModeType)
			continue
		}
		e := entry{name: de.Name(), isDir: t.IsDir()}
		seg, hashed, err := decodeName(e.name, e.isDir)
		if err == nil && hashed {
			seg, err = l.hashedSegment(base, joinRel(rel, e.name), e)
		}
		if err != nil {
			l.b.log.Debug("filestore: list skips a file whose name filestore does not write",
				"path", filepath.Join(l.b.dir, rel, e.name), "err", err)
			continue
		}
		e.seg = seg
		es = append(es, e)
	}
	slices.SortFunc(es, func(a, b entry) int { return strings.Compare(a.sortKey(), b.sortKey()) })
	l.dirs[base] = es
	return es, nil
}

// hashedSegment finds the segment of e, an entry with a hashed name at
// erel in the directory of the keys starting with base: from the key in
// the header of the object file, or of the first object found under the
// directory. A directory without objects holds no keys and is left out.
func (l *lister) hashedSegment(base, erel string, e entry) (string, error) {
	key, err := l.b.findKey(erel, e.isDir)
	if err != nil {
		return "", err
	}
	seg, ok := strings.CutPrefix(key, base)
	if e.isDir {
		seg, _, _ = strings.Cut(seg, "/")
	}
	if !ok || name(seg, e.isDir) != e.name {
		return "", fmt.Errorf("%w: holds the key %q", errBadName, key)
	}
	return seg, nil
}

// findKey returns the key named in the header of the object file rel, or
// of the first object file found under the directory rel.
func (b *Bucket) findKey(rel string, isDir bool) (string, error) {
	if !isDir {
		o, err := b.openFile(rel)
		if err != nil {
			return "", err
		}
		defer o.close()
		if o.hdr.Key == "" {
			return "", fmt.Errorf("%w: the header names no key", errBadName)
		}
		return o.hdr.Key, nil
	}
	des, err := b.readDir(rel)
	if err != nil {
		return "", err
	}
	for _, de := range des {
		if t := de.Type(); t.IsRegular() || t.IsDir() {
			if key, err := b.findKey(joinRel(rel, de.Name()), t.IsDir()); err == nil {
				return key, nil
			}
		}
	}
	return "", fmt.Errorf("%w: no object under it", errBadName)
}

// readDir returns the entries of the directory rel ("" for the root).
func (b *Bucket) readDir(rel string) ([]fs.DirEntry, error) {
	d, err := openDir(b.rootfd, rel)
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
	f := os.NewFile(uintptr(fd), filepath.Join(b.dir, rel))
	defer f.Close()
	return f.ReadDir(-1)
}

// attrs returns the listing attributes of the object of key at rel, or
// nil if there is none to list.
func (l *lister) attrs(key, rel string) (*storage.Attrs, error) {
	o, err := l.b.openObject(path{rel: rel, hashed: strings.Contains(rel, hashMark)}, key)
	switch {
	case err == nil:
		defer o.close()
		return &storage.Attrs{Key: key, Size: o.size, ETag: quoteETag(o.hdr.ETag), ModTime: o.mtime}, nil
	case isAbsent(err):
		return nil, nil // deleted since the directory was read
	case errors.Is(err, errNotObject):
		l.b.log.Debug("filestore: list skips a file that is not an object", "path", filepath.Join(l.b.dir, rel), "err", err)
		return nil, nil
	case errors.Is(err, errCorrupt):
		l.b.log.Warn("filestore: list skips a corrupt object", "path", filepath.Join(l.b.dir, rel), "err", err)
		return nil, nil
	}
	return nil, err
}

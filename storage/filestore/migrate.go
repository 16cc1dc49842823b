//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/r2kit/r2kit/storage"
)

// The directory format. <root>/.r2kit/format holds formatLine once the
// directory is in format 2; format 1 had no marker. A migration from
// format 1 moves every object into <root>/.r2kit/v2/ under its format 2
// path (stage), writes migratingLine, moves the entries of .r2kit/v2/
// into the root (install) and writes formatLine. Every step is a rename
// or an idempotent rewrite, so an interrupted migration resumes where it
// stopped: at stage while there is no marker (the root then holds only
// format 1 files), at install after migratingLine.
const (
	formatVersion = 2
	formatFile    = "format"       // in reservedDir
	rootLock      = "lock"         // in reservedDir: held by Open while it reads or changes the format
	stagingDir    = "v2"           // in reservedDir
	conflictsDir  = "v1-conflicts" // in reservedDir
	formatPrefix  = "r2kit filestore format "
	formatLine    = "r2kit filestore format 2\n"
	migratingLine = "r2kit filestore format 2, migrating from format 1\n"
)

// migrateFault, when set (by tests), is called before every step of a
// migration; an error stops the migration there, as a crash would.
var migrateFault func() error

func step() error {
	if migrateFault != nil {
		return migrateFault()
	}
	return nil
}

// openFormat checks the directory's format under the root lock, and
// migrates a directory of format 1, or finishes an interrupted
// migration. A new directory gets the marker of format 2.
func (b *Bucket) openFormat() error {
	rd, err := openDir(b.rootfd, reservedDir)
	if err != nil {
		return err
	}
	defer rd.close()
	lfd, err := openat(rd.fd, rootLock, unix.O_RDWR|unix.O_CREAT, filePerm)
	if err != nil {
		return fmt.Errorf("opening the root lock: %w", err)
	}
	defer unix.Close(lfd) // releases the lock
	if err := flock(lfd, unix.LOCK_EX); err != nil {
		return fmt.Errorf("locking the root: %w", err)
	}
	line, err := readFormat(rd.fd)
	if err != nil {
		return err
	}
	switch line {
	case formatLine:
		return nil
	case "":
		des, err := b.readDir("")
		if err != nil {
			return err
		}
		if len(des) == 1 && des[0].Name() == reservedDir {
			return b.writeFormat(rd.fd, formatLine) // a new directory
		}
		b.log.Info("filestore: migrating the directory from format 1 to format 2", "dir", b.dir)
		m := &migration{b: b, touched: map[string]bool{}}
		if err := m.stage(""); err != nil {
			return fmt.Errorf("migrating from format 1: %w", err)
		}
		if err := m.syncTouched(); err != nil {
			return fmt.Errorf("migrating from format 1: %w", err)
		}
		if m.left > 0 {
			b.log.Warn("filestore: files that are not objects stay where they are, outside the keys of format 2",
				"dir", b.dir, "files", m.left)
		}
		if err := b.writeFormat(rd.fd, migratingLine); err != nil {
			return err
		}
	case migratingLine:
		b.log.Info("filestore: resuming the migration from format 1 to format 2", "dir", b.dir)
	}
	if err := b.install(rd.fd); err != nil {
		return fmt.Errorf("migrating from format 1: %w", err)
	}
	if err := b.writeFormat(rd.fd, formatLine); err != nil {
		return err
	}
	b.log.Info("filestore: the directory is in format 2", "dir", b.dir)
	return nil
}

// readFormat returns the marker's line, "" if there is none, or an error
// for a format this release does not know.
func readFormat(rdfd int) (string, error) {
	fd, err := openat(rdfd, formatFile, unix.O_RDONLY|unix.O_NONBLOCK, 0)
	if errors.Is(err, unix.ENOENT) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the format marker: %w", err)
	}
	defer unix.Close(fd)
	buf := make([]byte, 256)
	n, err := pread(fd, buf, 0)
	if err != nil {
		return "", fmt.Errorf("reading the format marker: %w", err)
	}
	line := string(buf[:n])
	if line == formatLine || line == migratingLine {
		return line, nil
	}
	v, _, _ := strings.Cut(strings.TrimPrefix(line, formatPrefix), "\n")
	if n, err := strconv.Atoi(v); err == nil && strings.HasPrefix(line, formatPrefix) && n > formatVersion {
		return "", fmt.Errorf("the directory is in format %d, written by a newer release; this one reads format %d", n, formatVersion)
	}
	return "", fmt.Errorf("unknown format marker %q in %s", line, filepath.Join(reservedDir, formatFile))
}

// writeFormat replaces the marker with line, crash-safely.
func (b *Bucket) writeFormat(rdfd int, line string) error {
	if err := step(); err != nil {
		return err
	}
	t, err := createTemp(b.tmpfd, filepath.Join(b.dir, reservedDir, "tmp"))
	if err != nil {
		return err
	}
	defer t.discard()
	if _, err := t.WriteString(line); err != nil {
		return fmt.Errorf("writing the format marker: %w", err)
	}
	if err := b.sync(int(t.Fd())); err != nil {
		return fmt.Errorf("writing the format marker: %w", err)
	}
	if err := ignoringEINTR(func() error { return unix.Renameat(b.tmpfd, t.name, rdfd, formatFile) }); err != nil {
		return fmt.Errorf("writing the format marker: %w", err)
	}
	t.committed = true
	if err := b.sync(rdfd); err != nil {
		return fmt.Errorf("writing the format marker: %w", err)
	}
	return nil
}

// sync is fsync unless the Bucket skips it.
func (b *Bucket) sync(fd int) error {
	if b.noSync {
		return nil
	}
	return fsync(fd)
}

// migration moves the objects of a format 1 tree to their format 2
// paths.
type migration struct {
	b       *Bucket
	touched map[string]bool // directories whose entries changed, to sync
	left    int             // files that are not objects, left in place
}

// stage moves the objects under the format 1 directory rel into the
// staging tree, and removes the directories this leaves empty.
func (m *migration) stage(rel string) error {
	des, err := m.b.readDir(rel)
	if err != nil {
		return err
	}
	for _, de := range des {
		name := de.Name()
		if rel == "" && name == reservedDir {
			continue
		}
		crel := joinRel(rel, name)
		switch t := de.Type(); {
		case t.IsDir():
			if err := m.stage(crel); err != nil {
				return err
			}
			if m.removeDir(rel, name) {
				m.touched[rel] = true
			}
		case t.IsRegular():
			if err := m.stageFile(rel, name); err != nil {
				return fmt.Errorf("%s: %w", crel, err)
			}
		default:
			m.left++
		}
	}
	return nil
}

// removeDir removes the directory name of the directory rel if it is
// empty, and reports whether it did.
func (m *migration) removeDir(rel, name string) bool {
	d, err := openDir(m.b.rootfd, rel)
	if err != nil {
		return false
	}
	defer d.close()
	return ignoringEINTR(func() error { return unix.Unlinkat(d.fd, name, unix.AT_REMOVEDIR) }) == nil
}

// stageFile moves the file name of the format 1 directory rel to the
// staging tree if it is an object. Its key is its path, or the key its
// header names (a format 2 file). An object whose format 2 path has a
// hashed name gets a header naming its key: it is rewritten, with its
// modification time, and the old file removed.
func (m *migration) stageFile(rel, name string) error {
	b := m.b
	key := joinRel(rel, name)
	o, err := b.openFile(key)
	corrupt := errors.Is(err, errCorrupt)
	switch {
	case corrupt:
	case isAbsent(err) || errors.Is(err, errNotObject):
		m.left++
		return nil
	case err != nil:
		return err
	default:
		defer o.close()
		if o.hdr.Key != "" {
			key = o.hdr.Key
		}
	}
	if storage.ValidateKey(key) != nil {
		m.left++
		return nil
	}
	p := keyPath(key)
	rewrite := p.hashed && (corrupt || o.hdr.Key == "")
	if rewrite && corrupt {
		b.log.Warn("filestore: a corrupt object stays at its format 1 path: its format 2 path needs its header",
			"path", filepath.Join(b.dir, key))
		m.left++
		return nil
	}
	if err := step(); err != nil {
		return err
	}
	target := joinRel(reservedDir+"/"+stagingDir, p.rel)
	parent, tname := splitRel(target)
	for p := parent; p != ""; p, _ = splitRel(p) {
		m.touched[p] = true
	}
	m.touched[""], m.touched[rel] = true, true
	d, _, err := makeDir(b.rootfd, parent)
	if err != nil {
		return err
	}
	defer d.close()
	src, err := openDir(b.rootfd, rel)
	if err != nil {
		return err
	}
	defer src.close()
	if !rewrite {
		return ignoringEINTR(func() error { return unix.Renameat(src.fd, name, d.fd, tname) })
	}
	if err := m.rewrite(o, key, d.fd, tname); err != nil {
		return err
	}
	return ignoringEINTR(func() error { return unix.Unlinkat(src.fd, name, 0) })
}

// rewrite writes the object o with a header naming key to tname in the
// directory dfd.
func (m *migration) rewrite(o *objectFile, key string, dfd int, tname string) error {
	h := *o.hdr
	h.V, h.Key = headerVersion, key
	hdr, _, err := marshalHeader(&h)
	if err != nil {
		return err
	}
	t, err := createTemp(m.b.tmpfd, filepath.Join(m.b.dir, reservedDir, "tmp"))
	if err != nil {
		return err
	}
	defer t.discard()
	if _, err := t.Write(hdr); err != nil {
		return err
	}
	if _, err := io.Copy(t.File, io.NewSectionReader(fdReaderAt(o.fd), o.dataOff, o.size)); err != nil {
		return err
	}
	if err := m.b.sync(int(t.Fd())); err != nil {
		return err
	}
	ts := unix.NsecToTimespec(o.mtime.UnixNano())
	err = ignoringEINTR(func() error {
		return unix.UtimesNanoAt(m.b.tmpfd, t.name, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW)
	})
	if err != nil {
		return err
	}
	if err := ignoringEINTR(func() error { return unix.Renameat(m.b.tmpfd, t.name, dfd, tname) }); err != nil {
		return err
	}
	t.committed = true
	return nil
}

// fdReaderAt reads a file descriptor with pread(2).
type fdReaderAt int

func (fd fdReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := pread(int(fd), p, off)
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

// syncTouched syncs the directories whose entries the migration changed.
func (m *migration) syncTouched() error {
	for rel := range m.touched {
		d, err := openDir(m.b.rootfd, rel)
		if isAbsent(err) {
			continue // removed since
		}
		if err != nil {
			return err
		}
		err = m.b.sync(d.fd)
		d.close()
		if err != nil {
			return err
		}
	}
	return nil
}

// install moves the entries of the staging directory into the root. A
// format 1 file or directory that holds the place of one (a directory
// of files that are not objects, named like a format 2 directory) is
// moved to <root>/.r2kit/v1-conflicts/ first.
func (b *Bucket) install(rdfd int) error {
	sd, err := openDir(b.rootfd, reservedDir+"/"+stagingDir)
	if isAbsent(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer sd.close()
	des, err := b.readDir(reservedDir + "/" + stagingDir)
	if err != nil {
		return err
	}
	for _, de := range des {
		if err := step(); err != nil {
			return err
		}
		name := de.Name()
		var st unix.Stat_t
		if unix.Fstatat(b.rootfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
			if err := b.moveAside(name); err != nil {
				return err
			}
		}
		if err := ignoringEINTR(func() error { return unix.Renameat(sd.fd, name, b.rootfd, name) }); err != nil {
			return err
		}
	}
	if err := b.sync(b.rootfd); err != nil {
		return err
	}
	if err := ignoringEINTR(func() error { return unix.Unlinkat(rdfd, stagingDir, unix.AT_REMOVEDIR) }); err != nil {
		return err
	}
	return b.sync(rdfd)
}

// moveAside moves the format 1 entry name of the root to the conflicts
// directory.
func (b *Bucket) moveAside(name string) error {
	cd, _, err := makeDir(b.rootfd, reservedDir+"/"+conflictsDir)
	if err != nil {
		return err
	}
	defer cd.close()
	aside := name
	for i := 1; ; i++ {
		var st unix.Stat_t
		if unix.Fstatat(cd.fd, aside, &st, unix.AT_SYMLINK_NOFOLLOW) != nil {
			break
		}
		aside = name + "." + strconv.Itoa(i)
	}
	b.log.Warn("filestore: a format 1 file that is not an object holds the place of format 2 objects; moved aside",
		"from", filepath.Join(b.dir, name), "to", filepath.Join(b.dir, reservedDir, conflictsDir, aside))
	if err := ignoringEINTR(func() error { return unix.Renameat(b.rootfd, name, cd.fd, aside) }); err != nil {
		return err
	}
	return b.sync(cd.fd)
}

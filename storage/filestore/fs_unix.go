//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"errors"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Permissions of created files and directories, less the umask.
const (
	dirPerm  = 0o777
	filePerm = 0o666
)

// ignoringEINTR calls f until it returns an error other than EINTR.
func ignoringEINTR(f func() error) error {
	for {
		if err := f(); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// openat opens name, one path component, in the directory dirfd. It
// never follows a symbolic link: a link named name fails with ELOOP.
func openat(dirfd int, name string, flags int, perm uint32) (int, error) {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Openat(dirfd, name, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, perm)
		return err
	})
	return fd, err
}

// openBeneath opens rel, a clean slash-separated relative path, beneath
// the directory dirfd. No component of rel may be a symbolic link (the
// open fails with ELOOP, or ENOTDIR for an inner component on some
// systems), so the file opened is always beneath dirfd.
func openBeneath(dirfd int, rel string, flags int, perm uint32) (int, error) {
	if len(rel) < maxPath {
		if fd, err, ok := openat2Beneath(dirfd, rel, flags, perm); ok {
			return fd, err
		}
	}
	return walkOpen(dirfd, rel, flags, perm)
}

// maxPath is the longest path a system call takes (PATH_MAX less the
// NUL). Encoded keys can be longer ("//////..." is a directory per
// slash): those are walked one component at a time.
const maxPath = 4096 - 1 // PATH_MAX of Linux, the one system with openat2

// walkOpen is openBeneath one component at a time.
func walkOpen(dirfd int, rel string, flags int, perm uint32) (int, error) {
	fd := dirfd
	for {
		seg, rest, inner := strings.Cut(rel, "/")
		if !inner {
			nfd, err := openat(fd, seg, flags, perm)
			closeUnless(fd, dirfd)
			return nfd, err
		}
		nfd, err := openat(fd, seg, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		closeUnless(fd, dirfd)
		if err != nil {
			return -1, err
		}
		fd, rel = nfd, rest
	}
}

// closeUnless closes fd unless it is keep.
func closeUnless(fd, keep int) {
	if fd != keep {
		unix.Close(fd)
	}
}

// openRegular opens rel beneath dirfd for reading and checks that it is
// a regular file. Anything else (a directory, a symbolic link, a device,
// a FIFO) is reported as ENOENT: it is not an object.
func openRegular(dirfd int, rel string) (int, *unix.Stat_t, error) {
	// O_NONBLOCK keeps the open from blocking on a FIFO.
	fd, err := openBeneath(dirfd, rel, unix.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return -1, nil, err
	}
	var st unix.Stat_t
	if err := ignoringEINTR(func() error { return unix.Fstat(fd, &st) }); err != nil {
		unix.Close(fd)
		return -1, nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return -1, nil, unix.ENOENT
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return -1, nil, err
	}
	return fd, &st, nil
}

// isAbsent reports whether an error of opening a key's file means that
// there is no object: the file or a directory on its path is missing,
// a component is not a directory, or it is a symbolic link.
func isAbsent(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP)
}

// pread reads len(p) bytes at off, or fewer at the end of the file.
func pread(fd int, p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		var m int
		err := ignoringEINTR(func() (err error) {
			m, err = unix.Pread(fd, p[n:], off+int64(n))
			return err
		})
		if err != nil {
			return n, err
		}
		if m == 0 {
			break
		}
		n += m
	}
	return n, nil
}

// mtime returns a file's modification time in UTC.
func mtime(st *unix.Stat_t) time.Time {
	return time.Unix(st.Mtim.Unix()).UTC()
}

// flock applies or removes an flock(2) lock.
func flock(fd, how int) error {
	return ignoringEINTR(func() error { return unix.Flock(fd, how) })
}

// dir is an open directory: the root, which it does not own, or one
// opened beneath it, which close closes.
type dir struct {
	fd    int
	owned bool
}

func (d dir) close() {
	if d.owned {
		unix.Close(d.fd)
	}
}

// componentError reports the first component of a path that cannot be
// used as a directory.
type componentError struct {
	path string // the path up to and including the component
	err  error
}

func (e *componentError) Error() string { return e.path + ": " + e.err.Error() }
func (e *componentError) Unwrap() error { return e.err }

// openDir opens the directory rel (slash-separated; "" is the root)
// beneath rootfd without following symbolic links.
func openDir(rootfd int, rel string) (dir, error) {
	if rel == "" {
		return dir{fd: rootfd}, nil
	}
	fd, err := openBeneath(rootfd, rel, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return dir{}, err
	}
	return dir{fd: fd, owned: true}, nil
}

// makeDir is openDir creating the missing directories of rel; created
// reports whether it made any. A component that exists but is not a
// directory, or is a symbolic link, fails with a *componentError naming
// it. ENOENT means that a directory on the path was removed
// concurrently; the caller may try again.
func makeDir(rootfd int, rel string) (d dir, created bool, err error) {
	if d, err := openDir(rootfd, rel); err == nil {
		return d, false, nil
	}
	fd := rootfd
	for done := 0; done < len(rel); {
		seg, _, _ := strings.Cut(rel[done:], "/")
		end := done + len(seg)
		nfd, err := openat(fd, seg, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		if errors.Is(err, unix.ENOENT) {
			err = ignoringEINTR(func() error { return unix.Mkdirat(fd, seg, dirPerm) })
			created = created || err == nil
			if err == nil || errors.Is(err, unix.EEXIST) {
				nfd, err = openat(fd, seg, unix.O_RDONLY|unix.O_DIRECTORY, 0)
			}
		}
		if errors.Is(err, unix.ENOTDIR) && isSymlink(fd, seg) {
			err = unix.ELOOP // as some systems say
		}
		closeUnless(fd, rootfd)
		if err != nil {
			return dir{}, created, &componentError{path: rel[:end], err: err}
		}
		fd, done = nfd, end+1
	}
	return dir{fd: fd, owned: fd != rootfd}, created, nil
}

// isSymlink reports whether name in the directory dirfd is a symbolic
// link.
func isSymlink(dirfd int, name string) bool {
	var st unix.Stat_t
	err := ignoringEINTR(func() error { return unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) })
	return err == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK
}

// ignoresCase reports whether the filesystem of the directory rootfd
// ignores letter case in names, as macOS volumes do by default: whether
// the upper-case name of the internal directory finds it.
func ignoresCase(rootfd int) bool {
	var lower, upper unix.Stat_t
	if unix.Fstatat(rootfd, reservedDir, &lower, unix.AT_SYMLINK_NOFOLLOW) != nil ||
		unix.Fstatat(rootfd, strings.ToUpper(reservedDir), &upper, unix.AT_SYMLINK_NOFOLLOW) != nil {
		return false
	}
	return lower.Dev == upper.Dev && lower.Ino == upper.Ino
}

// splitRel splits a slash-separated relative path into its directory
// ("" for the root) and its last component.
func splitRel(rel string) (parent, name string) {
	i := strings.LastIndexByte(rel, '/')
	if i < 0 {
		return "", rel
	}
	return rel[:i], rel[i+1:]
}

//go:build linux

package filestore

import (
	"errors"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// openat2Missing is set once openat2(2) turns out to be unavailable
// (kernels before 5.6, some sandboxes).
var openat2Missing atomic.Bool

// openat2Beneath opens rel beneath dirfd in one openat2(2) call that
// refuses symbolic links in every component and any escape from dirfd.
// ok is false when openat2 cannot be used and the caller must walk the
// path instead.
func openat2Beneath(dirfd int, rel string, flags int, perm uint32) (fd int, err error, ok bool) {
	if openat2Missing.Load() {
		return -1, nil, false
	}
	how := unix.OpenHow{
		Flags:   uint64(flags | unix.O_NOFOLLOW | unix.O_CLOEXEC),
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	if flags&unix.O_CREAT != 0 {
		how.Mode = uint64(perm)
	}
	for range 8 {
		fd, err = unix.Openat2(dirfd, rel, &how)
		switch {
		case errors.Is(err, unix.EINTR), errors.Is(err, unix.EAGAIN):
			// EAGAIN: a concurrent rename raced the lookup; try again.
			continue
		case errors.Is(err, unix.ENOSYS), errors.Is(err, unix.E2BIG):
			openat2Missing.Store(true)
			return -1, nil, false
		case errors.Is(err, unix.EPERM):
			// Some seccomp filters answer EPERM for unknown system
			// calls; walking the path gives the true answer.
			return -1, nil, false
		}
		return fd, err, true
	}
	return -1, nil, false
}

// fsync flushes a file or directory to stable storage.
func fsync(fd int) error {
	return ignoringEINTR(func() error { return unix.Fsync(fd) })
}

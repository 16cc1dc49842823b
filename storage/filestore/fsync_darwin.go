//go:build darwin

package filestore

import "golang.org/x/sys/unix"

// fsync flushes a file or directory to stable storage. On macOS plain
// fsync(2) leaves data in the drive's cache; F_FULLFSYNC flushes it, and
// plain fsync is the fallback where a filesystem does not support it.
func fsync(fd int) error {
	err := ignoringEINTR(func() error {
		_, err := unix.FcntlInt(uintptr(fd), unix.F_FULLFSYNC, 0)
		return err
	})
	if err == nil {
		return nil
	}
	return ignoringEINTR(func() error { return unix.Fsync(fd) })
}

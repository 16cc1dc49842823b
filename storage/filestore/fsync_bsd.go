//go:build dragonfly || freebsd || netbsd || openbsd

package filestore

import "golang.org/x/sys/unix"

// fsync flushes a file or directory to stable storage.
func fsync(fd int) error {
	return ignoringEINTR(func() error { return unix.Fsync(fd) })
}

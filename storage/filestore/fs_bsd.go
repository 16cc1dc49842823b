//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package filestore

// openat2Beneath reports that openat2(2) is not available: it is
// Linux-only. The path is walked one component at a time instead.
func openat2Beneath(dirfd int, rel string, flags int, perm uint32) (fd int, err error, ok bool) {
	return -1, nil, false
}

//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package filestore

// ForcePathWalk does nothing: paths are always opened one component at a
// time on this system.
func ForcePathWalk() (restore func()) { return func() {} }

//go:build linux

package filestore

// ForcePathWalk makes every path be opened one component at a time, as
// on systems without openat2(2), until the returned function is called.
func ForcePathWalk() (restore func()) {
	was := openat2Missing.Swap(true)
	return func() { openat2Missing.Store(was) }
}

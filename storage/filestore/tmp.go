//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// tempFile is a file being written in <root>/.r2kit/tmp/. Its writer
// holds an flock on it from creation until it is renamed into place or
// removed, which tells Open's cleanup of other processes to leave it.
type tempFile struct {
	*os.File
	name      string // in the tmp directory
	tmpfd     int
	committed bool // renamed into place
}

// createTemp creates a new, locked, empty temp file.
func createTemp(tmpfd int, tmpDir string) (*tempFile, error) {
	for range 100 {
		name := fmt.Sprintf("put-%016x", rand.Uint64())
		fd, err := openat(tmpfd, name, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL, filePerm)
		if errors.Is(err, unix.EEXIST) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("creating temp file: %w", err)
		}
		// Between the create and the lock, another process's cleanup
		// may have taken the file for an orphan and removed it: it
		// removes only under the lock, so once we hold the lock a link
		// count of zero tells.
		var st unix.Stat_t
		err = flock(fd, unix.LOCK_EX)
		if err == nil {
			err = ignoringEINTR(func() error { return unix.Fstat(fd, &st) })
		}
		if err != nil {
			unix.Close(fd)
			_ = unix.Unlinkat(tmpfd, name, 0)
			return nil, fmt.Errorf("locking temp file: %w", err)
		}
		if st.Nlink == 0 {
			unix.Close(fd)
			continue
		}
		f := os.NewFile(uintptr(fd), filepath.Join(tmpDir, name))
		return &tempFile{File: f, name: name, tmpfd: tmpfd}, nil
	}
	return nil, errors.New("creating temp file: no free name")
}

// discard removes the temp file unless it was committed, and closes it,
// which releases its lock.
func (t *tempFile) discard() {
	if !t.committed {
		_ = unix.Unlinkat(t.tmpfd, t.name, 0)
	}
	t.Close()
}

// cleanTemp removes the temp files of writers that are gone: files in
// the tmp directory whose flock it can take without waiting. It returns
// how many it removed and kept.
func cleanTemp(tmpfd int, tmpDir string) (removed, kept int, err error) {
	fd, err := openat(tmpfd, ".", unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return 0, 0, err
	}
	d := os.NewFile(uintptr(fd), tmpDir)
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return 0, 0, err
	}
	for _, name := range names {
		fd, err := openat(tmpfd, name, unix.O_RDONLY|unix.O_NONBLOCK, 0)
		if err != nil {
			continue // gone, or not a file we made
		}
		if flock(fd, unix.LOCK_EX|unix.LOCK_NB) != nil {
			kept++ // a live writer holds it
		} else if unix.Unlinkat(tmpfd, name, 0) == nil {
			removed++
		}
		unix.Close(fd)
	}
	return removed, kept, nil
}

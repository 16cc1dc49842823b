//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// lockStripes is the number of lock files, and of in-process mutexes,
// that mutations are spread over by a hash of their key.
const lockStripes = 256

// stripe serialises the mutations of the keys that hash to it: mu among
// the goroutines of this Bucket, an flock on its lock file among Buckets
// and processes.
type stripe struct {
	mu sync.Mutex
	fd int // the lock file, opened on first use; -1 before; guarded by mu
}

// stripeOf returns the stripe of key (FNV-1a).
func stripeOf(key string) int {
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return int(h % lockStripes)
}

// lockKey takes the lock of key's stripe and returns the function that
// releases it. The lock is exclusive across goroutines and processes.
func (b *Bucket) lockKey(key string) (unlock func(), err error) {
	if b.foldCase {
		key = strings.ToLower(key)
	}
	i := stripeOf(key)
	s := &b.stripes[i]
	s.mu.Lock()
	if s.fd < 0 {
		fd, err := openat(b.locksfd, fmt.Sprintf("%02x", i), unix.O_RDWR|unix.O_CREAT, filePerm)
		if err != nil {
			s.mu.Unlock()
			return nil, fmt.Errorf("opening lock file: %w", err)
		}
		s.fd = fd
	}
	if err := flock(s.fd, unix.LOCK_EX); err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("locking: %w", err)
	}
	return func() {
		// Closing the file would release the lock too; failing to
		// unlock an open file cannot happen short of a bad descriptor.
		_ = flock(s.fd, unix.LOCK_UN)
		s.mu.Unlock()
	}, nil
}

// closeStripes closes the lock files. No lock may be held.
func (b *Bucket) closeStripes() {
	for i := range b.stripes {
		if s := &b.stripes[i]; s.fd >= 0 {
			unix.Close(s.fd)
			s.fd = -1
		}
	}
}

//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/r2kit/r2kit/storage"
)

var (
	_ storage.Bucket  = (*Bucket)(nil)
	_ storage.Backend = (*Bucket)(nil)
)

// Bucket is a storage.Bucket kept in a local directory. The zero value
// is not usable: open one with Open. A Bucket is safe for concurrent
// use, and any number of Buckets, in one process or many, may share a
// directory.
type Bucket struct {
	dir    string // absolute path of the root directory
	noSync bool
	log    *slog.Logger

	// foldCase is set when the filesystem ignores letter case in names:
	// keys that differ only in case then share a file, and must share a
	// lock stripe too.
	foldCase bool

	// Descriptors of the root, <root>/.r2kit/tmp and <root>/.r2kit/locks.
	// Every path is opened relative to them. They are closed when the
	// Bucket is closed and no operation uses them any more.
	rootfd, tmpfd, locksfd int

	mu     sync.Mutex
	refs   int  // operations in progress; guarded by mu
	closed bool // guarded by mu

	stripes [lockStripes]stripe
}

// Open opens the directory dir as a Bucket, creating it if it does not
// exist. opts may be nil. A directory of format 1 (earlier releases) is
// migrated to format 2 first, and an interrupted migration finished (see
// the package documentation); a directory of a newer format is an error.
// Open removes the temp files that crashed writers left behind, and keeps
// those that live writers, in this process or another, are still
// writing.
func Open(dir string, opts *Options) (*Bucket, error) {
	b, err := open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("filestore: open %s: %w", dir, err)
	}
	return b, nil
}

func open(dir string, opts *Options) (*Bucket, error) {
	if opts == nil {
		opts = &Options{}
	}
	if dir == "" {
		return nil, errors.New("empty directory name")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, dirPerm); err != nil {
		return nil, err
	}
	b := &Bucket{dir: abs, noSync: opts.NoSync, log: opts.Logger, rootfd: -1, tmpfd: -1, locksfd: -1}
	if b.log == nil {
		b.log = slog.Default()
	}
	for i := range b.stripes {
		b.stripes[i].fd = -1
	}
	if err := b.openDirs(); err != nil {
		b.closeFiles()
		return nil, err
	}
	if err := b.openFormat(); err != nil {
		b.closeFiles()
		return nil, err
	}
	if b.foldCase = ignoresCase(b.rootfd); b.foldCase {
		b.log.Warn("filestore: the filesystem ignores letter case in names: keys that differ only in case name the same object",
			"dir", abs)
	}
	tmpDir := filepath.Join(abs, reservedDir, "tmp")
	removed, kept, err := cleanTemp(b.tmpfd, tmpDir)
	switch {
	case err != nil:
		b.log.Warn("filestore: cannot clean temp files", "dir", tmpDir, "err", err)
	case removed > 0:
		b.log.Info("filestore: removed temp files of crashed writers", "dir", tmpDir, "removed", removed, "in_use", kept)
	}
	return b, nil
}

// openDirs opens the root and creates and opens the internal directories.
func (b *Bucket) openDirs() error {
	err := ignoringEINTR(func() (err error) {
		b.rootfd, err = unix.Open(b.dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return err
	}
	for _, d := range []struct {
		rel string
		fd  *int
	}{{reservedDir + "/tmp", &b.tmpfd}, {reservedDir + "/locks", &b.locksfd}} {
		od, _, err := makeDir(b.rootfd, d.rel)
		if err != nil {
			return err
		}
		*d.fd = od.fd
	}
	return nil
}

// closeFiles closes every descriptor of the Bucket.
func (b *Bucket) closeFiles() {
	for _, fd := range []*int{&b.rootfd, &b.tmpfd, &b.locksfd} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
	b.closeStripes()
}

// Backend returns "file".
func (b *Bucket) Backend() string { return backendName }

// Close releases the Bucket's descriptors once the operations in
// progress end; it does not wait for them. Bodies returned by Get stay
// readable until closed. After Close every method, Close included,
// returns an error matching storage.ErrClosed.
func (b *Bucket) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return storage.Wrap("close", "", storage.ErrClosed, nil)
	}
	b.closed = true
	if b.refs == 0 {
		b.closeFiles()
	}
	return nil
}

// acquire registers an operation, which keeps the descriptors open until
// it calls release, or returns ErrClosed.
func (b *Bucket) acquire(op, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return storage.Wrap(op, key, storage.ErrClosed, nil)
	}
	b.refs++
	return nil
}

// release ends an operation registered by acquire.
func (b *Bucket) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refs--
	if b.closed && b.refs == 0 {
		b.closeFiles()
	}
}

// begin starts an operation on key whose arguments are valid: it checks
// that the Bucket is open and ctx is not done, and returns the path of
// key's object file. Unless it fails, the caller must call release.
func (b *Bucket) begin(ctx context.Context, op, key string) (path, error) {
	p, err := resolve(key)
	if err != nil {
		return path{}, storage.Wrap(op, key, nil, err)
	}
	if err := b.acquire(op, key); err != nil {
		return path{}, err
	}
	if err := ctx.Err(); err != nil {
		b.release()
		return path{}, storage.Wrap(op, key, nil, err)
	}
	return p, nil
}

// fsError turns an error of the filesystem about key into the error a
// method returns.
func fsError(op, key string, err error) error {
	var se *storage.Error
	switch {
	case errors.As(err, &se):
		return err
	case errors.Is(err, unix.ENAMETOOLONG):
		return storage.Errorf(op, key, storage.ErrInvalidKey, "path too long for the filesystem: %w", err)
	}
	return storage.Wrap(op, key, nil, err)
}

//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import "errors"

// ResolvePath returns the path of key's object file under the root
// directory root, or the error that makes filestore reject key.
func ResolvePath(root, key string) (string, error) {
	p, err := resolve(key)
	if err != nil {
		return "", err
	}
	return root + "/" + p.rel, nil
}

// ErrMigrationFault is what a migration fails with at the step
// FailMigrationAt chose.
var ErrMigrationFault = errors.New("migration stopped by the test")

// FailMigrationAt makes migrations fail with ErrMigrationFault before
// their step n (counting from 0), as a crash there would stop them, until
// the returned function is called.
func FailMigrationAt(n int) (restore func()) {
	steps := 0
	migrateFault = func() error {
		steps++
		if steps > n {
			return ErrMigrationFault
		}
		return nil
	}
	return func() { migrateFault = nil }
}

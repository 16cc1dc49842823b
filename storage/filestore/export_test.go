//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

// ResolvePath returns the path of key's object file under the root
// directory root, or the error that makes filestore reject key.
func ResolvePath(root, key string) (string, error) {
	rel, err := resolve(root, key)
	if err != nil {
		return "", err
	}
	return root + "/" + rel, nil
}

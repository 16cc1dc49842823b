//go:build race

package servetest

// buildFlags are the flags of the binary Build builds: a race build when
// the tests are one, which also reuses their compiled packages.
var buildFlags = []string{"-race"}

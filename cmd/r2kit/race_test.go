//go:build race

package main

// buildFlags are the flags of the binary TestServeBinary builds: a race
// build when the tests are one, which also reuses their compiled
// packages.
var buildFlags = []string{"-race"}

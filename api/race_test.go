//go:build race

package api_test

// buildFlags are the flags of the r2kit binary the process tests
// build: a race build when the tests are one, which also reuses their
// compiled packages.
var buildFlags = []string{"-race"}

//go:build !race

package api_test

// buildFlags are the flags of the r2kit binary the process tests build.
var buildFlags []string

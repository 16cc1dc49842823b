//go:build !race

package servetest

// buildFlags are the flags of the binary Build builds.
var buildFlags []string

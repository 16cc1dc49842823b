//go:build !race

package main

// buildFlags are the flags of the binary TestServeBinary builds.
var buildFlags []string

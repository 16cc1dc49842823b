package doc_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// openArtifact creates a file that outlives the test, for debugging
// output, in $R2KIT_TEST_ARTIFACTS or the system temp directory.
func openArtifact(t *testing.T, name string) (*os.File, error) {
	dir := os.Getenv("R2KIT_TEST_ARTIFACTS")
	if dir == "" {
		dir = os.TempDir()
	}
	return os.Create(filepath.Join(dir, filepath.Base(t.Name())+"-"+name))
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// Command r2kit serves the OpenAI Assistants API v2 over state kept in
// Cloudflare R2, AWS S3, an S3-compatible server or a local directory,
// and gives operators commands on the objects of a bucket. Run
// "r2kit --help" for the commands; package r2kit/internal/cli
// implements them.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/r2kit/r2kit/internal/cli"

	// The storage backends, registered with storage.Open by URL scheme.
	_ "github.com/r2kit/r2kit/storage/filestore"
	_ "github.com/r2kit/r2kit/storage/memstore"
	_ "github.com/r2kit/r2kit/storage/s3store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}

package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

const rootLong = `r2kit keeps application state in Cloudflare R2, AWS S3, MinIO or a local
directory, and serves the OpenAI Assistants API v2 over it.

Every command works on one bucket, named by --bucket or $R2KIT_BUCKET:

  ./r2kit-data, /srv/r2kit, file:///srv/r2kit   a local directory (the default: ./r2kit-data)
  r2://BUCKET?account=ACCOUNT_ID                Cloudflare R2
  s3://BUCKET?region=us-east-1                  AWS S3
  s3://BUCKET?endpoint=http://127.0.0.1:9000&region=us-east-1&path_style=true
                                                MinIO or another S3-compatible server
  mem://                                        an empty in-memory bucket (for trials)

Credentials for r2:// and s3:// come from the standard AWS environment
variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or shared config.

Errors are printed as one line on standard error. The exit code is 0 on
success, 1 when a command fails and 2 for a usage error.`

const rootExample = `  r2kit serve                                  # the Assistants API on http://127.0.0.1:8080
  r2kit ls --bucket 'r2://my-bucket?account=ACCOUNT_ID' assistants/
  r2kit get assistants/asst_abc.json -          # print an object`

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "r2kit",
		Short:         "State in R2, S3 or a local directory; an OpenAI Assistants v2 server",
		Long:          rootLong,
		Example:       rootExample,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Flag values from the environment, for flags not given.
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error { return a.applyEnv(cmd) },
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return err })
	// Suggest a command only for a one-letter slip ("r2kit cpoy"), and in
	// the one line errors are printed on.
	root.SuggestionsMinimumDistance = 1
	pf := root.PersistentFlags()
	pf.StringVar(&a.bucketURL, "bucket", DefaultBucket, "bucket URL or directory")
	a.bindEnv(pf, "bucket", "R2KIT_BUCKET")
	root.AddCommand(
		a.serveCommand(),
		a.lsCommand(),
		a.statCommand(),
		a.getCommand(),
		a.putCommand(),
		a.rmCommand(),
		a.sweepCommand(),
		a.copyCommand(),
		a.versionCommand(),
	)
	return root
}

// args returns a cobra.PositionalArgs accepting min to max arguments
// (max < 0: no limit), with an error naming the expected form.
func args(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= min && (max < 0 || len(args) <= max) {
			return nil
		}
		return fmt.Errorf("%s takes %s, got %d", cmd.Name(), argCount(min, max), len(args))
	}
}

func argCount(min, max int) string {
	plural := func(n int) string {
		if n == 1 {
			return "1 argument"
		}
		return fmt.Sprintf("%d arguments", n)
	}
	switch {
	case min == max:
		return plural(min)
	case max < 0:
		return "at least " + plural(min)
	default:
		return fmt.Sprintf("%d to %s", min, plural(max))
	}
}

// Package cli implements the r2kit command: `r2kit serve`, the object
// commands for operators (ls, stat, get, put, rm, sweep) and version.
// cmd/r2kit only wires it to the process (arguments, standard streams,
// signals, exit code) and links in the storage backends.
//
// Errors are printed as one line on standard error, "r2kit: " followed
// by what failed ("r2kit: get assistants/x.json: not found"). Run
// returns exit code 0 on success, 1 when a command fails and 2 for a
// usage error (unknown command or flag, wrong number of arguments, a bad
// flag or environment value).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/r2kit/r2kit/storage"
)

// Exit codes of Run.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// DefaultBucket is the bucket every command uses without --bucket or
// R2KIT_BUCKET: a filestore directory under the working directory.
const DefaultBucket = "./r2kit-data"

// Env is the process a command runs in.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Getenv reads environment variables. Nil means os.Getenv.
	Getenv func(string) string
	// Terminal reports whether Stderr is a terminal, where progress bars
	// are drawn. Nil means: Stderr is an *os.File on a character device.
	Terminal func() bool
}

// Run runs the r2kit command line args (without the program name) and
// returns the exit code. Cancelling ctx stops a command; it makes serve
// shut down gracefully.
func Run(ctx context.Context, args []string, env Env) int {
	a := newApp(env)
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(a.env.Stdin)
	root.SetOut(a.env.Stdout)
	root.SetErr(a.env.Stderr)
	cmd, err := root.ExecuteContextC(ctx)
	var f *failure
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &f):
		if !f.printed {
			a.errorf("%v", f.err)
		}
		return ExitFailure
	default:
		if cmd == nil {
			cmd = root
		}
		a.errorf("%v (see '%s --help')", err, cmd.CommandPath())
		return ExitUsage
	}
}

// failure is an error of a command that ran: exit code 1. Any other
// error cobra returns is a usage error.
type failure struct {
	err     error
	printed bool // the command printed its errors itself
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// app holds what the commands share.
type app struct {
	env       Env
	bucketURL string
	envFlags  map[*pflag.Flag]string // flag -> environment variable
}

func newApp(env Env) *app {
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Terminal == nil {
		env.Terminal = func() bool { return isTerminal(env.Stderr) }
	}
	return &app{env: env, envFlags: map[*pflag.Flag]string{}}
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// errorf prints one "r2kit: ..." line on standard error.
func (a *app) errorf(format string, args ...any) {
	msg := strings.TrimSpace(fmt.Sprintf(format, args...))
	msg = strings.NewReplacer("\n\nDid you mean this?\n\t", "; did you mean ", "\r\n", "; ", "\n", "; ", "\r", " ").Replace(msg)
	msg = strings.TrimSuffix(strings.TrimSpace(msg), ";")
	fmt.Fprintf(a.env.Stderr, "r2kit: %s\n", msg)
}

// run adapts a command body: its errors are failures (exit 1), not
// usage errors.
func run(f func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := f(cmd, args); err != nil {
			var fe *failure
			if errors.As(err, &fe) {
				return err
			}
			return &failure{err: err}
		}
		return nil
	}
}

// bindEnv makes the environment variable env the default of flag name
// of fs, applied before the command runs if the flag is not given.
func (a *app) bindEnv(fs *pflag.FlagSet, name, env string) {
	f := fs.Lookup(name)
	f.Usage += " [$" + env + "]"
	a.envFlags[f] = env
}

// applyEnv sets the flags of cmd that were not given from their
// environment variables.
func (a *app) applyEnv(cmd *cobra.Command) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		env, ok := a.envFlags[f]
		if !ok || f.Changed || err != nil {
			return
		}
		if v := a.env.Getenv(env); v != "" {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("invalid %s=%q: %v", env, v, e)
			}
		}
	})
	return err
}

// openBucket opens the bucket of --bucket / R2KIT_BUCKET.
func (a *app) openBucket(ctx context.Context) (storage.Bucket, error) {
	return storage.Open(ctx, a.bucketURL)
}

// closeBucket closes b, reporting a failure to close as the command's
// error if it had none.
func closeBucket(b storage.Bucket, err *error) {
	if cerr := b.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("close bucket: %w", cerr)
	}
}

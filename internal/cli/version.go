package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of r2kit and of Go",
		Long: `Print the module version r2kit was built from ("(devel)" for a build in
a checkout), the VCS revision when the build recorded it, the Go version
and the platform.`,
		Example: `  r2kit version`,
		Args:    args(0, 0),
		RunE: run(func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(a.env.Stdout, Version())
			return nil
		}),
	}
}

// Version returns "r2kit VERSION [REVISION] GOVERSION GOOS/GOARCH", from
// the build information of the running binary.
func Version() string {
	version, revision := "(devel)", ""
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" {
			version = v
		}
		dirty := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value[:min(12, len(s.Value))]
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if revision != "" && dirty {
			revision += "+dirty"
		}
	}
	if revision != "" {
		version += " " + revision
	}
	return fmt.Sprintf("r2kit %s %s %s/%s", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// Command netloop runs servers built on the netloop event-loop framework.
//
//	netloop echo --addr 127.0.0.1:9000 --loops 2
//	netloop version
//
// Every subcommand lives in a file of its own (echo.go, ...) that defines
// a newXxxCmd constructor, registered in newRootCmd below. What servers have
// in common (logging, signals, graceful stop, the exit summary) is in
// serve.go, so that a new command is mostly its Handler.
package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is the release this binary was built from. Release builds set it
// with -ldflags "-X main.version=v1.2.3"; otherwise it comes from the
// module's build information.
var version = ""

func main() {
	// Cobra has already printed the error; only the exit code is left.
	if err := newRootCmd().Execute(); err != nil {
		os.Exit(1)
	}
}

// globals are the flags every subcommand shares.
type globals struct {
	level logLevel
}

// logger returns the slog text logger that commands and their engines
// write to: one line per event on w (stderr), easy for people to read and
// for tools to parse.
func (g *globals) logger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.Level(g.level)}))
}

func newRootCmd() *cobra.Command {
	g := &globals{level: logLevel(slog.LevelInfo)}
	root := &cobra.Command{
		Use:   "netloop",
		Short: "Servers built on netloop, an event-loop networking framework for Go",
		Long: `netloop runs servers built on the netloop framework, which serves
TCP, UDP and Unix sockets from a few epoll/kqueue event loops instead of a
goroutine per connection.

Servers log to stderr, stop gracefully on SIGINT or SIGTERM (pending
writes get 5 seconds to flush), and log a summary when they exit.`,
		Version: buildVersion(),
		// Flag errors print the usage; errors at run time only the error.
		PersistentPreRun: func(cmd *cobra.Command, _ []string) { cmd.SilenceUsage = true },
	}
	root.PersistentFlags().Var(&g.level, "log-level", "log level: debug, info, warn or error")
	root.AddCommand(
		newEchoCmd(g),
		newHTTPCmd(g),
		newRedisCmd(g),
		newProxyCmd(g),
		newBenchCmd(),
		newVersionCmd(),
	)
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, Go version and platform of this binary",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "netloop %s %s %s/%s\n",
				buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		},
	}
}

// buildVersion returns version, or else the module version and VCS
// revision that the go command recorded in the binary.
func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && v == "(devel)" {
			v += " " + s.Value[:min(12, len(s.Value))]
		}
	}
	return v
}

// logLevel is the --log-level flag: a slog.Level spelled as slog spells
// it ("debug", "info", "warn", "error", also "warn+2" and the like).
type logLevel slog.Level

func (l *logLevel) Set(s string) error {
	var v slog.Level
	if err := v.UnmarshalText([]byte(s)); err != nil {
		return fmt.Errorf("want debug, info, warn or error, got %q", s)
	}
	*l = logLevel(v)
	return nil
}

func (l *logLevel) String() string { return strings.ToLower(slog.Level(*l).String()) }

func (*logLevel) Type() string { return "level" }

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/netloop/netloop/internal/loadgen"
)

// newBenchCmd groups the load generators. Each drives a server with many
// connections from a single epoll loop, so that on a small machine the
// server, not the generator, is what saturates.
func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Load generators that measure a server's throughput and latency",
	}
	cmd.AddCommand(newBenchEchoCmd())
	return cmd
}

func newBenchEchoCmd() *cobra.Command {
	var cfg loadgen.Config
	var asJSON bool
	var quiet bool
	cmd := &cobra.Command{
		Use:   "echo",
		Short: "Load an echo server and verify every echoed byte",
		Long: `Opens --conns connections to an echo server and keeps each busy for
--duration, checking that every byte comes back unchanged and in order.

Closed loop (default): each connection keeps --pipeline messages in flight.
Open loop (--rate R): R messages per second in all, sent on schedule whatever
the replies, with latency measured from the scheduled send time, so a stalled
server shows up in the percentiles instead of slowing the load down.

A progress line is printed every second on stderr, then a summary (or JSON
with --json) on stdout. The summary includes the generator's own CPU use:
near 100% means the generator, not the server, was the bottleneck.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			var progress io.Writer = cmd.ErrOrStderr()
			if quiet {
				progress = nil
			}
			res, err := loadgen.Run(ctx, cfg, progress)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
					return err
				}
			} else if err := res.WriteText(out); err != nil {
				return err
			}
			if n := res.Errors.Total(); n > 0 {
				return fmt.Errorf("%d errors during the run (first: %s)", n, res.Errors.First)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", "127.0.0.1:9000", "server address (a path for --network unix)")
	f.StringVar(&cfg.Network, "network", loadgen.DefaultNetwork, "tcp, tcp4, tcp6 or unix")
	f.IntVar(&cfg.Conns, "conns", 100, "number of connections")
	f.IntVar(&cfg.Size, "size", 64, "message size in bytes")
	f.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to measure")
	f.DurationVar(&cfg.Warmup, "warmup", time.Second, "load applied before measuring starts")
	f.IntVar(&cfg.Pipeline, "pipeline", loadgen.DefaultPipeline, "messages in flight per connection (closed loop)")
	f.Float64Var(&cfg.Rate, "rate", 0, "messages per second over all connections (open loop); 0 = closed loop")
	f.IntVar(&cfg.Workers, "workers", loadgen.DefaultWorkers, "generator event loops (threads)")
	f.StringSliceVar(&cfg.LocalAddrs, "source", nil, "source IPs to spread connections over (e.g. 127.0.0.2,127.0.0.3)")
	f.DurationVar(&cfg.ConnectTimeout, "connect-timeout", loadgen.DefaultConnectTimeout, "timeout for each connect")
	f.BoolVar(&asJSON, "json", false, "print the summary as JSON")
	f.BoolVar(&quiet, "quiet", false, "no progress lines")
	return cmd
}

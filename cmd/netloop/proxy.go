package main

import (
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/proxy"
)

// proxyConfig holds the flags of the proxy command.
type proxyConfig struct {
	listen    string
	upstreams []string
	balance   balanceFlag
	loopFlags
	dialTimeout time.Duration
	downTime    time.Duration
	idleTimeout time.Duration
	splice      bool
}

func newProxyCmd(g *globals) *cobra.Command {
	cfg := proxyConfig{listen: "127.0.0.1:8000", dialTimeout: 5 * time.Second, downTime: 10 * time.Second}
	cmd := &cobra.Command{
		Use:   "proxy",
		Short: "Run a TCP proxy: each client is relayed to one of the upstreams",
		Long: `Run a layer-4 (TCP) proxy. Each client connection gets a connection to
one of the upstreams, opened on the same event loop, and bytes flow both
ways with backpressure (a slow reader slows its sender instead of filling
memory) and half-close (a FIN is forwarded; the other direction goes on).

An upstream that refuses or does not answer within --connect-timeout is
marked down for --down-time and the client is tried on the next one; with
none left the client's connection is closed. After --down-time one client
probes the upstream again.

--splice (Linux) moves the bytes with splice(2) through a pipe per
direction, so they never reach user space: about a third less CPU per
byte in bulk transfers, no gain for small messages, and two more
descriptors per direction.`,
		Example: `  netloop proxy --upstream 127.0.0.1:6379
  netloop proxy --listen 0.0.0.0:7000 --upstream 10.0.0.1:80,10.0.0.2:80 --balance leastconn
  netloop proxy --listen :7000 --upstream app1:8080 --upstream app2:8080 --balance hash --loops 2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(cfg.upstreams) == 0 {
				return errors.New("--upstream is required")
			}
			if cfg.listen == "" {
				return errors.New("--listen is empty")
			}
			log := g.logger(cmd.ErrOrStderr())
			p, err := proxy.New(proxy.Config{
				Upstreams:   cfg.upstreams,
				Balance:     proxy.Balance(cfg.balance),
				DialTimeout: cfg.dialTimeout,
				DownTime:    cfg.downTime,
				Splice:      cfg.splice,
				Logger:      log,
			})
			if err != nil {
				return err
			}
			addr := cfg.listen
			if !strings.Contains(addr, "://") {
				addr = "tcp://" + addr
			}
			log.Info("starting proxy", "version", buildVersion(), "loops", cfg.loopFlags.String(),
				"upstreams", strings.Join(cfg.upstreams, ","), "balance", cfg.balance.String(), "splice", cfg.splice)
			return serve(cmd.Context(), log, proxyServer{p}, addr, cfg.options()...)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.listen, "listen", cfg.listen, "address to accept clients on: host:port")
	f.StringSliceVar(&cfg.upstreams, "upstream", nil, "upstream host:port to relay to; repeat it or separate with commas")
	f.Var(&cfg.balance, "balance", "how clients are spread over upstreams: roundrobin, leastconn or hash (of the client IP)")
	cfg.loopFlags.register(f)
	f.DurationVar(&cfg.dialTimeout, "connect-timeout", cfg.dialTimeout, "how long a connect to an upstream may take")
	f.DurationVar(&cfg.downTime, "down-time", cfg.downTime, "how long an upstream that failed a connect is skipped")
	f.DurationVar(&cfg.idleTimeout, "idle-timeout", 0, "close a connection idle this long either way (0: never)")
	f.BoolVar(&cfg.splice, "splice", false, "move bytes with splice(2), kernel to kernel (Linux; pays off for bulk transfers)")
	return cmd
}

func (cfg *proxyConfig) options() []netloop.Option {
	return append(cfg.loopFlags.options(), netloop.WithIdleTimeout(cfg.idleTimeout))
}

// proxyServer adds the exit summary to the proxy. It embeds the
// *proxy.Proxy itself, not the Handler interface, so every method of the
// proxy — OnEOF and OnWritabilityChanged included — reaches the engine.
type proxyServer struct{ *proxy.Proxy }

func (s proxyServer) summary() []any {
	st := s.Stats()
	attrs := []any{"clients", st.Accepted, "refused", st.Rejected}
	for _, u := range st.Upstreams {
		attrs = append(attrs, slog.Group("upstream", "addr", u.Addr, "connections", u.Connections, "failures", u.Failures))
	}
	return attrs
}

// balanceFlag is the --balance flag.
type balanceFlag proxy.Balance

func (b *balanceFlag) Set(s string) error {
	v, err := proxy.ParseBalance(s)
	if err != nil {
		return errors.New("want roundrobin, leastconn or hash")
	}
	*b = balanceFlag(v)
	return nil
}

func (b *balanceFlag) String() string { return proxy.Balance(*b).String() }

func (*balanceFlag) Type() string { return "policy" }

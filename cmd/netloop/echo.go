package main

import (
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/netloop/netloop"
)

// echoConfig holds the flags of the echo command.
type echoConfig struct {
	addr    string
	network string
	loopFlags
	reusePort bool
	lb        balancing
}

func newEchoCmd(g *globals) *cobra.Command {
	cfg := echoConfig{addr: "127.0.0.1:9000", network: "tcp", lb: balancing(netloop.RoundRobin)}
	cmd := &cobra.Command{
		Use:   "echo",
		Short: "Run an echo server: every byte received is sent back",
		Long: `Run an echo server: every byte a client sends comes back to it, on TCP
and Unix sockets as a stream, on UDP as one datagram per datagram received.
It is the smallest netloop server, and the one to load-test the core with.`,
		Example: `  netloop echo
  netloop echo --addr 0.0.0.0:9000 --loops 2 --lb leastconn
  netloop echo --addr :9000 --reuseport
  netloop echo --network udp --addr 127.0.0.1:9000
  netloop echo --network unix --addr /tmp/echo.sock`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			addr, err := listenAddr(cfg.network, cfg.addr)
			if err != nil {
				return err
			}
			log := g.logger(cmd.ErrOrStderr())
			log.Info("starting echo server", "version", buildVersion(), "loops", cfg.loopFlags.String(),
				"lb", cfg.lb.String(), "reuseport", cfg.reusePort, "edge_triggered", cfg.edgeTriggered)
			return serve(cmd.Context(), log, &echoHandler{log: log}, addr, cfg.options()...)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.addr, "addr", cfg.addr, "address to listen on: host:port, or a socket path with --network unix")
	f.StringVar(&cfg.network, "network", cfg.network, "tcp, tcp4, tcp6, udp, udp4, udp6 or unix")
	cfg.loopFlags.register(f)
	f.BoolVar(&cfg.reusePort, "reuseport", false, "give every loop its own SO_REUSEPORT listener and let the kernel balance")
	f.Var(&cfg.lb, "lb", "how accepted connections are spread over loops: roundrobin, leastconn or hash (of the client IP)")
	return cmd
}

func (cfg *echoConfig) options() []netloop.Option {
	return append(cfg.loopFlags.options(),
		netloop.WithReusePort(cfg.reusePort),
		netloop.WithLoadBalancing(netloop.LoadBalancing(cfg.lb)),
	)
}

// listenAddr turns the --network and --addr flags into a netloop address.
func listenAddr(network, addr string) (string, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "unix":
	default:
		return "", fmt.Errorf("--network %q: want tcp, tcp4, tcp6, udp, udp4, udp6 or unix", network)
	}
	if addr == "" {
		return "", fmt.Errorf("--addr is empty")
	}
	return network + "://" + addr, nil
}

// echoHandler sends every byte back. Its callbacks run on several loops
// at once, hence the atomic counters.
type echoHandler struct {
	netloop.BuiltinHandler
	log    *slog.Logger
	opened atomic.Int64 // stream connections accepted
	bytes  atomic.Int64 // bytes echoed, over every network
}

func (h *echoHandler) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	h.opened.Add(1)
	h.log.Debug("open", "remote", c.RemoteAddr())
	return nil, netloop.None
}

func (h *echoHandler) OnClose(c netloop.Conn, err error) netloop.Action {
	h.log.Debug("close", "remote", c.RemoteAddr(), "reason", err)
	return netloop.None
}

// OnTraffic hands the buffered bytes straight back: WriteTo with the
// connection itself as the writer is one Write of the unread view, which
// on UDP is one datagram back to its sender. A write that fails has
// already recorded the error, and the engine closes the connection.
func (h *echoHandler) OnTraffic(c netloop.Conn) netloop.Action {
	n, _ := c.WriteTo(c)
	h.bytes.Add(n)
	return netloop.None
}

func (h *echoHandler) summary() []any {
	return []any{"connections", h.opened.Load(), "bytes_echoed", h.bytes.Load()}
}

// balancing is the --lb flag.
type balancing netloop.LoadBalancing

var balancingNames = map[string]netloop.LoadBalancing{
	"roundrobin": netloop.RoundRobin,
	"leastconn":  netloop.LeastConnections,
	"hash":       netloop.SourceAddrHash,
}

func (b *balancing) Set(s string) error {
	lb, ok := balancingNames[s]
	if !ok {
		return fmt.Errorf("want roundrobin, leastconn or hash, got %q", s)
	}
	*b = balancing(lb)
	return nil
}

func (b *balancing) String() string {
	for name, lb := range balancingNames {
		if lb == netloop.LoadBalancing(*b) {
			return name
		}
	}
	return netloop.LoadBalancing(*b).String()
}

func (*balancing) Type() string { return "policy" }

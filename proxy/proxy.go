// Package proxy is a layer-4 (TCP) proxy on netloop: every client
// connection gets a connection to one of several upstream servers, opened
// on the same event loop, and the bytes are relayed both ways with
// backpressure and half-close.
//
// A Proxy is a netloop.Handler; serve it with netloop.Run:
//
//	p, err := proxy.New(proxy.Config{Upstreams: []string{"127.0.0.1:6379", "127.0.0.1:6380"}})
//	if err != nil {
//		log.Fatal(err)
//	}
//	log.Fatal(netloop.Run(p, "tcp://127.0.0.1:7000", netloop.WithMulticore(true)))
//
// Pass the Proxy itself to Run, not a wrapper that embeds netloop.Handler:
// it also implements netloop.HalfCloseHandler, which such a wrapper would
// hide from the engine, so that a client's half-close would close its
// connection at once.
//
// How it behaves (docs/proxy.md has the details and the benchmarks):
//
//   - Relay: the bytes one side sends are written to the other from the
//     OnTraffic that reads them, on the loop both connections share: one
//     read(2) and one write(2) per chunk, no goroutine, no lock, and no copy
//     in user space unless the receiving socket is full.
//   - Backpressure: when one side's outbound buffer climbs above
//     Config.HighWater, the proxy stops reading the other side
//     (Conn.PauseReading) until it drains to LowWater, so a slow reader
//     holds at most HighWater plus one read per direction, and TCP flow
//     control slows the sender. Reading the slow side itself goes on, so
//     a server that pauses its input while its output is blocked cannot
//     deadlock with the proxy (see flow.go).
//   - Half-close: a FIN from one side is forwarded (Conn.CloseWrite) once
//     what came before it is flushed; the other direction keeps flowing
//     until it ends too.
//   - Failures: an upstream that refuses or does not connect within
//     DialTimeout is marked down for DownTime, and the client is tried on
//     the next upstream; with none left its connection is closed (a FIN,
//     not a reset). After DownTime one client probes the upstream again.
package proxy

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/netloop/netloop"
)

// Config configures a Proxy. Zero fields take the documented defaults.
type Config struct {
	// Upstreams are the servers to relay to: "host:port" (TCP), or a
	// netloop address such as "tcp6://[::1]:9000" or "unix:///run/app.sock".
	// Host names are resolved once, by New. At least one is required.
	Upstreams []string
	// Balance picks the upstream for each client. Default RoundRobin.
	Balance Balance
	// DialTimeout bounds each connect to an upstream. Default 5 s.
	DialTimeout time.Duration
	// DownTime is how long an upstream that failed a connect is skipped
	// before one client probes it again. Default 10 s.
	DownTime time.Duration
	// HighWater and LowWater bound what the proxy buffers per direction:
	// when a side's outbound buffer passes HighWater (its socket buffer
	// being full), the proxy stops reading the other side until it is
	// back at LowWater. A slow reader thus holds at most HighWater plus
	// one read (netloop's ReadBufferSize) in the proxy per direction.
	// Defaults 128 KiB and 32 KiB. The engine's MaxOutbound must exceed
	// HighWater plus ReadBufferSize.
	HighWater int
	LowWater  int
	// MaxPending caps what a client may send before its upstream
	// connection is open: beyond it the proxy stops reading the client
	// until then. Default 64 KiB (plus up to one read).
	MaxPending int
	// Splice moves bytes with splice(2) through a pipe per direction
	// (Linux only; New fails elsewhere): they never reach user space.
	// That saves about a third of the proxy's CPU per byte in bulk
	// transfers and nothing for small messages (docs/proxy.md); it costs
	// two descriptors per direction. On netloop's portable engine, which
	// has no raw reads, sessions are relayed by copying instead.
	Splice bool
	// Logger receives upstream state changes (down, up) at Warn and Info
	// and per-connection failures at Debug. Default slog.Default().
	Logger *slog.Logger
}

// Proxy relays client connections to upstreams. It is a netloop.Handler
// for the engine that accepts the clients; its callbacks also serve the
// upstream connections it dials. Its methods are called by netloop;
// Stats is safe for concurrent use.
type Proxy struct {
	netloop.BuiltinHandler
	cfg      Config
	backends []*backend
	log      *slog.Logger
	upside   upstreamHandler // the handler of upstream connections

	next     atomic.Uint64 // round-robin position
	sessions atomic.Int64  // open client connections
	accepted atomic.Uint64 // client connections accepted
	spliced  atomic.Uint64 // sessions switched to splice(2)
	rejected atomic.Uint64 // closed because no upstream could be reached

	epoch time.Time
	clock func() int64 // nanoseconds since epoch; tests replace it
}

// New checks cfg, resolves the upstreams' host names and returns a
// Proxy ready to serve.
func New(cfg Config) (*Proxy, error) {
	if len(cfg.Upstreams) == 0 {
		return nil, fmt.Errorf("%w: no upstream", ErrInvalidConfig)
	}
	switch {
	case cfg.Balance < RoundRobin || cfg.Balance > SourceHash:
		return nil, fmt.Errorf("%w: unknown balance %d", ErrInvalidConfig, int(cfg.Balance))
	case cfg.DialTimeout < 0 || cfg.DownTime < 0 || cfg.MaxPending < 0 || cfg.HighWater < 0 || cfg.LowWater < 0:
		return nil, fmt.Errorf("%w: negative DialTimeout, DownTime, MaxPending or water mark", ErrInvalidConfig)
	}
	if cfg.HighWater == 0 {
		cfg.HighWater = 128 << 10
	}
	if cfg.LowWater == 0 {
		cfg.LowWater = min(32<<10, cfg.HighWater)
	}
	if cfg.Splice && !spliceSupported {
		return nil, fmt.Errorf("%w: Splice needs Linux", ErrInvalidConfig)
	}
	if cfg.LowWater > cfg.HighWater {
		return nil, fmt.Errorf("%w: LowWater %d is above HighWater %d", ErrInvalidConfig, cfg.LowWater, cfg.HighWater)
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.DownTime == 0 {
		cfg.DownTime = 10 * time.Second
	}
	if cfg.MaxPending == 0 {
		cfg.MaxPending = 64 << 10
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	p := &Proxy{cfg: cfg, log: cfg.Logger, epoch: time.Now()}
	p.upside.p = p
	p.clock = func() int64 { return int64(time.Since(p.epoch)) }
	for _, u := range cfg.Upstreams {
		addr, err := resolve(u)
		if err != nil {
			return nil, err
		}
		p.backends = append(p.backends, &backend{name: u, addr: addr})
	}
	return p, nil
}

// resolve turns an upstream as configured into the netloop address to
// dial. Resolving here keeps DNS, which blocks, off the event loops.
func resolve(u string) (string, error) {
	network, hostport, ok := strings.Cut(u, "://")
	if !ok {
		network, hostport = "tcp", u
	}
	switch network {
	case "unix":
		if hostport == "" {
			return "", fmt.Errorf("%w: upstream %q: empty socket path", ErrInvalidConfig, u)
		}
		return u, nil
	case "tcp", "tcp4", "tcp6":
	default:
		return "", fmt.Errorf("%w: upstream %q: network %q is not tcp, tcp4, tcp6 or unix", ErrInvalidConfig, u, network)
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil || port == "" || port == "0" {
		return "", fmt.Errorf("%w: upstream %q: want host:port", ErrInvalidConfig, u)
	}
	a, err := net.ResolveTCPAddr(network, net.JoinHostPort(host, port))
	if err != nil {
		return "", fmt.Errorf("%w: upstream %q: %w", ErrInvalidConfig, u, err)
	}
	if host == "" {
		return "", fmt.Errorf("%w: upstream %q: no host", ErrInvalidConfig, u)
	}
	return network + "://" + a.String(), nil
}

// Stats is a snapshot of a Proxy's counters.
type Stats struct {
	Sessions  int64  // client connections open now
	Accepted  uint64 // client connections accepted
	Rejected  uint64 // client connections closed because no upstream answered
	Spliced   uint64 // sessions relayed with splice(2) (Config.Splice)
	Upstreams []UpstreamStats
}

// UpstreamStats describes one upstream.
type UpstreamStats struct {
	Addr        string // as configured
	Active      int64  // upstream connections open now (or connecting)
	Connections uint64 // connections made
	Failures    uint64 // connects that failed
	Down        bool   // marked down: skipped until its DownTime is over
}

// Stats returns the proxy's counters. Safe for concurrent use.
func (p *Proxy) Stats() Stats {
	s := Stats{Sessions: p.sessions.Load(), Accepted: p.accepted.Load(), Rejected: p.rejected.Load(),
		Spliced: p.spliced.Load()}
	now := p.clock()
	for _, b := range p.backends {
		s.Upstreams = append(s.Upstreams, UpstreamStats{
			Addr:        b.name,
			Active:      b.active.Load(),
			Connections: b.conns.Load(),
			Failures:    b.fails.Load(),
			Down:        !b.usable(now),
		})
	}
	return s
}

// markDown takes b out of rotation for DownTime after a failed connect.
func (p *Proxy) markDown(b *backend, err error) {
	b.fails.Add(1)
	if prev := b.downUntil.Swap(p.clock() + int64(p.cfg.DownTime)); prev == 0 {
		p.log.Warn("proxy: upstream down", "upstream", b.name, "for", p.cfg.DownTime, "err", err)
	} else {
		p.log.Debug("proxy: upstream still down", "upstream", b.name, "err", err)
	}
}

// markUp puts b back in rotation after a connect succeeded.
func (p *Proxy) markUp(b *backend) {
	if b.downUntil.Load() != 0 && b.downUntil.Swap(0) != 0 {
		p.log.Info("proxy: upstream up", "upstream", b.name)
	}
}

package loadgen

import (
	"fmt"
	"math"
	"net"
	"time"
)

// Defaults applied to zero-valued Config fields.
const (
	DefaultNetwork        = "tcp"
	DefaultPipeline       = 1
	DefaultWorkers        = 1
	DefaultConnectTimeout = 5 * time.Second

	// MaxSize bounds the message size so that per-connection offsets and
	// the worker buffers stay reasonable; echo benchmarks beyond 16 MiB per
	// message measure memory bandwidth rather than the server.
	MaxSize = 16 << 20
)

// Config describes one load run. Zero values of optional fields select the
// documented defaults.
type Config struct {
	// Addr is HOST:PORT for tcp or a filesystem path for unix.
	Addr string
	// Network is "tcp" (default), "tcp4", "tcp6" or "unix".
	Network string
	// Conns is the number of connections to open. Required.
	Conns int
	// Size is the payload size of one message in bytes. Required.
	Size int
	// Duration is the length of the measured period (after Warmup). Required.
	Duration time.Duration
	// Pipeline is the number of messages each connection keeps in flight in
	// closed-loop mode (default 1). It must be left at 0 or 1 in open-loop
	// mode, where the schedule alone decides what is in flight.
	Pipeline int
	// Rate, when > 0, selects open-loop mode: messages per second across
	// all connections, sent on a fixed schedule regardless of replies.
	Rate float64
	// Workers is the number of worker goroutines, each with its own epoll
	// instance (default 1, capped at Conns).
	Workers int
	// Warmup is run before measuring starts; its messages are not counted.
	Warmup time.Duration
	// LocalAddrs are optional source IPs (for example 127.0.0.2) that
	// connections are bound to round-robin before connecting. Spreading
	// connections over several source addresses multiplies the usable
	// ephemeral port space for very large connection counts. tcp only.
	LocalAddrs []string
	// ConnectTimeout bounds each individual connect (default 5s).
	ConnectTimeout time.Duration
	// Seed selects the payload byte stream; 0 picks one from the clock.
	Seed uint64
}

// Validate reports the first problem with c, or nil. The returned error
// matches ErrInvalidConfig with errors.Is.
func (c Config) Validate() error {
	switch c.Network {
	case "", "tcp", "tcp4", "tcp6", "unix":
	default:
		return invalid(fmt.Sprintf("network must be tcp, tcp4, tcp6 or unix, not %q", c.Network))
	}
	if c.Addr == "" {
		return invalid("addr must be set")
	}
	if c.Conns <= 0 {
		return invalid("conns must be > 0")
	}
	if c.Size <= 0 {
		return invalid("size must be > 0")
	}
	if c.Size > MaxSize {
		return invalid(fmt.Sprintf("size must be <= %d", MaxSize))
	}
	if c.Duration <= 0 {
		return invalid("duration must be > 0")
	}
	if c.Pipeline < 0 {
		return invalid("pipeline must be >= 0")
	}
	// NaN compares false with everything, so check it explicitly.
	if math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) || c.Rate < 0 {
		return invalid("rate must be a finite number >= 0")
	}
	if c.Rate > 0 && c.Pipeline > 1 {
		return invalid("pipeline must be 0 or 1 when rate is set (open loop)")
	}
	if c.Workers < 0 {
		return invalid("workers must be >= 0")
	}
	if c.Warmup < 0 {
		return invalid("warmup must be >= 0")
	}
	if c.ConnectTimeout < 0 {
		return invalid("connect timeout must be >= 0")
	}
	if len(c.LocalAddrs) > 0 && c.Network == "unix" {
		return invalid("local addrs are only supported for tcp")
	}
	for _, a := range c.LocalAddrs {
		if net.ParseIP(a) == nil {
			return invalid(fmt.Sprintf("local addr %q is not an IP address", a))
		}
	}
	return nil
}

// withDefaults returns a copy of c with zero-valued optional fields filled in.
func (c Config) withDefaults() Config {
	if c.Network == "" {
		c.Network = DefaultNetwork
	}
	if c.Pipeline == 0 {
		c.Pipeline = DefaultPipeline
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.Workers > c.Conns {
		c.Workers = c.Conns
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	return c
}

// openLoop reports whether c selects the fixed-schedule mode.
func (c Config) openLoop() bool { return c.Rate > 0 }

// mode names the load model for reports.
func (c Config) mode() string {
	if c.openLoop() {
		return "open-loop"
	}
	return "closed-loop"
}

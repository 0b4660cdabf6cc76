package proxy

import (
	"fmt"
	"net"
	"sync/atomic"
)

// Balance picks the upstream for each client connection.
type Balance int

const (
	// RoundRobin hands connections to the upstreams in turn.
	RoundRobin Balance = iota
	// LeastConn picks the upstream with the fewest open connections
	// through this proxy.
	LeastConn
	// SourceHash picks the upstream by a hash of the client's IP address,
	// so one client host keeps reaching the same upstream while it is up.
	SourceHash
)

var balanceNames = [...]string{RoundRobin: "roundrobin", LeastConn: "leastconn", SourceHash: "hash"}

// ParseBalance parses a Balance as the CLI spells it: roundrobin,
// leastconn or hash.
func ParseBalance(s string) (Balance, error) {
	for b, name := range balanceNames {
		if s == name {
			return Balance(b), nil
		}
	}
	return 0, fmt.Errorf("%w: balance %q: want roundrobin, leastconn or hash", ErrInvalidConfig, s)
}

func (b Balance) String() string {
	if b >= 0 && int(b) < len(balanceNames) {
		return balanceNames[b]
	}
	return fmt.Sprintf("Balance(%d)", int(b))
}

// backend is one upstream and its health, shared by every event loop.
type backend struct {
	name string // as configured, for logs and Stats
	addr string // netloop address to dial, resolved once at New

	active atomic.Int64  // open upstream connections (least-connections)
	conns  atomic.Uint64 // connections made
	fails  atomic.Uint64 // connects that failed
	// downUntil is when a failed upstream may be tried again, in
	// nanoseconds since the proxy's epoch; 0 while it is up. While one
	// connection probes it after the period, it is pushed past the probe's
	// connect timeout so that the others keep away.
	downUntil atomic.Int64
}

// usable reports whether b may be picked at now.
func (b *backend) usable(now int64) bool {
	d := b.downUntil.Load()
	return d == 0 || now >= d
}

// claim takes b for one connection. An upstream whose down period is
// over is handed to one connection only, as a probe, until that connect
// succeeds (markUp) or fails (markDown): a dead upstream then costs one
// connect timeout per period, not one per client.
func (b *backend) claim(now, probe int64) bool {
	d := b.downUntil.Load()
	if d == 0 {
		return true
	}
	return now >= d && b.downUntil.CompareAndSwap(d, now+probe)
}

// pick chooses an upstream for a client at src, or nil if all are down.
func (p *Proxy) pick(src net.Addr) *backend {
	now := p.clock()
	probe := int64(p.cfg.DialTimeout)
	n := len(p.backends)
	if p.cfg.Balance == LeastConn {
		// Ties go to the next in turn, not always to the first.
		start := int(p.next.Add(1) % uint64(n))
		for range n {
			var best *backend
			for i := range n {
				b := p.backends[(start+i)%n]
				if b.usable(now) && (best == nil || b.active.Load() < best.active.Load()) {
					best = b
				}
			}
			if best == nil {
				return nil
			}
			if best.claim(now, probe) {
				return best
			}
		}
		return nil
	}
	var start int
	if p.cfg.Balance == SourceHash {
		start = int(hashIP(src) % uint64(n))
	} else {
		start = int(p.next.Add(1) % uint64(n))
	}
	for i := range n {
		if b := p.backends[(start+i)%n]; b.usable(now) && b.claim(now, probe) {
			return b
		}
	}
	return nil
}

// hashIP is FNV-1a over the client's IP (0 for addresses without one,
// such as Unix sockets). IPv4 hashes the same in either form.
func hashIP(a net.Addr) uint64 {
	var ip net.IP
	switch a := a.(type) {
	case *net.TCPAddr:
		ip = a.IP
	case *net.UDPAddr:
		ip = a.IP
	}
	if ip4 := ip.To4(); ip4 != nil {
		ip = ip4
	}
	h := uint64(14695981039346656037)
	for _, c := range ip {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

package netloop

import "sync/atomic"

// balancer chooses the event loop for a new connection. loads[i] is the
// number of connections on loop i, kept by the loops.
type balancer struct {
	kind  LoadBalancing
	next  atomic.Uint64
	loads []*atomic.Int64
}

// pick returns a loop index; ip is the peer's address bytes (nil for Unix
// sockets, which then fall back to round-robin for the hash policy).
func (b *balancer) pick(ip []byte) int {
	n := len(b.loads)
	if n == 1 {
		return 0
	}
	switch b.kind {
	case LeastConnections:
		best := 0
		for i := 1; i < n; i++ {
			if b.loads[i].Load() < b.loads[best].Load() {
				best = i
			}
		}
		return best
	case SourceAddrHash:
		if len(ip) > 0 {
			return int(hashIP(ip) % uint32(n))
		}
	}
	return int((b.next.Add(1) - 1) % uint64(n))
}

// hashIP is 32-bit FNV-1a: cheap, allocation-free and well spread over
// the low bits for addresses that differ only in their last byte.
func hashIP(ip []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range ip {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}

//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

// connTable finds a loop's connection by its descriptor. The kernel hands
// out the lowest free descriptor, so descriptors stay dense and a slice
// indexed by them costs one bounds check and one load per readiness event,
// where a map hashes the key every time. Its size follows the largest
// descriptor the loop has held (8 bytes each), never shrinking: a small
// price next to the connections themselves.
type connTable struct {
	byFd []*conn
	n    int
}

// get returns the connection on fd, or nil.
func (t *connTable) get(fd int) *conn {
	if uint(fd) < uint(len(t.byFd)) {
		return t.byFd[fd]
	}
	return nil
}

// put files c under fd.
func (t *connTable) put(fd int, c *conn) {
	if fd >= len(t.byFd) {
		size := max(2*len(t.byFd), fd+1, 64)
		grown := make([]*conn, size)
		copy(grown, t.byFd)
		t.byFd = grown
	}
	if t.byFd[fd] == nil {
		t.n++
	}
	t.byFd[fd] = c
}

// remove forgets the connection on fd, if there is one.
func (t *connTable) remove(fd int) {
	if t.get(fd) != nil {
		t.byFd[fd] = nil
		t.n--
	}
}

// len is the number of connections filed.
func (t *connTable) len() int { return t.n }

// each calls fn for every connection filed; fn may remove connections.
func (t *connTable) each(fn func(*conn)) {
	for _, c := range t.byFd {
		if c != nil {
			fn(c)
		}
	}
}

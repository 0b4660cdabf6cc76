//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"net"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/poller"
	"github.com/netloop/netloop/internal/socket"
)

// acceptBatch bounds the connections taken per readiness event, so that a
// flood of connects cannot starve the traffic of a loop that also serves.
const acceptBatch = 128

// acceptor is the accept state of a loop: a spare descriptor for surviving
// EMFILE, and the pause that follows when even that is gone.
type acceptor struct {
	spare    int           // a reserved fd, freed to accept-and-close when out of fds
	resumeAt time.Duration // on the loop's clock, when paused listeners are watched again; 0: none is
	backoff  time.Duration
	refused  int64 // connections closed at once for want of descriptors
	paused   int64 // times accepting was paused
}

const (
	minAcceptBackoff = 5 * time.Millisecond
	maxAcceptBackoff = time.Second
)

func (a *acceptor) reserve() {
	if a.spare < 0 {
		if fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0); err == nil {
			a.spare = fd
		}
	}
}

func (a *acceptor) release() {
	if a.spare >= 0 {
		unix.Close(a.spare)
		a.spare = -1
	}
}

// acceptFrom takes pending connections from ln and serves each on this
// loop or on the worker the balancer picks.
func (l *loop) acceptFrom(ln *listener) {
	if l.draining {
		return
	}
	for i := 0; i < acceptBatch; i++ {
		fd, sa, err := socket.Accept(ln.fd)
		switch {
		case err == nil:
			l.acc.backoff = 0
			l.handOver(ln, fd, sa)
		case socket.IsTemporary(err):
			return
		case socket.IsFdExhaustion(err):
			if !l.refuseOne(ln) {
				return
			}
		default:
			l.eng.log.Error("netloop: accept", "addr", ln.addr.String(), "err", err)
			return
		}
	}
}

// refuseOne survives EMFILE: with the process out of descriptors the
// pending connection stays queued and the listener stays readable, so a
// naive loop would spin at 100% CPU. Free the spare descriptor, accept the
// connection and close it at once (the client sees it closed, the queue
// shrinks), then take the spare back. Without a spare, stop watching the
// listener for a growing pause. It reports whether to keep accepting.
func (l *loop) refuseOne(ln *listener) bool {
	a := &l.acc
	if a.spare >= 0 {
		unix.Close(a.spare)
		a.spare = -1
		// Linux reports EMFILE before looking at the queue, so this accept
		// is also what tells whether anyone is still waiting.
		fd, _, err := socket.Accept(ln.fd)
		if err == nil {
			unix.Close(fd)
			a.refused++
			if a.refused == 1 || a.refused%1000 == 0 {
				l.eng.log.Warn("netloop: out of file descriptors; refusing connections", "addr", ln.addr.String(), "refused", a.refused)
			}
		}
		a.reserve()
		return err == nil && a.spare >= 0
	}
	a.backoff = min(max(2*a.backoff, minAcceptBackoff), maxAcceptBackoff)
	l.tick()
	a.resumeAt = l.now + a.backoff
	a.paused++
	for _, other := range l.listeners {
		if other.stream && !other.paused {
			other.paused = true
			l.poller.Modify(other.fd, 0)
		}
	}
	l.eng.log.Warn("netloop: out of file descriptors; pausing accept", "addr", ln.addr.String(), "for", a.backoff)
	return false
}

// resumeAccept watches the paused listeners again after a backoff.
func (l *loop) resumeAccept() {
	l.acc.resumeAt = 0
	l.acc.reserve()
	for _, ln := range l.listeners {
		if ln.paused {
			ln.paused = false
			l.poller.Modify(ln.fd, poller.Read|poller.Level)
		}
	}
}

// handOver sets up an accepted socket and gives it to its loop.
func (l *loop) handOver(ln *listener, fd int, sa unix.Sockaddr) {
	if err := socket.SetConnOptions(fd, ln.network != "unix", l.eng.sock); err != nil {
		unix.Close(fd)
		l.eng.log.Warn("netloop: set socket options", "err", err)
		return
	}
	c := newStreamConn(fd, ln, sa)
	target := l
	if ln.balanced && !ln.local {
		target = l.eng.pick(ipOf(sa))
	}
	target.load.Add(1)
	if target == l {
		l.register(c)
		return
	}
	if err := target.post(task{op: opRegister, c: c}); err != nil {
		unix.Close(fd)
		target.load.Add(-1)
	}
}

func ipOf(sa unix.Sockaddr) []byte {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return a.Addr[:]
	case *unix.SockaddrInet6:
		if ip := net.IP(a.Addr[:]).To4(); ip != nil {
			return ip
		}
		return a.Addr[:]
	}
	return nil
}

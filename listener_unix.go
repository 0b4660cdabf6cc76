//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"net"
	"os"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/poller"
)

// listener is a listening stream socket or a bound UDP socket, owned by
// one loop.
type listener struct {
	fd       int
	network  string
	addr     net.Addr
	stream   bool
	local    bool // serve accepted connections on the owning loop itself
	balanced bool // hand accepted connections to a worker chosen by the balancer
	paused   bool // accepting is paused after running out of descriptors
	wildcard bool // bound to an unspecified IP: ask each conn for its local address
}

func (l *loop) addListener(ln *listener) {
	switch a := ln.addr.(type) {
	case *net.TCPAddr:
		ln.wildcard = a.IP.IsUnspecified()
	}
	l.listeners[ln.fd] = ln
}

// startListeners registers the loop's listeners with its poller.
func (l *loop) startListeners() error {
	for _, ln := range l.listeners {
		if err := l.poller.Add(ln.fd, poller.Read|poller.Level); err != nil {
			return err
		}
		if ln.stream {
			l.acc.reserve() // only loops that accept need the spare fd
		}
	}
	return nil
}

func (ln *listener) close() {
	unix.Close(ln.fd)
	if ln.network == "unix" {
		// Like net.UnixListener: the path would refuse the next bind.
		os.Remove(ln.addr.String())
	}
}

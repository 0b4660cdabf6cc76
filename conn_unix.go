//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"errors"
	"net"
	"net/netip"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/buffer"
	"github.com/netloop/netloop/internal/poller"
	"github.com/netloop/netloop/internal/socket"
)

// conn is a stream connection on a non-blocking socket, or one received
// datagram. All fields but closed are owned by the loop goroutine.
type conn struct {
	fd     int
	loop   *loop
	h      Handler // the engine's, or the one given to Dial or Enroll
	state  connState
	udp    bool // datagram semantics: each read is one message
	packet bool // one received datagram on a shared UDP socket, not registered
	// closed mirrors state == connClosed for goroutines other than the
	// loop, so that their calls fail fast.
	closed atomic.Bool

	inbound  buffer.Linear   // unread bytes kept between OnTraffic calls
	outbound buffer.Chain    // bytes the kernel has not taken yet
	interest poller.Interest // what the poller watches for now
	eof      bool            // the peer has half-closed: nothing more to read
	paused   bool            // reading stopped: outbound is above the high water mark
	held     bool            // reading stopped by PauseReading
	shut     bool            // CloseWrite was called: FIN once outbound drains
	shutDone bool            // the FIN has been sent
	queued   bool            // on loop.held: output waits for the task batch's end
	again    poller.Event    // on loop.again with this event: bytes left unread (edge-triggered)
	window   uint32          // the loop's activity window of this connection's last read (Coalesce)
	ext      *connExt        // rarely used state, allocated on first use

	err error // socket error met by a write, acted on after the callback

	ctx any
	// Addresses are kept compact and turned into net.Addr values only when
	// asked for: an idle connection should cost as little as possible.
	ln     *listener      // accepted connections and datagrams: where they came in
	remote netip.AddrPort // an accepted TCP connection's peer
	peer   unix.Sockaddr  // a datagram's sender, where replies go
}

// newStreamConn makes the conn for an accepted socket; h is set by the
// loop that serves it (the engine's handler).
func newStreamConn(fd int, ln *listener, sa unix.Sockaddr) *conn {
	return &conn{fd: fd, ln: ln, remote: socket.AddrPort(sa)}
}

// LocalAddr is the listener's address, or for a listener on a wildcard
// address, the socket's own (asked of the kernel each time, as it is
// rarely needed; the listener's if the socket is already closed).
func (c *conn) LocalAddr() net.Addr {
	if c.ln == nil {
		return c.ext.local // dialed or enrolled: set before it was handed out
	}
	if c.ln.wildcard && !c.packet {
		if a := socket.LocalAddr(c.ln.network, c.fd); a != nil {
			return a
		}
	}
	return c.ln.addr
}

// RemoteAddr builds the peer's address anew on each call, from what the
// connection keeps.
func (c *conn) RemoteAddr() net.Addr {
	switch {
	case c.packet:
		return socket.Addr(c.ln.network, c.peer)
	case c.ln == nil:
		return c.ext.remote
	case c.ln.network == "unix":
		return &net.UnixAddr{Name: "@", Net: "unix"} // accepted Unix peers are unnamed
	}
	return net.TCPAddrFromAddrPort(c.remote)
}

func (c *conn) Write(b []byte) (int, error) {
	if err := c.writable(); err != nil {
		return 0, err
	}
	if c.udp {
		return c.sendTo(b)
	}
	if err := c.room(len(b)); err != nil {
		return 0, err
	}
	if c.holds(len(b)) {
		c.hold(b)
		return len(b), nil
	}
	if c.outbound.Len() > 0 {
		c.buffer(b)
		return len(b), nil
	}
	n, err := c.loop.write(c, b)
	if err != nil {
		return n, err
	}
	if n < len(b) {
		c.buffer(b[n:])
	}
	return len(b), nil
}

func (c *conn) AvailableBuffer() []byte { return c.loop.out.lend() }

func (c *conn) LoopIndex() int { return c.loop.idx }

func (c *conn) Writev(bs [][]byte) (int, error) {
	total, err := c.writevSize(bs)
	if err != nil {
		return 0, err
	}
	if c.udp {
		return c.sendTo(joinBytes(bs, total))
	}
	if c.holds(total) {
		for _, b := range bs {
			c.hold(b)
		}
		return total, nil
	}
	n := 0
	if c.outbound.Len() == 0 {
		if n, err = c.loop.writev(c, bs); err != nil {
			return n, err
		}
	}
	for _, b := range bs {
		if n >= len(b) {
			n -= len(b)
			continue
		}
		c.buffer(b[n:])
		n = 0
	}
	return total, nil
}

func (c *conn) sendTo(b []byte) (int, error) {
	for {
		var err error
		if c.peer != nil {
			err = unix.Sendto(c.fd, b, 0, c.peer)
		} else { // a dialed, connected UDP socket
			_, err = unix.Write(c.fd, b)
		}
		switch {
		case err == nil:
			return len(b), nil
		case errors.Is(err, unix.EINTR):
			continue
		}
		// A datagram that does not fit the socket buffer is dropped, as
		// UDP allows; the error says so to the caller.
		return 0, wrapErr("sendto", err)
	}
}

func (c *conn) Fd() int { return c.fd }

func (c *conn) Yield() { c.loop.yieldAsked = true }

// shutdownSocket sends the FIN (see shutdownWrite).
func (c *conn) shutdownSocket() error {
	return wrapErr("shutdown", unix.Shutdown(c.fd, unix.SHUT_WR))
}

//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/poller"
	"github.com/netloop/netloop/internal/socket"
)

// maxVectors bounds one writev(2): IOV_MAX is 1024 on Linux and the BSDs.
const maxVectors = 1024

// datagramBatch bounds the datagrams read per readiness event.
const datagramBatch = 64

func wrapErr(op string, err error) error { return os.NewSyscallError(op, err) }

// read serves a readable stream connection: read(2) into the loop's
// scratch buffer and show the handler that conn's leftover bytes plus the
// fresh ones. Level-triggered, one read per event keeps the loop fair;
// edge-triggered must empty the socket or the next edge never comes. A
// read that returns less than it asked for has emptied it (a stream
// socket's read copies all that is queued, up to the buffer), and bytes
// that arrive after it raise a new edge; so it stops there, saving the
// read that would return EAGAIN, unless the peer has closed (ev has
// PeerClosed), whose end of file raises no edge of its own. Nor does it
// read on for ever: after edgeReads full reads the connection waits its
// next turn on loop.again, so that one peer that sends without pause
// cannot keep the loop from the others.
func (l *loop) read(c *conn, ev poller.Event) {
	if c.ext != nil && c.ext.rawRead && c.state == connOpen && !c.readStopped() {
		c.readAt(l.now) // the handler reads: readiness counts as traffic
		l.settle(c, l.onReadable(c))
		return
	}
	for reads := 0; c.state == connOpen && !c.readStopped() && !c.eof; reads++ {
		if reads == edgeReads {
			l.readLater(c, ev)
			return
		}
		n, err := socket.Read(c.fd, l.scratch)
		switch {
		case err == nil && n == 0:
			l.peerEOF(c)
			return
		case err == nil:
			c.readAt(l.now)
			if l.active.on {
				l.countActive(c)
			}
			l.traffic(c, l.scratch[:n])
			if !l.eng.opts.EdgeTriggered || n < len(l.scratch) && ev&poller.PeerClosed == 0 {
				return
			}
		case errors.Is(err, unix.EINTR):
		case errors.Is(err, unix.EAGAIN):
			return
		default:
			l.finish(c, wrapErr("read", err))
			return
		}
	}
	if c.state == connClosing && !c.eof {
		// The peer may still send while we flush; its bytes have no
		// reader any more, and a reset must still be noticed.
		l.discardInput(c)
	}
}

// edgeReads is how many reads one turn gives an edge-triggered
// connection whose reads keep filling the buffer.
const edgeReads = 4

// readLater puts c, whose socket still holds bytes, on the list the loop
// reads again after its next poll (which does not block meanwhile). ev
// keeps PeerClosed: the end of file behind those bytes has had its edge.
func (l *loop) readLater(c *conn, ev poller.Event) {
	if c.again == 0 {
		l.again = append(l.again, c)
	}
	c.again |= ev | poller.Readable
}

// readAgain gives the connections readLater listed their next turn.
func (l *loop) readAgain() {
	again := l.again
	l.again = l.againSpare
	for i, c := range again {
		again[i] = nil
		ev := c.again
		c.again = 0
		if c.state != connClosed {
			l.read(c, ev)
		}
	}
	l.againSpare = again[:0]
}

func (l *loop) discardInput(c *conn) {
	for {
		n, err := socket.Read(c.fd, l.scratch)
		switch {
		case err == nil && n > 0:
			continue
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return
		case err == nil:
			// EOF: the peer has half-closed but may still read what we
			// flush; stop watching its side.
			c.eof = true
			l.watch(c)
		default:
			l.finish(c, wrapErr("read", err))
		}
		return
	}
}

// readDatagrams serves a readable UDP socket: each datagram is one
// OnTraffic call with a Conn whose writes go back to its sender.
func (l *loop) readDatagrams(ln *listener) {
	for i := 0; i < datagramBatch; i++ {
		n, sa, err := unix.Recvfrom(ln.fd, l.scratch, 0)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return
		case err != nil:
			// ICMP errors from earlier sends surface here; they concern
			// one peer, not the socket.
			l.eng.log.Debug("netloop: recvfrom", "addr", ln.addr.String(), "err", err)
			continue
		}
		c := &conn{fd: ln.fd, loop: l, h: l.h, udp: true, packet: true, peer: sa, ln: ln}
		if l.datagram(c, l.scratch[:n]) == Shutdown {
			l.eng.shutdownAsync()
		}
	}
}

// write is one write(2) for c, returning how much the kernel took. A full
// socket buffer is not an error; a failed socket is recorded on c so the
// loop closes it once the current callback returns.
func (l *loop) write(c *conn, b []byte) (int, error) {
	for {
		n, err := socket.Write(c.fd, b)
		switch {
		case err == nil:
			c.wroteAt(l.now)
			return n, nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return 0, nil
		}
		c.err = wrapErr("write", err)
		return 0, c.err
	}
}

// writev is write for several slices at once.
func (l *loop) writev(c *conn, bs [][]byte) (int, error) {
	if len(bs) > maxVectors {
		bs = bs[:maxVectors]
	}
	for {
		n, iov, err := socket.Writev(c.fd, bs, l.iov)
		l.iov = iov
		switch {
		case err == nil:
			c.wroteAt(l.now)
			return n, nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return 0, nil
		}
		c.err = wrapErr("writev", err)
		return 0, c.err
	}
}

// holdLimit is the largest write held back while tasks run; bigger ones
// go to the kernel at once rather than being copied.
const holdLimit = 16 << 10

// holds reports whether a write of n bytes to c waits for the end of the
// task batch: tasks run on the loop (AsyncWrite, Wake callbacks) often
// write to the same connection one after another, as when a worker answers
// pipelined requests one by one, and their bytes then leave in one
// writev instead of one system call each. Nothing waits longer than the
// batch: a task that is slow to come does not hold the others' bytes.
func (c *conn) holds(n int) bool {
	return c.queued || c.loop.holding && c.outbound.Len() == 0 && n <= holdLimit
}

// hold keeps b in the outbound buffer until flushHeld.
func (c *conn) hold(b []byte) {
	l := c.loop
	if c.outbound.Len() == 0 {
		l.writeStalled(c) // output is pending from now (WriteTimeout)
	}
	c.outbound.Write(l.pool, b)
	if !c.queued {
		c.queued = true
		l.held = append(l.held, c)
	}
	if !c.paused && c.outbound.Len() > c.highWater() {
		c.paused = true
		l.writability(c, false)
	}
}

// flushHeld writes what hold kept back.
func (l *loop) flushHeld() {
	for i, c := range l.held {
		l.held[i] = nil
		c.queued = false
		if c.state != connClosed && c.outbound.Len() > 0 {
			l.flush(c)
		}
	}
	l.held = l.held[:0]
}

// flush writes the outbound buffer, as much as the kernel takes, with one
// writev(2) per round (invariant 4).
func (l *loop) flush(c *conn) {
	for c.outbound.Len() > 0 {
		l.vecs = c.outbound.Vectors(l.vecs[:0], maxVectors)
		n, err := l.writev(c, l.vecs)
		clear(l.vecs)
		if err != nil {
			l.finish(c, err)
			return
		}
		if n == 0 {
			break
		}
		c.outbound.Discard(l.pool, n)
		l.writeStalled(c)
	}
	l.flushed(c)
}

// watch tells the poller what c waits for now: reads unless the peer is
// done sending or reading is paused, writes while output is pending.
func (l *loop) watch(c *conn) {
	if c.state == connClosed {
		return
	}
	var in poller.Interest
	if !c.eof && !c.readStopped() {
		in |= poller.Read
	}
	if c.outbound.Len() > 0 || c.ext != nil && c.ext.writeNotify != nil {
		in |= poller.Write
	}
	if in == c.interest {
		return
	}
	c.interest = in
	var err error
	if c.ext != nil && c.ext.hupParked {
		// Out of the poller since a hang-up (hangupWhilePaused), and
		// wanted again: back in.
		c.ext.hupParked = false
		err = l.poller.Add(c.fd, in)
	} else {
		err = l.poller.Modify(c.fd, in)
	}
	if err != nil && c.err == nil {
		c.err = err
	}
}

// hangupWhilePaused handles a hang-up on a connection netloop is not
// reading: epoll reports errors and hang-ups whatever the interest set,
// and read() would not look, so the loop would spin on it. A reset (or
// any socket error) closes the connection now, and so does a hang-up
// that leaves nothing unread (both directions are done). One with unread
// bytes, in the socket or in the inbound buffer, or on a raw-read
// connection, takes the socket out of the poller until reading resumes,
// so the handler still gets them.
func (l *loop) hangupWhilePaused(c *conn) {
	if errno, err := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR); err != nil || errno != 0 {
		if err == nil {
			err = unix.Errno(errno)
		}
		l.finish(c, wrapErr("read", err))
		return
	}
	var b [1]byte
	n, _, err := unix.Recvfrom(c.fd, b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	switch {
	case err == nil && n == 0 && c.inbound.Len() == 0 && (c.ext == nil || !c.ext.rawRead):
		// Nothing unread, here or in the socket. (A handler that reads
		// raw may hold bytes of its own, in a pipe say: it decides.)
		l.finish(c, io.EOF)
		return
	case err != nil && !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR):
		l.finish(c, wrapErr("read", err))
		return
	}
	if err := l.poller.Delete(c.fd); err != nil {
		l.finish(c, err)
		return
	}
	c.extra().hupParked = true
	c.interest = 0
}

// finish closes c's socket now and reports it to the handler, once.
func (l *loop) finish(c *conn, reason error) {
	if c.state == connClosed {
		return
	}
	c.state = connClosed
	c.closed.Store(true)
	l.conns.remove(c.fd)
	unix.Close(c.fd)
	c.inbound.Reset(l.pool)
	c.outbound.Reset(l.pool)
	if c.ext != nil {
		l.wheel.Cancel(&c.ext.timer)
	}
	l.load.Add(-1)
	l.eng.connCount.Add(-1)
	if l.onClose(c, reason) == Shutdown {
		l.eng.shutdownAsync()
	}
	if c.ext != nil && c.ext.writeNotify != nil {
		l.notifyWritable(c, ErrClosed)
	}
	l.runCloseCallbacks(c)
}

func (c *conn) SetRawRead(on bool) error {
	if _, ok := c.h.(RawReadHandler); (!ok && on) || c.udp {
		return fmt.Errorf("%w: SetRawRead needs a stream connection whose handler has OnReadable", ErrUnsupported)
	}
	c.extra().rawRead = on
	return nil
}

func (c *conn) NotifyWritable(cb AsyncCallback) error {
	switch {
	case c.state == connClosed:
		return ErrClosed
	case c.udp:
		return fmt.Errorf("%w: NotifyWritable on a datagram connection", ErrUnsupported)
	case c.ext != nil && c.ext.writeNotify != nil:
		return ErrNotifyPending
	}
	c.extra().writeNotify = cb
	c.loop.watch(c)
	return nil
}

func (c *conn) NoteWritten() { c.wroteAt(c.loop.now) }

// notifyWritable runs the pending NotifyWritable callback, once.
func (l *loop) notifyWritable(c *conn, err error) {
	cb := c.ext.writeNotify
	c.ext.writeNotify = nil
	l.watch(c)
	l.callback(cb, c, err)
}

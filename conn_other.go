//go:build (!linux && !darwin && !freebsd) || netloop_netengine

package netloop

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"

	"github.com/netloop/netloop/buffer"
)

// conn is a stream connection (or a dialed UDP one) served through package
// net, or one received datagram. The loop owns every field but closed;
// the fields marked "handed over" belong to the reader or writer goroutine
// between a hand-off and the task that hands them back.
type conn struct {
	nc     net.Conn       // the connection (nil for a received datagram)
	pc     net.PacketConn // a received datagram: the socket replies go out on
	loop   *loop
	h      Handler // the engine's, or the one given to Dial or Enroll
	state  connState
	udp    bool // datagram semantics: each read is one message
	packet bool // one received datagram on a shared UDP socket, not registered
	// closed mirrors state == connClosed for goroutines other than the
	// loop, so that their calls fail fast.
	closed atomic.Bool

	inbound  buffer.Linear // unread bytes kept between OnTraffic calls
	eof      bool          // the peer has half-closed: nothing more to read
	paused   bool          // reading stopped: outbound is above the high water mark
	held     bool          // reading stopped by PauseReading
	shut     bool          // CloseWrite was called: FIN once outbound drains
	shutDone bool          // the FIN has been sent
	ext      *connExt      // rarely used state, allocated on first use

	// The reader hands over one read at a time and then waits on resume
	// until watch lets it read again (parked). A read that arrives while
	// reading is stopped stays handed over (held back) until it may be
	// served.
	fresh    []byte        // handed over: the reader's last read
	readErr  error         // handed over: the error that ended it
	parked   bool          // the reader waits on resume
	heldBack bool          // parked with fresh or readErr not yet served
	resume   chan struct{} // lets the reader read again; closed with the conn
	onRead   func()        // l.serveRead(c), bound once: posting it does not allocate

	outbound  buffer.Chain  // bytes not yet written, including those being written
	vecs      [][]byte      // handed over: outbound's blocks the writer is writing
	writing   bool          // the writer has vecs
	written   int64         // handed over: how much of vecs the writer wrote
	writeErr  error         // handed over: the error that stopped it
	kick      chan struct{} // tells the writer to write vecs; closed with the conn
	onWritten func()        // l.serveWritten(c), bound once

	err error // recorded during a callback, acted on after it (see settle)

	ctx        any
	localAddr  net.Addr
	remoteAddr net.Addr
}

// newConn prepares nc to be served on l with h (nil: the engine's).
func newConn(nc net.Conn, l *loop, h Handler) *conn {
	c := &conn{nc: nc, loop: l, h: h, localAddr: nc.LocalAddr(), remoteAddr: nc.RemoteAddr(),
		resume: make(chan struct{}, 1), kick: make(chan struct{}, 1)}
	c.udp = strings.HasPrefix(c.localAddr.Network(), "udp")
	c.onRead = func() { l.serveRead(c) }
	c.onWritten = func() { l.serveWritten(c) }
	if _, ok := nc.(*net.UnixConn); ok {
		// An accepted Unix socket's peer is usually unnamed; name it as
		// the unix engine does.
		if ua, _ := c.remoteAddr.(*net.UnixAddr); ua == nil || ua.Name == "" {
			c.remoteAddr = &net.UnixAddr{Name: "@", Net: "unix"}
		}
	}
	return c
}

// Write queues b for the writer goroutine: the loop never blocks on a
// socket, so every byte goes through the outbound buffer.
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
	if len(b) > 0 {
		c.buffer(b)
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
	for _, b := range bs {
		if len(b) > 0 {
			c.buffer(b)
		}
	}
	return total, nil
}

// sendTo sends one datagram from the loop. Unlike a stream write it needs
// no writer goroutine: a UDP send waits at most for the socket buffer to
// take one datagram.
func (c *conn) sendTo(b []byte) (int, error) {
	if c.packet {
		return c.pc.WriteTo(b, c.remoteAddr)
	}
	return c.nc.Write(b) // a dialed, connected UDP socket
}

// Fd returns -1: package net keeps descriptors to itself.
func (c *conn) Fd() int { return -1 }

// Yield does nothing here: this engine's loops wait on channels, which
// lets the runtime run other goroutines whenever they do.
func (c *conn) Yield() {}

// shutdownSocket sends the FIN (see shutdownWrite). Nothing is pending, so
// the writer is idle and the loop may call it.
func (c *conn) shutdownSocket() error {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return fmt.Errorf("%w: %T cannot shut down its sending side", ErrUnsupported, c.nc)
}

func (c *conn) LocalAddr() net.Addr  { return c.localAddr }
func (c *conn) RemoteAddr() net.Addr { return c.remoteAddr }

// SetRawRead is not available on the portable engine: its connections are
// read by goroutines of package net, not from readiness events.
func (c *conn) SetRawRead(on bool) error {
	if !on {
		return nil
	}
	return fmt.Errorf("%w: SetRawRead on the portable engine", ErrUnsupported)
}

// NotifyWritable is not available on the portable engine.
func (c *conn) NotifyWritable(AsyncCallback) error {
	return fmt.Errorf("%w: NotifyWritable on the portable engine", ErrUnsupported)
}

// NoteWritten has nothing to note on the portable engine, where handlers
// cannot write to the descriptor behind netloop's back.
func (c *conn) NoteWritten() {}

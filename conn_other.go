//go:build (!linux && !darwin && !freebsd) || netloop_netengine

package netloop

import (
	"errors"
	"io"
	"net"
	"sync/atomic"

	"github.com/netloop/netloop/buffer"
)

type connState uint8

const (
	connOpen    connState = iota
	connClosing           // closing once the outbound buffer is flushed
	connClosed
)

// conn is a stream connection served through package net, or one received
// datagram. The loop owns every field but closed; the fields marked
// "handed over" belong to the reader or writer goroutine between a hand-off
// and the task that hands them back.
type conn struct {
	nc    net.Conn       // stream
	pc    net.PacketConn // UDP: the socket replies go out on
	loop  *loop
	state connState
	udp   bool
	// closed mirrors state == connClosed for goroutines other than the
	// loop, so that their calls fail fast.
	closed atomic.Bool

	inbound buffer.Linear // unread bytes kept between OnTraffic calls
	view    []byte        // during OnTraffic: the unread bytes
	reading bool          // view is live (inside OnTraffic)
	paused  bool          // reading stopped: outbound is above the high water mark
	parked  bool          // the reader waits for resume, held back by paused
	ext     *connExt      // rarely used state, allocated on first use

	fresh   []byte        // handed over: the reader's last read
	readErr error         // handed over: the error that ended it
	resume  chan struct{} // tells the reader to read again; closed with the conn
	onRead  func()        // l.serveRead(c), bound once: posting it does not allocate

	outbound  buffer.Chain  // bytes not yet written, including those being written
	vecs      [][]byte      // handed over: outbound's blocks the writer is writing
	writing   bool          // the writer has vecs
	written   int64         // handed over: how much of vecs the writer wrote
	writeErr  error         // handed over: the error that stopped it
	flush     chan struct{} // tells the writer to write vecs; closed with the conn
	onWritten func()        // l.serveWritten(c), bound once

	err         error // recorded during a callback, acted on after it (see settle)
	closeReason error

	ctx        any
	localAddr  net.Addr
	remoteAddr net.Addr
}

func newConn(nc net.Conn, l *loop) *conn {
	c := &conn{nc: nc, loop: l, localAddr: nc.LocalAddr(), remoteAddr: nc.RemoteAddr(),
		resume: make(chan struct{}, 1), flush: make(chan struct{}, 1)}
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
	c.buffer(b)
	return len(b), nil
}

func (c *conn) Writev(bs [][]byte) (int, error) {
	if err := c.writable(); err != nil {
		return 0, err
	}
	total := 0
	for _, b := range bs {
		total += len(b)
	}
	if c.udp {
		return c.sendTo(joinBytes(bs, total))
	}
	if err := c.room(total); err != nil {
		return 0, err
	}
	for _, b := range bs {
		c.buffer(b)
	}
	return total, nil
}

// room fails a write of n bytes that would grow the outbound buffer past
// MaxOutbound.
func (c *conn) room(n int) error {
	if c.outbound.Len()+n > c.loop.eng.opts.MaxOutbound {
		return ErrOutboundFull
	}
	return nil
}

// buffer queues b for the writer and applies the water marks.
func (c *conn) buffer(b []byte) {
	if len(b) == 0 {
		return
	}
	l := c.loop
	stalled := c.outbound.Len() == 0
	c.outbound.Write(l.pool, b)
	if stalled {
		l.writeStalled(c) // after the write: the deadline counts only pending output
	}
	if !c.paused && c.outbound.Len() > c.highWater() {
		c.paused = true
		l.writability(c, false)
	}
	l.startWrite(c)
}

func joinBytes(bs [][]byte, total int) []byte {
	out := make([]byte, 0, total)
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func (c *conn) ReadFrom(r io.Reader) (int64, error) {
	buf := c.loop.pool.Get(32 << 10)
	defer c.loop.pool.Put(buf)
	var total int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return total, werr
			}
			total += int64(n)
		}
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// Flush starts the writer if it is idle; it cannot wait for the socket
// without blocking the loop.
func (c *conn) Flush() error {
	if c.state == connClosed {
		return ErrClosed
	}
	c.loop.startWrite(c)
	return nil
}

func (c *conn) OutboundBuffered() int { return c.outbound.Len() }

// writable reports why the connection cannot take more bytes, if it can't.
func (c *conn) writable() error {
	switch {
	case c.state != connOpen:
		return ErrClosed
	case c.err != nil:
		return c.err
	}
	return nil
}

// sendTo sends one datagram from the loop. Unlike a stream write it needs
// no writer goroutine: a UDP send waits at most for the socket buffer to
// take one datagram.
func (c *conn) sendTo(b []byte) (int, error) {
	return c.pc.WriteTo(b, c.remoteAddr)
}

func (c *conn) AsyncWrite(b []byte, cb AsyncCallback) error {
	if c.closed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{op: opWrite, c: c, b: b, cb: cb})
}

func (c *conn) AsyncWritev(bs [][]byte, cb AsyncCallback) error {
	if c.closed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{op: opWritev, c: c, bs: bs, cb: cb})
}

func (c *conn) Wake(cb AsyncCallback) error {
	if c.closed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{op: opWake, c: c, cb: cb})
}

func (c *conn) Close() error { return c.CloseWithCallback(nil) }

func (c *conn) CloseWithCallback(cb AsyncCallback) error {
	if c.udp {
		return ErrUnsupported
	}
	if c.closed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{op: opClose, c: c, cb: cb})
}

func (c *conn) Context() any         { return c.ctx }
func (c *conn) SetContext(ctx any)   { c.ctx = ctx }
func (c *conn) LocalAddr() net.Addr  { return c.localAddr }
func (c *conn) RemoteAddr() net.Addr { return c.remoteAddr }

// Fd returns -1: package net keeps descriptors to itself.
func (c *conn) Fd() int { return -1 }

func (c *conn) Writable() bool { return !c.paused }

func (c *conn) SetWriteWaterMarks(low, high int) error {
	if err := validWaterMarks(low, high, c.loop.eng.opts.MaxOutbound); err != nil {
		return err
	}
	e := c.extra()
	e.low, e.high = low, high
	return nil
}

func (c *conn) highWater() int {
	if c.ext != nil && c.ext.high > 0 {
		return c.ext.high
	}
	return c.loop.eng.opts.WriteHighWater
}

func (c *conn) lowWater() int {
	if c.ext != nil && c.ext.high > 0 {
		return c.ext.low
	}
	return c.loop.eng.opts.WriteLowWater
}

// connExt holds what most connections never use, so that an idle
// connection stays small.
type connExt struct {
	low, high      int // water marks overriding the engine's; high 0 = unset
	closeCallbacks []AsyncCallback
	timeouts
}

func (c *conn) extra() *connExt {
	if c.ext == nil {
		c.ext = &connExt{}
		c.ext.timer.Value = c
	}
	return c.ext
}

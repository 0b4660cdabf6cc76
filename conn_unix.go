//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/buffer"
	"github.com/netloop/netloop/internal/poller"
	"github.com/netloop/netloop/internal/socket"
)

type connState uint8

const (
	connOpen    connState = iota
	connClosing           // closing once the outbound buffer is flushed
	connClosed
	connConnecting // a dial in progress, not yet handed to the handler
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
	view     []byte          // during OnTraffic: the unread bytes
	reading  bool            // view is live (inside OnTraffic)
	outbound buffer.Chain    // bytes the kernel has not taken yet
	interest poller.Interest // what the poller watches for now
	eof      bool            // the peer has half-closed: nothing more to read
	paused   bool            // reading stopped: outbound is above the high water mark
	held     bool            // reading stopped by PauseReading
	shut     bool            // CloseWrite was called: FIN once outbound drains
	shutDone bool            // the FIN has been sent
	ext      *connExt        // rarely used state, allocated on first use

	err         error // socket error met by a write, acted on after the callback
	closeReason error

	ctx        any
	localAddr  net.Addr
	remoteAddr net.Addr
	peer       unix.Sockaddr // UDP: where replies go
}

func newStreamConn(fd int, ln *listener, sa unix.Sockaddr) *conn {
	c := &conn{fd: fd, localAddr: ln.addr, remoteAddr: socket.Addr(ln.network, sa)}
	// h is set by the loop that serves it: the engine's handler.
	if ln.wildcard {
		if lsa, err := unix.Getsockname(fd); err == nil {
			c.localAddr = socket.Addr(ln.network, lsa)
		}
	}
	if ln.network == "unix" {
		// An accepted Unix socket's peer is usually unnamed.
		c.remoteAddr = &net.UnixAddr{Name: "@", Net: "unix"}
		if ua, ok := sa.(*unix.SockaddrUnix); ok && ua.Name != "" {
			c.remoteAddr = &net.UnixAddr{Name: ua.Name, Net: "unix"}
		}
	}
	return c
}

// unread returns the bytes a handler can read now.
func (c *conn) unread() []byte {
	if c.reading {
		return c.view
	}
	return c.inbound.Bytes()
}

func (c *conn) consume(n int) {
	if c.reading {
		c.view = c.view[n:]
		return
	}
	c.inbound.Discard(c.loop.pool, n)
}

func (c *conn) Peek(n int) ([]byte, error) {
	b := c.unread()
	if n < 0 {
		return b, nil
	}
	if n > len(b) {
		return b, io.ErrShortBuffer
	}
	return b[:n], nil
}

func (c *conn) Next(n int) ([]byte, error) {
	b, err := c.Peek(n)
	c.consume(len(b))
	return b, err
}

func (c *conn) Discard(n int) (int, error) {
	b := c.unread()
	if n < 0 || n > len(b) {
		n = len(b)
	}
	c.consume(n)
	return n, nil
}

func (c *conn) InboundBuffered() int { return len(c.unread()) }

func (c *conn) Read(p []byte) (int, error) {
	b := c.unread()
	if len(b) == 0 {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := copy(p, b)
	c.consume(n)
	return n, nil
}

func (c *conn) WriteTo(w io.Writer) (int64, error) {
	b := c.unread()
	n, err := w.Write(b)
	c.consume(n)
	return int64(n), err
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

// room fails a write of n bytes that would grow the outbound buffer past
// MaxOutbound.
func (c *conn) room(n int) error {
	if c.outbound.Len()+n > c.loop.eng.opts.MaxOutbound {
		return ErrOutboundFull
	}
	return nil
}

// buffer keeps b for the next flush and applies the water marks.
func (c *conn) buffer(b []byte) {
	l := c.loop
	wasEmpty := c.outbound.Len() == 0
	c.outbound.Write(l.pool, b)
	if wasEmpty {
		l.writeStalled(c)
	}
	if !c.paused && c.outbound.Len() > c.highWater() {
		c.paused = true
		l.writability(c, false)
	}
	l.watch(c)
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
	n := 0
	if c.outbound.Len() == 0 {
		var err error
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

func (c *conn) Flush() error {
	if c.state == connClosed {
		return ErrClosed
	}
	if c.outbound.Len() > 0 {
		c.loop.flush(c)
	}
	return c.err
}

func (c *conn) OutboundBuffered() int { return c.outbound.Len() }

// writable reports why the connection cannot take more bytes, if it can't.
func (c *conn) writable() error {
	switch {
	case c.state != connOpen || c.shut:
		return ErrClosed
	case c.err != nil:
		return c.err
	}
	return nil
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
	if c.packet {
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
func (c *conn) Fd() int              { return c.fd }

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
	// A dial in progress: where to, when to give up, whom to tell.
	dialing   endpoint
	connectBy time.Duration
	done      dialDone
}

func (c *conn) extra() *connExt {
	if c.ext == nil {
		c.ext = &connExt{}
		c.ext.timer.Value = c
	}
	return c.ext
}

func (c *conn) CloseWrite() error {
	if c.packet || c.state != connOpen {
		return ErrClosed
	}
	c.shut = true
	if c.outbound.Len() == 0 {
		c.loop.shutdownWrite(c)
	}
	return c.err
}

func (c *conn) PauseReading() {
	c.held = true
	if !c.packet {
		c.loop.watch(c)
	}
}

func (c *conn) ResumeReading() {
	c.held = false
	if !c.packet {
		c.loop.watch(c)
	}
}

package netloop

import "io"

// The reading side of a connection, the same in both engines: a handler
// sees a view of the fresh bytes, and what it leaves unread is kept in the
// inbound buffer until the next OnTraffic.

// While OnTraffic runs, the bytes it sees are the loop's view (kept on the
// loop, not the connection: only one connection is being read at a time,
// and every byte of an idle connection's struct counts).

// unread returns the bytes a handler can read now.
func (c *conn) unread() []byte {
	if l := c.loop; l.reader == c {
		return l.view
	}
	return c.inbound.Bytes()
}

func (c *conn) consume(n int) {
	if l := c.loop; l.reader == c {
		l.view = l.view[n:]
		return
	}
	c.consumeInbound(n)
}

// consumeInbound is consume's slow path, kept apart so that consume
// inlines.
func (c *conn) consumeInbound(n int) { c.inbound.Discard(c.loop.pool, n) }

// datagram shows the handler one datagram through c.
func (l *loop) datagram(c *conn, b []byte) Action {
	l.reader, l.view = c, b
	a := l.onTraffic(c)
	l.reader, l.view = nil, nil
	return a
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

// traffic hands fresh bytes to OnTraffic and keeps what it left unread.
// Only the unread remainder is copied (invariant 3), so a connection that
// consumes what it reads holds no inbound memory.
func (l *loop) traffic(c *conn, fresh []byte) {
	fromInbound := c.inbound.Len() > 0
	view := fresh
	if fromInbound {
		c.inbound.Write(l.pool, fresh)
		view = c.inbound.Bytes()
	}
	prevReader, prevView := l.reader, l.view // in case of a nested read
	l.reader, l.view = c, view
	action := l.onTraffic(c)
	view = l.view
	l.reader, l.view = prevReader, prevView
	if fromInbound {
		c.inbound.Discard(l.pool, c.inbound.Len()-len(view))
	} else if len(view) > 0 && c.state != connClosed && !c.udp {
		// (A datagram's unread rest is dropped, as UDP reads do.)
		c.inbound.Write(l.pool, view)
	}
	if c.inbound.Len() > l.eng.opts.MaxInbound && c.err == nil {
		c.err = ErrInboundFull
	}
	l.settle(c, action)
}

// peerEOF handles the peer's FIN: close (after flushing) with io.EOF,
// unless the handler keeps half-closed connections open.
func (l *loop) peerEOF(c *conn) {
	c.eof = true
	hc, ok := c.h.(HalfCloseHandler)
	if !ok || c.shutDone {
		l.closeConn(c, io.EOF)
		return
	}
	l.watch(c)
	l.settle(c, l.onEOF(hc, c))
}

package netloop

import (
	"errors"
	"io"
)

// The writing side of a connection that both engines share: the outbound
// buffer with its limit and water marks, and the half-close. How bytes
// reach the socket (l.flush, l.watch) is each engine's own.

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

// flushed acts on output that has drained or made progress: a closing
// connection closes once it is empty, a CloseWrite sends its FIN, and the
// connection turns writable again at the low water mark.
func (l *loop) flushed(c *conn) {
	if c.outbound.Len() == 0 && c.state == connClosing {
		l.finish(c, c.ext.closeReason)
		return
	}
	if c.outbound.Len() == 0 && c.shut {
		l.shutdownWrite(c)
		if c.state == connClosed {
			return
		}
	}
	if c.paused && c.outbound.Len() <= c.lowWater() {
		c.paused = false
		l.writability(c, true)
	}
	l.watch(c)
}

func (c *conn) Writable() bool { return !c.paused }

func (c *conn) SetPauseOnHighWater(on bool) {
	c.extra().keepReading = !on
	if !c.packet {
		c.loop.watch(c)
	}
}

// readStopped reports whether netloop must not read from c now: the
// handler paused it, or its output is above the high water mark (unless
// the handler asked to keep reading then).
func (c *conn) readStopped() bool {
	return c.held || (c.paused && (c.ext == nil || !c.ext.keepReading))
}

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

// writability reports a water-mark crossing to handlers that ask for it.
func (l *loop) writability(c *conn, writable bool) {
	if w, ok := c.h.(WritabilityHandler); ok {
		l.onWritability(w, c, writable)
	}
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

// shutdownWrite sends the FIN that CloseWrite asked for, now that nothing
// is pending; a connection done both ways then closes.
func (l *loop) shutdownWrite(c *conn) {
	if c.shutDone {
		return
	}
	c.shutDone = true
	if err := c.shutdownSocket(); err != nil && c.err == nil {
		c.err = err
	}
	if c.eof {
		l.closeConn(c, io.EOF)
	}
}

// writevSize checks that a Writev of bs may go ahead and returns its size.
func (c *conn) writevSize(bs [][]byte) (int, error) {
	if err := c.writable(); err != nil {
		return 0, err
	}
	total := 0
	for _, b := range bs {
		total += len(b)
	}
	if !c.udp {
		if err := c.room(total); err != nil {
			return 0, err
		}
	}
	return total, nil
}

//go:build (!linux && !darwin && !freebsd) || netloop_netengine

package netloop

import "io"

// The reading side of Conn is the same as the unix engine's, line for line:
// both keep a handler's view of fresh bytes and an inbound buffer for the
// rest.

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

//go:build (!linux && !darwin && !freebsd) || netloop_netengine

package netloop

import (
	"errors"
	"io"
	"net"

	"github.com/netloop/netloop/buffer"
)

// maxVectors bounds the blocks handed to the writer at once.
const maxVectors = 1024

// firstReadSize is a connection's first read buffer. It doubles while
// reads fill it, up to ReadBufferSize, so idle connections stay cheap.
const firstReadSize = 4 << 10

// readLoop is a connection's reader goroutine. It hands each read to the
// loop and waits until the loop is done with it before reading again: the
// buffer is reused, and a handler that falls behind slows the reads
// instead of growing memory.
func (c *conn) readLoop() {
	limit := c.loop.eng.opts.ReadBufferSize
	buf := make([]byte, min(firstReadSize, limit))
	for {
		n, err := c.nc.Read(buf)
		c.fresh, c.readErr = buf[:n], err
		if c.loop.post(task{op: opFunc, fn: c.onRead}) != nil || err != nil {
			return
		}
		if _, ok := <-c.resume; !ok {
			return
		}
		if n == len(buf) && len(buf) < limit {
			buf = make([]byte, min(2*len(buf), limit))
		}
	}
}

// serveRead hands the reader's bytes to the handler, then lets it read
// again or ends the connection as the read did.
func (l *loop) serveRead(c *conn) {
	if c.state == connClosed {
		return
	}
	fresh, err := c.fresh, c.readErr
	c.fresh, c.readErr = nil, nil
	if len(fresh) > 0 && c.state == connOpen {
		c.readAt(l.now)
		l.traffic(c, fresh)
	}
	switch {
	case c.state == connClosed:
	case err == nil:
		l.resumeReader(c)
	case errors.Is(err, io.EOF):
		// The peer may still read what is pending; a closing conn
		// simply stops reading.
		l.closeConn(c, io.EOF)
	default:
		l.finish(c, err)
	}
}

// traffic hands fresh bytes to OnTraffic and keeps what it left unread.
// Only the unread remainder is copied, so a connection that consumes what
// it reads holds no inbound memory beyond its read buffer.
func (l *loop) traffic(c *conn, fresh []byte) {
	fromInbound := c.inbound.Len() > 0
	if fromInbound {
		c.inbound.Write(l.pool, fresh)
		c.view = c.inbound.Bytes()
	} else {
		c.view = fresh
	}
	c.reading = true
	action := l.onTraffic(c)
	c.reading = false
	if fromInbound {
		c.inbound.Discard(l.pool, c.inbound.Len()-len(c.view))
	} else if len(c.view) > 0 && c.state != connClosed {
		c.inbound.Write(l.pool, c.view)
	}
	c.view = nil
	if c.inbound.Len() > l.eng.opts.MaxInbound && c.err == nil {
		c.err = ErrInboundFull
	}
	l.settle(c, action)
}

// resumeReader lets the reader read again, unless the connection's output
// is above its high water mark (backpressure): then the reader stays
// parked until serveWritten has drained it to the low mark.
func (l *loop) resumeReader(c *conn) {
	if c.paused && c.state == connOpen {
		c.parked = true
		return
	}
	c.parked = false
	c.resume <- struct{}{}
}

// writeLoop is a connection's writer goroutine: a slow peer blocks it, not
// the loop. It writes the blocks it is handed with one writev(2) where the
// system has one, and reports back.
func (c *conn) writeLoop() {
	for range c.flush {
		bufs := net.Buffers(c.vecs) // WriteTo consumes its own copy
		c.written, c.writeErr = bufs.WriteTo(c.nc)
		if c.loop.post(task{op: opFunc, fn: c.onWritten}) != nil {
			return
		}
	}
}

// startWrite hands the outbound bytes to the writer unless it is busy; it
// gets the rest when it reports back. Blocks appended meanwhile do not
// overlap the bytes it holds, and none goes back to the pool until it is
// done with them.
func (l *loop) startWrite(c *conn) {
	if c.writing || c.outbound.Len() == 0 || c.state == connClosed {
		return
	}
	c.writing = true
	c.vecs = c.outbound.Vectors(c.vecs[:0], maxVectors)
	c.flush <- struct{}{}
}

// serveWritten takes the writer's report: drop what it wrote, then hand it
// more, finish a closing connection, or end a failed one.
func (l *loop) serveWritten(c *conn) {
	c.writing = false
	clear(c.vecs)
	if c.state == connClosed {
		return
	}
	if c.written > 0 {
		c.wroteAt(l.now)
		c.outbound.Discard(l.pool, int(c.written))
		l.writeStalled(c)
	}
	switch {
	case c.writeErr != nil:
		l.finish(c, c.writeErr)
		return
	case c.outbound.Len() > 0:
		l.startWrite(c)
	case c.state == connClosing:
		l.finish(c, c.closeReason)
		return
	}
	if c.paused && c.outbound.Len() <= c.lowWater() {
		c.paused = false
		l.writability(c, true)
		if c.parked && c.state == connOpen {
			l.resumeReader(c)
		}
	}
}

// writability reports a water-mark crossing to handlers that ask for it.
func (l *loop) writability(c *conn, writable bool) {
	if l.writable != nil {
		l.onWritability(c, writable)
	}
}

// closeConn closes c once its pending writes are flushed. reason is what
// OnClose will report.
func (l *loop) closeConn(c *conn, reason error) {
	if c.state != connOpen {
		return
	}
	if c.outbound.Len() == 0 {
		l.finish(c, reason)
		return
	}
	// The writer has the bytes; serveWritten finishes once they are out.
	// Meanwhile the reader reads again, whatever the water marks say, to
	// notice a reset.
	c.state = connClosing
	c.closeReason = reason
	if c.parked {
		l.resumeReader(c)
	}
}

// finish closes c's socket now and reports it to the handler, once.
// Closing the socket also ends a read or write in progress, so the reader
// and writer goroutines return.
func (l *loop) finish(c *conn, reason error) {
	if c.state == connClosed {
		return
	}
	c.state = connClosed
	c.closed.Store(true)
	delete(l.conns, c)
	c.nc.Close()
	close(c.resume)
	close(c.flush)
	c.inbound.Reset(l.pool)
	if c.writing {
		// The writer may still read these blocks: leave them to the
		// garbage collector rather than the pool.
		c.outbound = buffer.Chain{}
	} else {
		c.outbound.Reset(l.pool)
	}
	if c.ext != nil {
		l.wheel.Cancel(&c.ext.timer)
	}
	l.load.Add(-1)
	l.eng.connCount.Add(-1)
	if l.onClose(c, reason) == Shutdown {
		l.eng.shutdownAsync()
	}
	l.runCloseCallbacks(c)
}

func (l *loop) runCloseCallbacks(c *conn) {
	if c.ext == nil {
		return
	}
	cbs := c.ext.closeCallbacks
	c.ext.closeCallbacks = nil
	for _, cb := range cbs {
		l.callback(cb, c, nil)
	}
}

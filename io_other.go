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

// firstReadSize is a stream connection's first read buffer. It doubles
// while reads fill it, up to ReadBufferSize, so idle connections stay
// cheap.
const firstReadSize = 4 << 10

// readLoop is a connection's reader goroutine. It hands each read to the
// loop and waits until the loop lets it read again: the buffer is reused,
// and a handler that falls behind (or stops reading) slows the reads
// instead of growing memory.
func (c *conn) readLoop() {
	limit := c.loop.eng.opts.ReadBufferSize
	size := min(firstReadSize, limit)
	if c.udp {
		size = limit // a datagram larger than the buffer would be cut
	}
	buf := make([]byte, size)
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

// serveRead takes the reader's report: hand its bytes to the handler,
// then let it read again or end the connection as the read did. While
// reading is stopped the report waits, and watch serves it later.
func (l *loop) serveRead(c *conn) {
	if c.state == connClosed {
		return
	}
	if c.eof || c.readStopped() {
		c.parked, c.heldBack = true, true
		return
	}
	fresh, err := c.fresh, c.readErr
	c.fresh, c.readErr, c.heldBack = nil, nil, false
	if len(fresh) > 0 && c.state == connOpen {
		c.readAt(l.now)
		l.traffic(c, fresh)
	}
	// Only now may the reader reuse its buffer: OnTraffic is done with it.
	c.parked = true
	switch {
	case c.state == connClosed:
	case err == nil:
		l.watch(c)
	case errors.Is(err, io.EOF) && c.state == connClosing:
		// The peer may still read what we flush.
		c.eof = true
	case errors.Is(err, io.EOF):
		l.peerEOF(c)
	default:
		l.finish(c, err)
	}
}

// watch lets c's helper goroutines do what c waits for now: the writer
// writes pending output, and the reader reads unless the peer is done
// sending or reading is stopped.
func (l *loop) watch(c *conn) {
	if c.state == connClosed {
		return
	}
	l.flush(c)
	if !c.parked || c.eof || c.readStopped() {
		return
	}
	c.parked = false
	if c.heldBack {
		// Serve the read that waited, as a task: watch may run inside
		// a callback, which must not see OnTraffic nested in it.
		l.post(task{op: opFunc, fn: c.onRead})
		return
	}
	c.resume <- struct{}{}
}

// writeLoop is a connection's writer goroutine: a slow peer blocks it, not
// the loop. It writes the blocks it is handed with one writev(2) where the
// system has one, and reports back.
func (c *conn) writeLoop() {
	for range c.kick {
		bufs := net.Buffers(c.vecs) // WriteTo consumes its own copy
		c.written, c.writeErr = bufs.WriteTo(c.nc)
		if c.loop.post(task{op: opFunc, fn: c.onWritten}) != nil {
			return
		}
	}
}

// flush hands the outbound bytes to the writer unless it is busy; it gets
// the rest when it reports back. Blocks appended meanwhile do not overlap
// the bytes it holds, and none goes back to the pool until it is done
// with them.
func (l *loop) flush(c *conn) {
	if c.writing || c.outbound.Len() == 0 || c.state == connClosed {
		return
	}
	c.writing = true
	c.vecs = c.outbound.Vectors(c.vecs[:0], maxVectors)
	c.kick <- struct{}{}
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
	if c.writeErr != nil {
		l.finish(c, c.writeErr)
		return
	}
	l.flushed(c)
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
	close(c.kick)
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

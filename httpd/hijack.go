package httpd

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netloop/netloop"
)

// A net/http handler can take its connection over (http.Hijacker), as a
// WebSocket library does after its upgrade response. From then on the
// connection is a byte stream both ways: what the client sends goes, as
// the loop reads it, into a bodyStream the handler's net.Conn reads (with
// the same backpressure as a request body), and the handler's writes go
// out with Conn.AsyncWritev, each waiting until the loop has taken it
// and the connection is writable again, as a response's do.

// Hijack takes the connection over (http.Hijacker). A status and header
// written before are sent first. What the client has sent after the
// request is the first the returned connection reads; as in net/http,
// the request's body must not be used after Hijack (of a body still
// streaming, the bytes the server has not yet passed to it go to the
// connection). The response writer is done: its methods fail with
// http.ErrHijacked, and the server leaves the connection to the caller,
// who must close it.
func (w *stdResponse) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	switch {
	case w.hijacked:
		return nil, nil, http.ErrHijacked
	case w.finished:
		return nil, nil, errors.New("httpd: Hijack after the handler returned")
	case w.err != nil:
		return nil, nil, w.err
	}
	if w.wroteHeader {
		if err := w.send(false); err != nil {
			return nil, nil, err
		}
	}
	ex := w.ex
	in := newBodyStream(ex.c, net.ErrClosed)
	taken := make(chan error, 1)
	err := ex.c.Wake(func(c netloop.Conn, err error) {
		ss, _ := c.Context().(*session)
		if err == nil && (ss == nil || ss.ex != ex) {
			err = net.ErrClosed
		}
		if err == nil {
			ss.takeOver(c, in)
		}
		taken <- err
	})
	if err == nil {
		err = <-taken
	}
	if err != nil {
		return nil, nil, connError(err)
	}
	w.hijacked = true
	hc := &hijackedConn{ex: ex, in: in}
	return hc, bufio.NewReadWriter(bufio.NewReader(hc), bufio.NewWriter(hc)), nil
}

// takeOver hands the connection to the hijacking handler (loop).
func (ss *session) takeOver(c netloop.Conn, in *bodyStream) {
	if ss.stream != nil {
		// The body's rest, framing and all, is the hijacker's now.
		ss.stream.end(http.ErrHijacked, nil)
		ss.stream = nil
	}
	ss.tunnel = in
	ss.bodyDeadline = 0
	ss.setActive(false) // Shutdown does not wait for hijacked connections
	c.SetReadTimeout(0)
	c.SetIdleTimeout(0)
	c.ResumeReading()
	ss.feedTunnel(c)
}

// feedTunnel moves what the client has sent into a hijacked connection's
// stream (loop).
func (ss *session) feedTunnel(c netloop.Conn) {
	buf, _ := c.Peek(-1)
	full, woke := ss.tunnel.push(buf)
	c.Discard(len(buf))
	if full {
		c.PauseReading()
	}
	if woke {
		c.Yield()
	}
}

// hijackedConn is the net.Conn of a hijacked connection.
type hijackedConn struct {
	ex *exchange
	in *bodyStream

	wmu        sync.Mutex   // one write at a time: the exchange has one acknowledgement
	ackPending bool         // a write timed out before the loop acknowledged it
	wdeadline  atomic.Int64 // writes give up then (UnixNano); 0: never
	closed     atomic.Bool
}

func (h *hijackedConn) Read(p []byte) (int, error) { return h.in.Read(p) }

// Write sends p, waiting until the loop has taken it and the connection
// can take more: a client that does not read slows the writer down. p is
// copied, so that a write given up at its deadline leaves p to the caller.
func (h *hijackedConn) Write(p []byte) (int, error) {
	h.wmu.Lock()
	defer h.wmu.Unlock()
	if h.closed.Load() {
		return 0, net.ErrClosed
	}
	if h.ackPending {
		if err := h.waitAck(); err != nil {
			return 0, err
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	ex := h.ex
	if ex.ack == nil {
		ex.ack = make(chan error, 1)
	}
	if err := ex.c.AsyncWritev([][]byte{bytes.Clone(p)}, ex.taken); err != nil {
		return 0, connError(err)
	}
	h.ackPending = true
	if err := h.waitAck(); err != nil {
		return 0, err
	}
	return len(p), nil
}

// waitAck waits for the acknowledgement of the write in flight, or for
// the write deadline.
func (h *hijackedConn) waitAck() error {
	var timeout <-chan time.Time
	if d := h.wdeadline.Load(); d != 0 {
		left := time.Until(time.Unix(0, d))
		if left <= 0 {
			return os.ErrDeadlineExceeded
		}
		t := time.NewTimer(left)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case err := <-h.ex.ack:
		h.ackPending = false
		return connError(err)
	case <-timeout:
		return os.ErrDeadlineExceeded
	}
}

// Close closes the connection once what has been written is sent.
func (h *hijackedConn) Close() error {
	if h.closed.Swap(true) {
		return net.ErrClosed
	}
	h.in.Close()
	return connError(h.ex.c.Close())
}

func (h *hijackedConn) LocalAddr() net.Addr  { return h.ex.c.LocalAddr() }
func (h *hijackedConn) RemoteAddr() net.Addr { return h.ex.c.RemoteAddr() }

func (h *hijackedConn) SetDeadline(t time.Time) error {
	h.SetReadDeadline(t)
	return h.SetWriteDeadline(t)
}

func (h *hijackedConn) SetReadDeadline(t time.Time) error {
	h.in.setDeadline(t)
	return nil
}

// SetWriteDeadline bounds the writes that start from now on.
func (h *hijackedConn) SetWriteDeadline(t time.Time) error {
	var d int64
	if !t.IsZero() {
		d = t.UnixNano()
	}
	h.wdeadline.Store(d)
	return nil
}

// connError turns netloop's ErrClosed into net's, which is what users
// of a net.Conn test for.
func connError(err error) error {
	if errors.Is(err, netloop.ErrClosed) {
		return net.ErrClosed
	}
	return err
}

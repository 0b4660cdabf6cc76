package httpd

import (
	"bufio"
	"bytes"
	"errors"
	"io"
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
// out with Conn.AsyncWritev behind the writer, which waits only once
// Options.StreamWindow bytes are unacknowledged (not yet taken by the
// loop, or taken while the client is not reading).

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
	window := ex.s.opts.StreamWindow
	hc := &hijackedConn{ex: ex, in: newBodyStream(ex.c, window, net.ErrClosed), window: int64(window), drained: make(chan struct{}, 1)}
	taken := make(chan error, 1)
	err := ex.c.Wake(func(c netloop.Conn, err error) {
		ss, _ := c.Context().(*session)
		if err == nil && (ss == nil || ss.ex != ex) {
			err = net.ErrClosed
		}
		if err == nil {
			ss.takeOver(c, hc)
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
	return hc, bufio.NewReadWriter(bufio.NewReader(hc), bufio.NewWriter(hc)), nil
}

// takeOver hands the connection to the hijacking handler (loop).
func (ss *session) takeOver(c netloop.Conn, hc *hijackedConn) {
	if ss.stream != nil {
		// The body's rest, framing and all, is the hijacker's now.
		ss.stream.end(http.ErrHijacked, nil)
		ss.stream = nil
	}
	ss.hijacked = hc
	ss.bodyDeadline = 0
	ss.setActive(false) // Shutdown does not wait for hijacked connections
	c.SetReadTimeout(0)
	c.SetIdleTimeout(0)
	// The two directions are independent now: output piling up (the
	// write budget bounds it) must not stop the reading, as it does for
	// request-response traffic, or a client that sends everything
	// before it reads would wait for ever.
	c.SetPauseOnHighWater(false)
	ss.heldBack = false
	c.ResumeReading()
	ss.feedTunnel(c)
	if ss.eof {
		hc.in.end(io.EOF, nil) // the client's FIN came before the hijack
	}
}

// feedTunnel moves what the client has sent into a hijacked connection's
// stream (loop).
func (ss *session) feedTunnel(c netloop.Conn) {
	buf, _ := c.Peek(-1)
	full, woke := ss.hijacked.in.push(buf)
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
	ex     *exchange
	in     *bodyStream
	window int64 // written bytes that may be on their way (posted to the loop, or taken by it while the connection is above its high water mark) before a Write waits

	wmu       sync.Mutex            // one write at a time
	inflight  atomic.Int64          // bytes written and not yet acknowledged
	werr      atomic.Pointer[error] // why the connection failed a write
	drained   chan struct{}         // signalled as bytes are acknowledged
	wdeadline atomic.Int64          // writes give up waiting then (UnixNano); 0: never
	blocked   atomic.Bool           // a write waits in waitDrained (tests watch it)
	closed    atomic.Bool
	deferred  int64 // loop: bytes taken while the connection was not writable
}

func (h *hijackedConn) Read(p []byte) (int, error) { return h.in.Read(p) }

// Write sends a copy of p. It returns once the bytes are on their way:
// only when window bytes are still unacknowledged, the loop not
// having taken them or the client not reading, does it wait, so a client
// that does not read slows the writer down. An error of an earlier
// write, such as the connection closing, fails the next one.
func (h *hijackedConn) Write(p []byte) (int, error) {
	h.wmu.Lock()
	defer h.wmu.Unlock()
	for {
		if h.closed.Load() {
			return 0, net.ErrClosed
		}
		if err := h.werr.Load(); err != nil {
			return 0, *err
		}
		if h.inflight.Load() < h.window || len(p) == 0 {
			break
		}
		if err := h.waitDrained(); err != nil {
			return 0, err
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	n := int64(len(p))
	h.inflight.Add(n)
	err := h.ex.c.AsyncWritev([][]byte{bytes.Clone(p)}, func(c netloop.Conn, err error) {
		switch {
		case err != nil:
			h.fail(err)
		case !c.Writable():
			h.deferred += n // acknowledged by OnWritabilityChanged
		default:
			h.acknowledge(n)
		}
	})
	if err != nil {
		h.inflight.Add(-n)
		return 0, connError(err)
	}
	return len(p), nil
}

// waitDrained waits for bytes to be acknowledged, for the write
// deadline, or for a change (Close, SetWriteDeadline) that the caller
// must look at.
func (h *hijackedConn) waitDrained() error {
	h.blocked.Store(true)
	defer h.blocked.Store(false)
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
	case <-h.drained:
		return nil
	case <-timeout:
		return os.ErrDeadlineExceeded
	}
}

// acknowledge credits n bytes back to the writer (loop).
func (h *hijackedConn) acknowledge(n int64) {
	if h.inflight.Add(-n) < h.window {
		h.nudge()
	}
}

// nudge wakes a writer waiting in waitDrained.
func (h *hijackedConn) nudge() {
	select {
	case h.drained <- struct{}{}:
	default:
	}
}

// writable acknowledges the bytes taken while the connection was not
// writable (loop).
func (h *hijackedConn) writable() {
	n := h.deferred
	h.deferred = 0
	h.acknowledge(n)
}

// fail records why the connection can take no more writes (loop).
func (h *hijackedConn) fail(err error) {
	err = connError(err)
	h.werr.CompareAndSwap(nil, &err)
	h.nudge()
}

// hijackCloseTimeout bounds how long a closed hijacked connection may
// take to send what was written before Close while the client reads
// nothing.
const hijackCloseTimeout = 5 * time.Second

// Close unblocks the connection's reads and writes and closes it once
// what has been written is sent (within hijackCloseTimeout of no
// progress).
func (h *hijackedConn) Close() error {
	if h.closed.Swap(true) {
		return net.ErrClosed
	}
	h.in.Close()
	h.nudge()
	h.ex.c.Wake(func(c netloop.Conn, err error) {
		if err == nil {
			c.SetWriteTimeout(hijackCloseTimeout)
		}
	})
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

// SetWriteDeadline bounds writes, one waiting now included.
func (h *hijackedConn) SetWriteDeadline(t time.Time) error {
	var d int64
	if !t.IsZero() {
		d = t.UnixNano()
	}
	h.wdeadline.Store(d)
	h.nudge()
	return nil
}

// connError turns netloop's ErrClosed (and ErrEngineShutdown) into
// net's, which is what users of a net.Conn test for.
func connError(err error) error {
	if errors.Is(err, netloop.ErrClosed) || errors.Is(err, netloop.ErrEngineShutdown) {
		return net.ErrClosed
	}
	return err
}

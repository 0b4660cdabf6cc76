package loadgen

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// errPeerClosed is the error recorded when a read returns EOF.
var errPeerClosed = errors.New("connection closed by peer")

// Per-event I/O bounds: with level-triggered epoll, anything left over is
// reported again on the next wait, so stopping early costs nothing and keeps
// one busy connection from starving the others in the same worker.
const (
	maxReadsPerEvent  = 4
	maxWritesPerEvent = 4
	ioBufSize         = 64 << 10
)

// conn is one load connection. It is owned by exactly one worker and only
// touched by that worker's goroutine.
type conn struct {
	fd     int
	local  int32 // index in worker.conns, the epoll user data
	idx    int   // connection number in connect order, used in reports
	slot   int   // position among the established connections (open-loop schedule)
	stream streamKey

	sent     int64 // stream bytes written
	recv     int64 // stream bytes read back and verified
	released int64 // messages allowed to be sent so far

	// ring holds, for closed loop, the release time of each message in
	// flight, indexed by message number modulo the pipeline depth.
	ring []int64

	wantOut bool // EPOLLOUT is in the interest set
	dirty   bool // queued in worker.dirty
	curBad  bool // the message being received already failed verification
	dead    bool
}

// onReadable drains what the socket has (up to maxReadsPerEvent reads),
// verifies it and completes messages.
func (w *worker) onReadable(c *conn) {
	for range maxReadsPerEvent {
		n, err := unix.Read(c.fd, w.rbuf)
		switch {
		case err == unix.EAGAIN:
			return
		case err == unix.EINTR:
			continue
		case err != nil:
			w.fail(c, fmt.Errorf("read: %w", err))
			return
		case n == 0:
			w.fail(c, errPeerClosed)
			return
		}
		// One timestamp per read: the data became visible to us at this
		// moment, and a clock read is cheap next to the syscall.
		if !w.onData(c, w.rbuf[:n], w.now()) {
			return
		}
		if n < len(w.rbuf) {
			return // drained; skip the read that would just say EAGAIN
		}
	}
}

// onData verifies b, which continues c's echoed stream, and completes every
// message it finishes. It returns false if c was closed.
func (w *worker) onData(c *conn, b []byte, now int64) bool {
	excess := c.recv + int64(len(b)) - c.sent
	if excess > 0 {
		b = b[:len(b)-int(excess)]
	}
	size := w.pat.size
	for len(b) > 0 {
		m := c.recv / size
		end := (m + 1) * size
		n := int(min(int64(len(b)), end-c.recv))
		if !c.curBad {
			if i, want := w.pat.verify(c.stream, b[:n], c.recv); i >= 0 {
				c.curBad = true
				w.verifyFail(c, VerifyFailure{Conn: c.idx, Offset: c.recv + int64(i), Want: want, Got: b[i]})
			}
		}
		c.recv += int64(n)
		b = b[n:]
		if c.recv == end {
			w.complete(c, m, now)
		}
	}
	if excess > 0 {
		// The server sent bytes we never wrote: the stream can no longer
		// be trusted, so count it and drop the connection.
		w.verifyFail(c, VerifyFailure{Conn: c.idx, Offset: c.sent, Reason: fmt.Sprintf("echo has %d more bytes than were sent", excess)})
		w.closeConn(c)
		return false
	}
	return true
}

// complete accounts for message m of c, whose echo has fully arrived.
func (w *worker) complete(c *conn, m, now int64) {
	var intended int64
	if w.open {
		intended = w.due(m, c.slot)
	} else {
		slot := &c.ring[m%int64(len(c.ring))]
		intended = *slot
		// The window slides: message m+pipeline is released now and
		// reuses m's ring slot.
		*slot = now
		c.released++
	}
	if c.curBad {
		c.curBad = false // already counted as a verify error
	} else if now >= w.measureNs && now < w.endNs {
		w.hist.Record(time.Duration(now - intended))
		w.messages++
		w.bytes += uint64(w.pat.size)
	}
}

// flush writes released but unsent stream bytes until done, the socket
// buffer is full, or the per-event bound is hit; the latter two arm EPOLLOUT.
func (w *worker) flush(c *conn) {
	limit := c.released * w.pat.size
	for range maxWritesPerEvent {
		if c.sent >= limit {
			w.setWantOut(c, false)
			return
		}
		chunk := w.wbuf[:min(limit-c.sent, int64(len(w.wbuf)))]
		// Regenerating from the stream offset means a partial write needs
		// no per-connection buffer: the rest is regenerated next time.
		w.pat.fill(c.stream, chunk, c.sent)
		n, err := unix.Write(c.fd, chunk)
		switch {
		case err == unix.EAGAIN:
			w.setWantOut(c, true)
			return
		case err == unix.EINTR:
			continue
		case err != nil:
			w.fail(c, fmt.Errorf("write: %w", err))
			return
		}
		c.sent += int64(n)
		if n < len(chunk) {
			w.setWantOut(c, true) // socket buffer is full
			return
		}
	}
	w.setWantOut(c, c.sent < limit)
}

// setWantOut adds or removes EPOLLOUT interest. With level-triggered epoll
// it must only be present while there is something to write, or every wait
// would return immediately for an idle writable socket.
func (w *worker) setWantOut(c *conn, on bool) {
	if c.dead || c.wantOut == on {
		return
	}
	ev := &w.ctlEvent
	ev.Events = connEvents
	if on {
		ev.Events |= unix.EPOLLOUT
	}
	ev.Fd = c.local
	if err := unix.EpollCtl(w.epfd, unix.EPOLL_CTL_MOD, c.fd, ev); err != nil {
		w.fail(c, fmt.Errorf("epoll_ctl: %w", err))
		return
	}
	c.wantOut = on
}

// connEvents is the base interest set of a connection.
const connEvents = unix.EPOLLIN | unix.EPOLLRDHUP

// fail records a connection error by kind and closes the connection.
func (w *worker) fail(c *conn, err error) {
	switch {
	case errors.Is(err, unix.ECONNRESET), errors.Is(err, unix.EPIPE):
		w.errs.Reset++
	case errors.Is(err, errPeerClosed):
		w.errs.Closed++
	default:
		w.errs.Other++
	}
	w.noteFirst(fmt.Sprintf("conn %d: %v", c.idx, err))
	w.closeConn(c)
}

func (w *worker) verifyFail(c *conn, v VerifyFailure) {
	w.errs.Verify++
	if len(w.errs.VerifyFailures) < maxVerifyFailures {
		w.errs.VerifyFailures = append(w.errs.VerifyFailures, v)
	}
	w.noteFirst("verify: " + v.String())
}

func (w *worker) noteFirst(msg string) {
	if w.errs.First == "" {
		w.errs.First = msg
	}
}

// closeConn closes c's socket, which also drops it from the epoll set.
func (w *worker) closeConn(c *conn) {
	if c.dead {
		return
	}
	unix.Close(c.fd)
	c.fd = -1
	c.dead = true
	w.live--
}

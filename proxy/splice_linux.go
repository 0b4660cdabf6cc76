package proxy

import (
	"errors"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop"
)

const spliceSupported = true

// spliceChunk is what one splice(2) moves at most, and each pipe's size.
const spliceChunk = 64 << 10

// pipes carries a session's two directions through the kernel: src's
// socket -> pipe -> dst's socket, with netloop reporting readiness only
// (Conn.SetRawRead) and writability on request (Conn.NotifyWritable).
type pipes struct {
	toUp, toDown pipe
}

// pipe is one direction. Only the loop touches it.
type pipe struct {
	r, w    int  // the pipe's ends
	pending int  // bytes in the pipe, not yet in dst's socket
	eof     bool // src has sent its FIN
	shut    bool // dst has been sent ours
}

// startSplice switches a session whose two sides are open to splicing.
// Anything netloop already buffered went out through the normal relay; if
// a pipe cannot be made (out of descriptors), the session stays on it.
func (s *session) startSplice() {
	ps := &pipes{toUp: pipe{r: -1, w: -1}, toDown: pipe{r: -1, w: -1}}
	for _, p := range []*pipe{&ps.toUp, &ps.toDown} {
		if err := p.open(); err != nil {
			s.p.log.Debug("proxy: splice: pipe", "err", err)
			ps.close()
			return
		}
	}
	if s.down.SetRawRead(true) != nil || s.up.SetRawRead(true) != nil {
		s.down.SetRawRead(false)
		ps.close()
		return
	}
	s.pipes = ps
	s.p.spliced.Add(1)
}

func (p *pipe) open() error {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return err
	}
	p.r, p.w = fds[0], fds[1]
	unix.FcntlInt(uintptr(p.w), unix.F_SETPIPE_SZ, spliceChunk) // a hint; the default also works
	return nil
}

func (ps *pipes) close() {
	for _, fd := range []int{ps.toUp.r, ps.toUp.w, ps.toDown.r, ps.toDown.w} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	ps.toUp, ps.toDown = pipe{r: -1, w: -1}, pipe{r: -1, w: -1}
}

// OnReadable moves what c's socket holds to its peer: one splice into
// the pipe, then out of it as far as the peer's socket takes. A full peer
// pauses c until NotifyWritable reports room.
func (p *Proxy) OnReadable(c netloop.Conn) netloop.Action {
	s, _ := c.Context().(*session)
	if s == nil || s.pipes == nil {
		return netloop.Close
	}
	dst := s.peer(c)
	if dst == nil {
		return netloop.Close
	}
	f := &s.pipes.toUp
	if c != s.down {
		f = &s.pipes.toDown
	}
	if f.pending == 0 {
		n, err := splice(c.Fd(), f.w, spliceChunk)
		switch {
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
			return netloop.None
		case err != nil:
			return netloop.Close
		case n == 0:
			f.eof = true
			c.PauseReading() // a socket at EOF stays readable
		}
		f.pending = int(n)
	}
	return s.forward(c, dst, f)
}

// forward empties f into dst and acts on the outcome: with room left,
// src reads on (or, after its FIN, dst gets one); with dst full, src
// waits for dst to drain.
func (s *session) forward(src, dst netloop.Conn, f *pipe) netloop.Action {
	full, err := f.drain(dst)
	switch {
	case err != nil:
		dst.Close()
		return netloop.Close
	case full:
		src.PauseReading()
		if err := dst.NotifyWritable(func(dst netloop.Conn, err error) {
			if err == nil && s.forward(src, dst, f) == netloop.Close {
				src.Close()
			}
		}); err != nil && !errors.Is(err, netloop.ErrNotifyPending) {
			return netloop.Close
		}
		return netloop.None
	case f.eof:
		if !f.shut {
			f.shut = true
			dst.CloseWrite()
		}
		if s.pipes.toUp.shut && s.pipes.toDown.shut {
			// Both directions have ended: nothing is left to move.
			dst.Close()
			return netloop.Close
		}
		return netloop.None
	}
	src.ResumeReading()
	return netloop.None
}

// drain splices the pipe's bytes into dst's socket. full: dst took less
// than all of them (or still has netloop-buffered bytes, which must go
// first).
func (f *pipe) drain(dst netloop.Conn) (full bool, err error) {
	for f.pending > 0 {
		if dst.OutboundBuffered() > 0 {
			return true, nil
		}
		n, err := splice(f.r, dst.Fd(), f.pending)
		switch {
		case errors.Is(err, unix.EAGAIN):
			return true, nil
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return false, err
		}
		f.pending -= n
		dst.NoteWritten() // traffic, for dst's idle timeout
	}
	return false, nil
}

// splice moves up to n bytes from rfd to wfd without blocking: both ends
// are non-blocking (the sockets) or flagged so (the pipe). It is a raw
// system call, as netloop's own reads and writes are: one that cannot
// block need not tell the Go scheduler, and telling it costs more than
// the call when a 64 KiB splice keeps the thread for tens of
// microseconds (the runtime's monitor then hands the loop's P to another
// thread).
func splice(rfd, wfd, n int) (int, error) {
	r, _, errno := unix.RawSyscall6(unix.SYS_SPLICE, uintptr(rfd), 0, uintptr(wfd), 0,
		uintptr(n), unix.SPLICE_F_MOVE|unix.SPLICE_F_NONBLOCK)
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}

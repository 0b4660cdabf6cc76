//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/poller"
	"github.com/netloop/netloop/internal/socket"
)

// connect starts a non-blocking connect on l. The connection joins the
// loop when the socket becomes writable and SO_ERROR says it succeeded
// (connected), or fails when it does not or when timeout passes.
func (l *loop) connect(ep endpoint, sa unix.Sockaddr, sotype int, h Handler, timeout time.Duration, done dialDone) {
	if l.draining {
		done(nil, ErrEngineShutdown)
		return
	}
	fd, inProgress, err := socket.Connect(sa, sotype, l.eng.sock)
	if err != nil {
		done(nil, fmt.Errorf("netloop: dial %s://%s: %w", ep.network, ep.address, err))
		return
	}
	c := &conn{fd: fd, loop: l, h: h, state: connConnecting, udp: sotype == unix.SOCK_DGRAM}
	e := c.extra()
	e.remote = socket.Addr(ep.network, sa)
	e.done, e.dialing = done, ep
	l.load.Add(1)
	if !inProgress {
		l.connected(c, false)
		return
	}
	if err := l.poller.Add(fd, poller.Write); err != nil {
		l.abandon(c, err)
		return
	}
	c.interest = poller.Write
	l.conns.put(fd, c)
	l.tick()
	e.connectBy = l.now + timeout
	l.schedule(c)
}

// connected finishes a connect once the socket is writable (or at once,
// when the kernel connected it synchronously).
func (l *loop) connected(c *conn, watched bool) {
	e := c.ext
	ep := e.dialing
	err := socket.SockError(c.fd)
	if err == nil {
		err = socket.SetConnOptions(c.fd, ep.network[:3] == "tcp", l.eng.sock)
	}
	if err != nil {
		l.abandon(c, fmt.Errorf("netloop: dial %s://%s: %w", ep.network, ep.address, err))
		return
	}
	e.connectBy = 0
	l.wheel.Cancel(&e.timer)
	e.due = 0
	c.state = connOpen
	e.local = socket.LocalAddr(ep.network, c.fd)
	if watched {
		err = l.poller.Modify(c.fd, poller.Read)
	} else {
		err = l.poller.Add(c.fd, poller.Read)
		l.conns.put(c.fd, c)
	}
	if err != nil {
		l.abandon(c, err)
		return
	}
	c.interest = poller.Read
	l.open(c)
}

// dial connects from any goroutine but a loop's, and waits.
func (e *engine) dial(ctx context.Context, ep endpoint, h Handler) (Conn, error) {
	sa, sotype, err := socket.Resolve(ep.network, ep.address) // may block on DNS: not on a loop
	if err != nil {
		return nil, fmt.Errorf("netloop: dial %s://%s: %w", ep.network, ep.address, err)
	}
	timeout := e.opts.DialTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	l := e.pick(nil)
	var w waiter
	err = l.post(task{op: opFunc, fn: func() {
		l.connect(ep, sa, sotype, h, timeout, w.done)
	}})
	if err != nil {
		return nil, err
	}
	return w.wait(ctx)
}

// dialAsync connects on l without blocking it, then tells done.
func (l *loop) dialAsync(ep endpoint, h Handler, timeout time.Duration, done dialDone) error {
	if socket.IsLiteral(ep.network, ep.address) {
		sa, sotype, err := socket.Resolve(ep.network, ep.address)
		if err != nil {
			return fmt.Errorf("netloop: dial %s://%s: %w", ep.network, ep.address, err)
		}
		l.connect(ep, sa, sotype, h, timeout, done)
		return nil
	}
	// A name needs DNS, which blocks: resolve it on a goroutine of its
	// own, then connect on the loop.
	go func() {
		sa, sotype, err := socket.Resolve(ep.network, ep.address)
		perr := l.post(task{op: opFunc, fn: func() {
			if err != nil {
				done(nil, fmt.Errorf("netloop: dial %s://%s: %w", ep.network, ep.address, err))
				return
			}
			l.connect(ep, sa, sotype, h, timeout, done)
		}})
		if perr != nil {
			// The engine stopped: nothing will run cb on a loop now.
			return
		}
	}()
	return nil
}

// enroll adopts an open net.Conn: its descriptor is duplicated and served
// on a loop, and nc is closed.
func (e *engine) enroll(ctx context.Context, nc net.Conn, h Handler) (Conn, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("%w: %T has no file descriptor", ErrUnsupported, nc)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	cerr := raw.Control(func(s uintptr) { fd, err = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) })
	if cerr != nil || err != nil {
		return nil, fmt.Errorf("netloop: enroll: dup: %w", errors.Join(cerr, err))
	}
	nc.Close()
	network := nc.LocalAddr().Network()
	return e.adopt(ctx, fd, nc.LocalAddr(), nc.RemoteAddr(), network[:3] == "udp", h)
}

func (e *engine) enrollFd(ctx context.Context, fd int, h Handler) (Conn, error) {
	local, remote, udp, err := socket.Describe(fd)
	if err != nil {
		unix.Close(fd)
		if errors.Is(err, socket.ErrUnsupportedSocket) {
			return nil, fmt.Errorf("%w: enroll fd %d: %w", ErrUnsupported, fd, err)
		}
		return nil, fmt.Errorf("netloop: enroll fd %d: %w", fd, err)
	}
	unix.CloseOnExec(fd)
	return e.adopt(ctx, fd, local, remote, udp, h)
}

// adopt serves the connected socket fd on one of the loops and waits
// until its OnOpen has run.
func (e *engine) adopt(ctx context.Context, fd int, local, remote net.Addr, udp bool, h Handler) (Conn, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netloop: enroll: %w", err)
	}
	c := &conn{fd: fd, h: h, udp: udp}
	var w waiter
	x := c.extra()
	x.done, x.local, x.remote = w.done, local, remote
	var ip []byte
	if a, ok := remote.(*net.TCPAddr); ok {
		ip = a.IP
	}
	l := e.pick(ip)
	l.load.Add(1)
	if err := l.post(task{op: opRegister, c: c}); err != nil {
		unix.Close(fd)
		l.load.Add(-1)
		return nil, err
	}
	return w.wait(ctx)
}

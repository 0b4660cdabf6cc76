//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/poller"
	"github.com/netloop/netloop/internal/socket"
)

// dialDone learns how a connect (or an enrolment) ended, on the loop: c is
// the open connection, or nil with the error.
type dialDone func(c *conn, err error)

func (c *conn) takeDone() dialDone {
	if c.ext == nil {
		return nil
	}
	done := c.ext.done
	c.ext.done = nil
	return done
}

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
	c := &conn{fd: fd, loop: l, h: h, state: connConnecting, udp: sotype == unix.SOCK_DGRAM,
		remoteAddr: socket.Addr(ep.network, sa)}
	e := c.extra()
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
	l.conns[fd] = c
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
	c.localAddr = socket.LocalAddr(ep.network, c.fd)
	if watched {
		err = l.poller.Modify(c.fd, poller.Read)
	} else {
		err = l.poller.Add(c.fd, poller.Read)
		l.conns[c.fd] = c
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

// waiter hands the outcome of a connect or enrolment to a goroutine that
// may give up waiting; a connection that opens after that is closed.
type waiter struct {
	mu        sync.Mutex
	abandoned bool
	c         *conn
	err       error
	ready     chan struct{}
	once      sync.Once
}

func (w *waiter) init() { w.once.Do(func() { w.ready = make(chan struct{}) }) }

func (w *waiter) done(c *conn, err error) {
	w.init()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.abandoned {
		if c != nil {
			c.loop.closeConn(c, nil)
		}
		return
	}
	w.c, w.err = c, err
	close(w.ready)
}

func (w *waiter) wait(ctx context.Context) (Conn, error) {
	w.init()
	select {
	case <-w.ready:
	case <-ctx.Done():
		w.mu.Lock()
		select {
		case <-w.ready: // it finished meanwhile after all
		default:
			w.abandoned = true
			w.mu.Unlock()
			return nil, ctx.Err()
		}
		w.mu.Unlock()
	}
	if w.err != nil {
		return nil, w.err
	}
	return w.c, nil
}

// dialFrom connects on from's loop without blocking it.
func dialFrom(from *conn, ep endpoint, h Handler, timeout time.Duration, cb AsyncCallback) error {
	l := from.loop
	if timeout <= 0 {
		timeout = l.eng.opts.DialTimeout
	}
	done := func(c *conn, err error) {
		if c == nil {
			l.failed(cb, err) // no Conn to hand over: cb gets a nil one
			return
		}
		l.callback(cb, c, nil)
	}
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
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netloop: enroll: %w", err)
	}
	network := nc.LocalAddr().Network()
	c := &conn{fd: fd, h: h, udp: network[:3] == "udp", localAddr: nc.LocalAddr(), remoteAddr: nc.RemoteAddr()}
	var w waiter
	c.extra().done = w.done
	var ip []byte
	if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
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

//go:build (!linux && !darwin && !freebsd) || netloop_netengine

package netloop

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// dial connects from any goroutine but a loop's, and waits until the
// connection's OnOpen has run.
func (e *engine) dial(ctx context.Context, ep endpoint, h Handler) (Conn, error) {
	nc, err := e.connect(ctx, ep, e.opts.DialTimeout)
	if err != nil {
		return nil, err
	}
	return adopt(ctx, e.pick(nil), nc, h)
}

// enroll adopts an open net.Conn. Package net needs no descriptor to serve
// it, so the engine serves nc itself rather than a duplicate, and closes
// it when the Conn closes.
func (e *engine) enroll(ctx context.Context, nc net.Conn, h Handler) (Conn, error) {
	return adopt(ctx, e.pick(ipOf(nc.RemoteAddr())), nc, h)
}

// enrollFd serves the socket fd through package net, which takes it over.
func (e *engine) enrollFd(ctx context.Context, fd int, h Handler) (Conn, error) {
	f := os.NewFile(uintptr(fd), "enrolled")
	if f == nil {
		return nil, fmt.Errorf("%w: enroll fd %d: not a valid descriptor", ErrUnsupported, fd)
	}
	nc, err := net.FileConn(f)
	f.Close() // FileConn has its own duplicate
	if err != nil {
		return nil, fmt.Errorf("%w: enroll fd %d: %w", ErrUnsupported, fd, err)
	}
	if nc.RemoteAddr() == nil { // unconnected or listening
		nc.Close()
		return nil, fmt.Errorf("%w: enroll fd %d: the socket has no peer", ErrUnsupported, fd)
	}
	return e.enroll(ctx, nc, h)
}

// adopt serves nc on l with h and waits until its OnOpen has run.
func adopt(ctx context.Context, l *loop, nc net.Conn, h Handler) (Conn, error) {
	var w waiter
	if err := l.handOver(nc, h, w.done); err != nil {
		return nil, err
	}
	return w.wait(ctx)
}

// dialAsync connects on a goroutine of its own, since package net dials
// by blocking, then serves the connection on l and tells done. The loop
// does not exit while a dial is out, so that done always runs; a stop
// cuts the dial short.
func (l *loop) dialAsync(ep endpoint, h Handler, timeout time.Duration, done dialDone) error {
	l.dials++
	l.eng.io.Go(func() {
		nc, err := l.eng.connect(context.Background(), ep, timeout)
		perr := l.post(task{op: opFunc, fn: func() {
			l.dials--
			if err != nil {
				done(nil, err)
				return
			}
			c := newConn(nc, l, h)
			c.extra().done = done
			l.load.Add(1)
			l.register(c)
		}})
		if perr != nil && nc != nil { // (the loop waits for dials: not expected)
			nc.Close()
		}
	})
	return nil
}

// connect dials ep, giving up when ctx ends, timeout passes or the engine
// stops, and applies the socket options.
func (e *engine) connect(ctx context.Context, ep endpoint, timeout time.Duration) (net.Conn, error) {
	giveUp := time.Now().Add(timeout)
	dctx, cancel := context.WithDeadline(ctx, giveUp)
	defer cancel()
	defer context.AfterFunc(e.stopping, cancel)()
	// KeepAlive -1 turns off the keepalive package net would enable by
	// default; setConnOptions applies the user's.
	d := net.Dialer{KeepAlive: -1}
	nc, err := d.DialContext(dctx, ep.network, ep.address)
	if err == nil {
		err = e.setConnOptions(nc)
		if err != nil {
			nc.Close()
		}
	}
	switch {
	case err == nil:
		return nc, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case e.stopping.Err() != nil:
		return nil, ErrEngineShutdown
	case isTimeout(err) || errors.Is(dctx.Err(), context.DeadlineExceeded):
		// The socket's deadline may fire before the context's timer.
		if dl, ok := ctx.Deadline(); ok && !dl.After(giveUp) {
			return nil, context.DeadlineExceeded // ctx's own deadline
		}
		err = ErrDialTimeout
	}
	return nil, fmt.Errorf("netloop: dial %s://%s: %w", ep.network, ep.address, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

package netloop

import (
	"context"
	"sync"
	"time"
)

// What both engines share of outbound connections: how the outcome of a
// dial or enrolment reaches whoever waits for it. Connecting itself is each
// engine's own (client_unix.go, client_other.go).

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
	return l.dialAsync(ep, h, timeout, done)
}

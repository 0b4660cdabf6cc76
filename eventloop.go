package netloop

import "time"

// What both engines' event loops share: running tasks and callbacks, and
// the life of a connection from OnOpen to OnClose. Each engine has its own
// loop type (eventloop_unix.go, eventloop_other.go) with the fields, and
// the methods for its sockets (watch, flush, finish, abandon), that this
// file uses.

func (l *loop) runTask(t *task) {
	c := t.c
	switch t.op {
	case opFunc:
		t.fn()
		return
	case opRegister:
		l.register(c)
		return
	}
	if c.state == connClosed {
		if t.cb != nil {
			l.callback(t.cb, c, ErrClosed)
		}
		return
	}
	var err error
	switch t.op {
	case opWrite:
		_, err = c.Write(t.b)
	case opWritev:
		_, err = c.Writev(t.bs)
	case opClose:
		if t.cb != nil {
			e := c.extra()
			e.closeCallbacks = append(e.closeCallbacks, t.cb)
		}
		l.closeConn(c, nil)
		return
	}
	if t.cb != nil {
		l.callback(t.cb, c, err)
	}
	l.settle(c, None)
}

// open starts serving a connection its loop now watches for reads.
func (l *loop) open(c *conn) {
	if c.h == nil {
		c.h = l.h
	}
	l.eng.connCount.Add(1)
	l.applyTimeouts(c)
	out, action := l.onOpen(c)
	if len(out) > 0 && c.err == nil {
		c.Write(out)
	}
	if done := c.takeDone(); done != nil {
		done(c, nil)
	}
	l.settle(c, action)
}

// settle acts on what a callback left behind: a write error recorded on
// the connection, or the action it returned.
func (l *loop) settle(c *conn, action Action) {
	if c.packet {
		// One datagram of a shared socket: an error (or panic) concerns
		// that datagram only, and there is no connection to close.
		if action == Shutdown {
			l.eng.shutdownAsync()
		}
		return
	}
	if c.err != nil && c.state != connClosed {
		l.finish(c, c.err)
		return
	}
	switch action {
	case Close:
		l.closeConn(c, nil)
	case Shutdown:
		l.eng.shutdownAsync()
	}
}

// closeConn closes c once its pending writes are flushed. reason is what
// OnClose will report.
func (l *loop) closeConn(c *conn, reason error) {
	if c.state != connOpen {
		return
	}
	if c.outbound.Len() == 0 || c.err != nil {
		l.finish(c, reason)
		return
	}
	c.state = connClosing
	c.extra().closeReason = reason
	// No more traffic for the handler, but keep watching reads (unless
	// the peer already sent EOF) to notice a reset while flushing.
	c.paused = false
	l.watch(c)
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

// tick refreshes the loop's notion of now.
func (l *loop) tick() { l.now = time.Since(l.epoch) }

// nextTimer returns when, on the loop's clock, the loop must next wake for
// its ticker or a connection deadline, or -1 if nothing is due.
func (l *loop) nextTimer(now time.Duration) time.Duration {
	next := time.Duration(-1)
	if l.ticking && !l.draining {
		next = l.nextTick
	}
	if d := l.wheel.Until(now); d >= 0 {
		if w := now + d; next < 0 || w < next {
			next = w
		}
	}
	return next
}

// runTicker calls OnTick when it is due and sets the next tick.
func (l *loop) runTicker(now time.Duration) {
	if l.ticking && !l.draining && now >= l.nextTick {
		delay, action := l.onTick()
		if delay < 0 {
			delay = 0
		}
		l.nextTick = now + delay
		if action == Shutdown {
			l.ticking = false
			l.eng.shutdownAsync()
		}
	}
}

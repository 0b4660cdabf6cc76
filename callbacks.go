package netloop

import (
	"fmt"
	"runtime/debug"
	"time"
)

// Every handler callback goes through these wrappers, which recover a
// panic (with PanicRecovery on), log it with its stack, and record it on
// the connection so that settle closes only that one.

func (l *loop) recoverConn(c *conn, where string) {
	r := recover()
	if r == nil {
		return
	}
	err := fmt.Errorf("%w in %s: %v", ErrPanic, where, r)
	l.eng.log.Error("netloop: handler panicked; closing its connection",
		"callback", where, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	if c != nil && c.err == nil {
		c.err = err
	}
}

func (l *loop) onOpen(c *conn) (out []byte, a Action) {
	if l.eng.opts.PanicRecovery {
		defer l.recoverConn(c, "OnOpen")
	}
	return c.h.OnOpen(c)
}

func (l *loop) onTraffic(c *conn) (a Action) {
	if l.eng.opts.PanicRecovery {
		defer l.recoverConn(c, "OnTraffic")
	}
	return c.h.OnTraffic(c)
}

func (l *loop) onReadable(c *conn) (a Action) {
	if l.eng.opts.PanicRecovery {
		defer l.recoverConn(c, "OnReadable")
	}
	return c.h.(RawReadHandler).OnReadable(c)
}

func (l *loop) onClose(c *conn, reason error) (a Action) {
	if l.eng.opts.PanicRecovery {
		defer l.recoverConn(nil, "OnClose")
	}
	return c.h.OnClose(c, reason)
}

func (l *loop) onWritability(w WritabilityHandler, c *conn, writable bool) {
	if l.eng.opts.PanicRecovery {
		defer l.recoverConn(c, "OnWritabilityChanged")
	}
	w.OnWritabilityChanged(c, writable)
}

// onTick falls back to a one-second delay after a panic, so that an
// OnTick that always panics does not spin the loop.
func (l *loop) onTick() (d time.Duration, a Action) {
	d = time.Second
	if l.eng.opts.PanicRecovery {
		defer l.recoverConn(nil, "OnTick")
	}
	d, a = l.h.OnTick()
	return d, a
}

func (l *loop) callback(cb AsyncCallback, c *conn, err error) {
	if l.eng.opts.PanicRecovery {
		defer l.recoverConn(c, "an AsyncCallback")
	}
	cb(c, err)
}

// failed tells cb that a dial failed; it gets a nil Conn.
func (l *loop) failed(cb AsyncCallback, err error) {
	if l.eng.opts.PanicRecovery {
		defer l.recoverConn(nil, "an AsyncCallback")
	}
	cb(nil, err)
}

func (l *loop) onEOF(hc HalfCloseHandler, c *conn) (a Action) {
	if l.eng.opts.PanicRecovery {
		defer l.recoverConn(c, "OnEOF")
	}
	return hc.OnEOF(c)
}

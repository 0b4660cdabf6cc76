package netloop

import (
	"fmt"
	"time"

	"github.com/netloop/netloop/internal/timingwheel"
)

// The timing wheel's resolution: a timeout fires up to one tick late.
const (
	wheelTick  = 10 * time.Millisecond
	wheelSlots = 512
)

// timeouts is a connection's deadline state. Activity only stores a
// timestamp; the timer is moved lazily, when it fires early (see package
// timingwheel). Times are durations since the loop's epoch.
type timeouts struct {
	timer             timingwheel.Timer
	idle, read, write time.Duration
	lastRead          time.Duration
	lastWrite         time.Duration
	stallSince        time.Duration // when pending output last made progress
	due               time.Duration // when timer fires; 0 if not scheduled
}

func (c *conn) readAt(now time.Duration) {
	if c.ext != nil {
		c.ext.lastRead = now
	}
}

func (c *conn) wroteAt(now time.Duration) {
	if c.ext != nil {
		c.ext.lastWrite = now
	}
}

// writeStalled restarts the write timeout: output is pending and has just
// been queued or made progress.
func (l *loop) writeStalled(c *conn) {
	if c.ext != nil && c.ext.write > 0 {
		if !l.timed() {
			l.tick() // the clock is kept only while something is timed
		}
		c.ext.stallSince = l.now
		l.schedule(c)
	}
}

func (c *conn) SetIdleTimeout(d time.Duration)  { c.setTimeout(&c.extra().idle, d) }
func (c *conn) SetReadTimeout(d time.Duration)  { c.setTimeout(&c.extra().read, d) }
func (c *conn) SetWriteTimeout(d time.Duration) { c.setTimeout(&c.extra().write, d) }

// setTimeout sets one timeout, counting from now.
func (c *conn) setTimeout(field *time.Duration, d time.Duration) {
	if d < 0 || c.packet || c.state == connClosed {
		return
	}
	c.loop.tick() // the clock is not kept while no deadline exists
	e, now := c.ext, c.loop.now
	*field = d
	e.lastRead, e.lastWrite, e.stallSince = now, now, now
	e.due = 0
	c.loop.wheel.Cancel(&e.timer)
	c.loop.schedule(c)
}

// expired returns the timeout that has passed, if any.
func (c *conn) expired(now time.Duration) error {
	e := c.ext
	switch {
	case c.state == connConnecting:
		if now >= e.connectBy {
			return ErrDialTimeout
		}
		return nil
	case e.write > 0 && c.outbound.Len() > 0 && now-e.stallSince >= e.write:
		return ErrWriteTimeout
	case e.read > 0 && now-e.lastRead >= e.read:
		return ErrReadTimeout
	case e.idle > 0 && now-max(e.lastRead, e.lastWrite) >= e.idle:
		return ErrIdleTimeout
	}
	return nil
}

// deadline returns the earliest time a timeout could pass, or 0 if none
// is set.
func (c *conn) deadline() time.Duration {
	e := c.ext
	if c.state == connConnecting {
		return e.connectBy
	}
	var d time.Duration
	earliest := func(t time.Duration) {
		if d == 0 || t < d {
			d = t
		}
	}
	if e.idle > 0 {
		earliest(max(e.lastRead, e.lastWrite) + e.idle)
	}
	if e.read > 0 {
		earliest(e.lastRead + e.read)
	}
	if e.write > 0 && c.outbound.Len() > 0 {
		earliest(e.stallSince + e.write)
	}
	return d
}

// schedule makes c's timer fire no later than its earliest deadline.
func (l *loop) schedule(c *conn) {
	if l.wheel.Len() == 0 {
		// An empty wheel is not advanced: bring it up to now first.
		l.wheel.Advance(l.now, l.expireFn)
	}
	e := c.ext
	d := c.deadline()
	if d == 0 || (e.due != 0 && e.due <= d) {
		return // nothing to time, or the timer already fires early enough
	}
	e.due = d
	l.wheel.Schedule(&e.timer, d-l.now)
}

// expire runs when a connection's timer fires: close it if a timeout has
// really passed, else (there was activity since) wait for the new
// deadline.
func (l *loop) expire(t *timingwheel.Timer) {
	c := t.Value.(*conn)
	c.ext.due = 0
	if c.state == connClosed {
		return
	}
	switch err := c.expired(l.now); err {
	case nil:
		l.schedule(c)
	case ErrDialTimeout:
		ep := c.ext.dialing
		l.abandon(c, fmt.Errorf("netloop: dial %s://%s: %w", ep.network, ep.address, err))
	case ErrWriteTimeout:
		l.finish(c, err) // flushing is what timed out
	default:
		l.closeConn(c, err)
		if c.state == connClosing {
			l.schedule(c) // a write timeout may still bound the flush
		}
	}
}

// applyTimeouts gives a new connection the engine's default timeouts.
func (l *loop) applyTimeouts(c *conn) {
	o := &l.eng.opts
	if o.IdleTimeout == 0 && o.ReadTimeout == 0 && o.WriteTimeout == 0 {
		return
	}
	l.tick()
	e := c.extra()
	e.idle, e.read, e.write = o.IdleTimeout, o.ReadTimeout, o.WriteTimeout
	e.lastRead, e.lastWrite, e.stallSince = l.now, l.now, l.now
	l.schedule(c)
}

//go:build (!linux && !darwin && !freebsd) || netloop_netengine

package netloop

import (
	"sync/atomic"
	"time"

	"github.com/netloop/netloop/buffer"
	"github.com/netloop/netloop/internal/timingwheel"
)

// poolLimit is how many idle buffer bytes one loop keeps for reuse.
const poolLimit = 8 << 20

// loop is one event loop: a goroutine that runs the handler for the
// connections it owns. Readers, writers and acceptors reach it only
// through its task queue, as every other goroutine does. Everything but
// tasks, wake and load is touched only by the loop's own goroutine.
type loop struct {
	idx   int
	eng   *engine
	h     Handler
	pool  *buffer.Pool // recycled inbound and outbound memory
	conns map[*conn]struct{}

	tasks taskQueue
	spare []task
	wake  chan struct{} // holds one token while tasks wait
	load  atomic.Int64  // connections assigned here (least-connections)

	// epoch is when the loop started; now is the time since, refreshed
	// once per wake-up, and what connections stamp their activity with.
	epoch    time.Time
	now      time.Duration
	wheel    *timingwheel.Wheel
	alarm    *time.Timer // fires for the next tick or wheel deadline
	writable WritabilityHandler // the handler, if it asks for writability events
	expireFn func(*timingwheel.Timer)

	ticking  bool
	nextTick time.Time
	draining bool
}

func newLoop(e *engine, idx int) *loop {
	l := &loop{
		idx:     idx,
		eng:     e,
		h:       e.h,
		pool:    buffer.NewPool(poolLimit),
		conns:   make(map[*conn]struct{}),
		wake:    make(chan struct{}, 1),
		epoch:   time.Now(),
		alarm:   time.NewTimer(time.Hour),
		ticking: idx == 0 && e.opts.Ticker,
	}
	l.alarm.Stop()
	l.wheel = timingwheel.New(wheelTick, wheelSlots, l.epoch)
	l.writable, _ = e.h.(WritabilityHandler)
	l.expireFn = l.expire
	return l
}

// run serves tasks and timers until a drain has closed every connection.
func (l *loop) run() {
	l.nextTick = l.epoch // the first tick comes right after boot
	for !l.draining || len(l.conns) > 0 {
		l.setAlarm()
		woken := false
		select {
		case <-l.wake:
			woken = true
		case <-l.alarm.C:
		}
		l.now = time.Since(l.epoch)
		if woken {
			l.runTasks()
		}
		l.timers()
	}
	l.alarm.Stop()
	l.exit()
}

// setAlarm sets the alarm for the next tick or connection deadline.
func (l *loop) setAlarm() {
	var next time.Time
	if l.ticking && !l.draining {
		next = l.nextTick
	}
	now := time.Now()
	if d := l.wheel.Until(now); d >= 0 {
		if w := now.Add(d); next.IsZero() || w.Before(next) {
			next = w
		}
	}
	if next.IsZero() {
		l.alarm.Stop()
		return
	}
	l.alarm.Reset(next.Sub(now))
}

func (l *loop) timers() {
	now := l.epoch.Add(l.now)
	l.wheel.Advance(now, l.expireFn)
	if l.ticking && !l.draining && !now.Before(l.nextTick) {
		delay, action := l.onTick()
		l.nextTick = now.Add(max(delay, 0))
		if action == Shutdown {
			l.ticking = false // no tick after the one that asked to stop
			l.eng.shutdownAsync()
		}
	}
}

// post queues t and wakes the loop. Safe for concurrent use.
func (l *loop) post(t task) error {
	if err := l.tasks.push(t); err != nil {
		return err
	}
	// A token already waiting will make the loop take t too.
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return nil
}

func (l *loop) runTasks() {
	tasks := l.tasks.take(l.spare)
	for i := range tasks {
		l.runTask(&tasks[i])
		tasks[i] = task{} // drop references for the garbage collector
	}
	l.spare = tasks[:0]
}

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

// register starts serving a connection handed over by an acceptor.
func (l *loop) register(c *conn) {
	if l.draining {
		c.nc.Close()
		l.load.Add(-1)
		return
	}
	l.conns[c] = struct{}{}
	l.eng.connCount.Add(1)
	l.eng.io.Go(c.readLoop)
	l.eng.io.Go(c.writeLoop)
	l.applyTimeouts(c)
	out, action := l.onOpen(c)
	if len(out) > 0 && c.err == nil {
		c.Write(out)
	}
	l.settle(c, action)
}

// settle acts on what a callback left behind: an error recorded on the
// connection (a panic, too much unread input), or the action it returned.
func (l *loop) settle(c *conn, action Action) {
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

// drain closes every connection once its pending writes are flushed; the
// loop exits when none is left. (The engine has closed the listeners.)
func (l *loop) drain() {
	if l.draining {
		return
	}
	l.draining = true
	for c := range l.conns {
		l.closeConn(c, ErrEngineShutdown)
	}
}

// closeAll closes every connection at once, pending writes or not.
func (l *loop) closeAll() {
	l.drain()
	for c := range l.conns {
		l.finish(c, ErrEngineShutdown)
	}
}

// exit rejects further tasks and fails the ones still queued, so that
// every callback runs exactly once.
func (l *loop) exit() {
	l.closeAll()
	for _, t := range l.tasks.close() {
		switch {
		case t.op == opRegister:
			t.c.nc.Close()
			l.load.Add(-1)
		case t.cb != nil:
			l.callback(t.cb, t.c, ErrEngineShutdown)
		}
	}
}

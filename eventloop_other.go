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
// connections it owns. Readers, writers, acceptors and dialers reach it
// only through its task queue, as every other goroutine does. Everything
// but tasks, wake and load is touched only by the loop's own goroutine.
type loop struct {
	reader *conn  // the connection whose OnTraffic runs now
	view   []byte // its unread bytes, while it does
	idx    int
	eng    *engine
	h      Handler
	pool   *buffer.Pool // recycled inbound and outbound memory
	out    outScratch   // lent to handlers by Conn.AvailableBuffer
	conns  map[*conn]struct{}

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
	expireFn func(*timingwheel.Timer)

	ticking  bool
	nextTick time.Duration
	draining bool
	dials    int // DialFrom connects in progress
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
	l.wheel = timingwheel.New(wheelTick, wheelSlots, 0)
	l.expireFn = l.expire
	return l
}

// run serves tasks and timers until a drain has closed every connection
// and no dial is left to report.
func (l *loop) run() {
	l.eng.lockThread()
	l.nextTick = 0 // the first tick comes right after boot
	for !l.draining || len(l.conns) > 0 || l.dials > 0 {
		l.setAlarm()
		woken := false
		select {
		case <-l.wake:
			woken = true
		case <-l.alarm.C:
		}
		l.tick()
		if woken {
			l.runTasks()
		}
		l.timers()
	}
	l.alarm.Stop()
	l.exit()
}

// timed reports whether anything on the loop needs the clock: the ticker
// or connection deadlines.
func (l *loop) timed() bool { return l.ticking || l.wheel.Len() > 0 }

// setAlarm sets the alarm for the next tick or connection deadline.
func (l *loop) setAlarm() {
	l.tick()
	next := l.nextTimer(l.now)
	if next < 0 {
		l.alarm.Stop()
		return
	}
	l.alarm.Reset(next - l.now)
}

func (l *loop) timers() {
	l.wheel.Advance(l.now, l.expireFn)
	l.runTicker(l.now)
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

// register starts serving a connection handed over by an acceptor, a
// dialer or Enroll: its reader (and writer) start, then OnOpen runs.
func (l *loop) register(c *conn) {
	if l.draining {
		l.abandon(c, ErrEngineShutdown)
		return
	}
	l.conns[c] = struct{}{}
	l.eng.io.Go(c.readLoop)
	if !c.udp {
		l.eng.io.Go(c.writeLoop) // a datagram is sent from the loop
	}
	l.open(c)
}

// abandon closes a connection that never opened (a hand-over to a loop
// that is stopping) and reports why to whoever waits.
func (l *loop) abandon(c *conn, err error) {
	c.state = connClosed
	c.closed.Store(true)
	c.nc.Close()
	l.load.Add(-1)
	if c.ext != nil {
		l.wheel.Cancel(&c.ext.timer)
	}
	if done := c.takeDone(); done != nil {
		done(nil, err)
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
			l.abandon(t.c, ErrEngineShutdown)
		case t.cb != nil:
			l.callback(t.cb, t.c, ErrEngineShutdown)
		}
	}
}

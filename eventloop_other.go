//go:build (!linux && !darwin && !freebsd) || netloop_netengine

package netloop

import (
	"sync/atomic"
	"time"

	"github.com/netloop/netloop/buffer"
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

	ticker   *time.Timer // loop 0 with Ticker on; nil otherwise
	draining bool
}

func newLoop(e *engine, idx int) *loop {
	return &loop{
		idx:   idx,
		eng:   e,
		h:     e.h,
		pool:  buffer.NewPool(poolLimit),
		conns: make(map[*conn]struct{}),
		wake:  make(chan struct{}, 1),
	}
}

// run serves tasks and ticks until a drain has closed every connection.
func (l *loop) run() {
	var tick <-chan time.Time
	if l.idx == 0 && l.eng.opts.Ticker {
		l.ticker = time.NewTimer(0) // the first tick comes right after boot
		tick = l.ticker.C
	}
	for !l.draining || len(l.conns) > 0 {
		select {
		case <-l.wake:
			l.runTasks()
		case <-tick:
			l.tick()
		}
	}
	l.exit()
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
			t.cb(c, ErrClosed)
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
		l.closeConn(c, nil)
		if t.cb != nil {
			c.closeCallbacks = append(c.closeCallbacks, t.cb)
			if c.state == connClosed {
				l.runCloseCallbacks(c)
			}
		}
		return
	}
	if t.cb != nil {
		t.cb(c, err)
	}
}

func (l *loop) tick() {
	if l.draining {
		return
	}
	delay, action := l.h.OnTick()
	l.ticker.Reset(max(delay, 0))
	if action == Shutdown {
		l.eng.shutdownAsync()
	}
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
	out, action := l.h.OnOpen(c)
	if len(out) > 0 {
		c.Write(out)
	}
	l.settle(c, action)
}

// settle acts on the action a callback returned.
func (l *loop) settle(c *conn, action Action) {
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
	if l.ticker != nil {
		l.ticker.Stop()
	}
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
			t.cb(t.c, ErrEngineShutdown)
		}
	}
}

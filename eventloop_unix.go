//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/buffer"
	"github.com/netloop/netloop/internal/poller"
	"github.com/netloop/netloop/internal/timingwheel"
)

// poolLimit is how many idle buffer bytes one loop keeps for reuse.
const poolLimit = 8 << 20

// loop is one event loop: a goroutine, its poller, the connections and
// listeners it owns, and the task queue through which other goroutines
// reach them. Everything but tasks, sleeping, notified and load is touched
// only by the loop's own goroutine.
type loop struct {
	reader *conn  // the connection whose OnTraffic runs now
	view   []byte // its unread bytes, while it does
	idx    int    // -1 for a dedicated acceptor
	eng    *engine
	h      Handler
	poller *poller.Poller

	scratch []byte       // where every read lands first (invariant 3)
	out     outScratch   // lent to handlers by Conn.AvailableBuffer
	pool    *buffer.Pool // recycled inbound and outbound memory
	vecs    [][]byte     // writev scratch
	iov     []unix.Iovec // writev scratch

	conns     connTable
	listeners map[int]*listener
	acc       acceptor

	tasks      taskQueue
	spare      []task
	holding    bool         // tasks are running: their small writes wait (see hold)
	yieldAsked bool         // a handler called Conn.Yield in this batch
	held       []*conn      // connections with held output
	again      []*conn      // edge-triggered connections with bytes left unread (edgeReads)
	againSpare []*conn      // again's other buffer
	sleeping   atomic.Bool  // the loop may block in Wait: a post must wake it
	notified   atomic.Bool  // a wake-up is already on its way
	load       atomic.Int64 // connections assigned here (least-connections)

	// epoch is when the loop started; now is the time since, refreshed
	// once per poll, and what connections stamp their activity with.
	epoch    time.Time
	now      time.Duration
	wheel    *timingwheel.Wheel
	expireFn func(*timingwheel.Timer)

	ticking  bool
	nextTick time.Duration
	draining bool
	stopped  bool
	polls    uint64 // Wait calls; tests use it to prove the loop is not spinning
	active   activity
}

func newLoop(e *engine, idx int) (*loop, error) {
	p, err := poller.Open(e.opts.EdgeTriggered)
	if err != nil {
		return nil, fmt.Errorf("netloop: %w", err)
	}
	if idx >= 0 {
		// Worker loops only: a dedicated acceptor that held a P while it
		// waited quietly could keep a worker whose events are ready from
		// one, as there are as many workers as Ps by default.
		p.SetQuietWait(int((e.opts.QuietWait + time.Millisecond - 1) / time.Millisecond))
		p.SetCoalesce(e.opts.Coalesce)
	}
	l := &loop{
		idx:       idx,
		eng:       e,
		h:         e.h,
		poller:    p,
		scratch:   make([]byte, e.opts.ReadBufferSize),
		pool:      buffer.NewPool(poolLimit),
		listeners: make(map[int]*listener),
		ticking:   idx == 0 && e.opts.Ticker,
	}
	l.acc.spare = -1
	l.active.on = p.Coalescing() // worker loops, on Linux, with the option set
	l.active.window = 1          // a new conn's 0 is never the current window
	l.expireFn = l.expire
	l.epoch = time.Now()
	l.wheel = timingwheel.New(wheelTick, wheelSlots, 0)
	return l, nil
}

// run is the loop: wait for readiness, serve it, run queued tasks and
// timers, until a drain has closed everything.
func (l *loop) run() {
	l.eng.lockThread()
	if err := l.startListeners(); err != nil {
		l.eng.fail(err)
		l.closeAll()
	}
	if l.ticking {
		l.tick()
		l.nextTick = l.now
	}
	for !l.stopped {
		l.polls++
		n, err := l.poller.Wait(l.sleep())
		l.sleeping.Store(false)
		if err != nil {
			l.eng.fail(err)
			l.closeAll()
			break
		}
		// One clock read per poll, not per message, and none at all when
		// nothing on this loop depends on time: activity is stamped with
		// the time the poll returned. A poll that cannot have blocked for
		// more than a millisecond keeps the reading sleep just took (the
		// deadlines it serves are counted in seconds).
		if l.timed() && l.poller.Slept() {
			l.tick()
		}
		if len(l.again) > 0 {
			l.readAgain()
		}
		woken := l.serve(n)
		l.yield()
		if woken || l.tasks.pending() {
			l.serveTasks()
		}
		l.timers()
		if l.draining && l.conns.len() == 0 {
			l.stopped = true
		}
	}
	l.exit()
}

// serve serves the n descriptors the last poll found ready and reports
// whether a Wake was among them.
func (l *loop) serve(n int) (woken bool) {
	wakefd := l.poller.WakeFD()
	for i := 0; i < n; i++ {
		fd, ev := l.poller.Ready(i)
		if fd == wakefd {
			l.poller.ResetWake()
			woken = true
			continue
		}
		l.event(fd, ev)
	}
	l.poller.Served(n)
	return woken
}

// event serves one ready descriptor.
func (l *loop) event(fd int, ev poller.Event) {
	if c := l.conns.get(fd); c != nil {
		if c.state == connConnecting {
			l.connected(c, true)
			return
		}
		if ev&(poller.Writable|poller.Hangup) != 0 && c.outbound.Len() > 0 {
			l.flush(c)
		}
		if ev&poller.Hangup != 0 && c.state != connClosed && c.readStopped() {
			l.hangupWhilePaused(c)
			return
		}
		if ev&(poller.Writable|poller.Hangup) != 0 && c.ext != nil && c.ext.writeNotify != nil &&
			c.outbound.Len() == 0 && c.state != connClosed {
			l.notifyWritable(c, nil)
		}
		if ev&poller.Readable != 0 && c.state != connClosed {
			l.read(c, ev)
		}
		return
	}
	if ln, ok := l.listeners[fd]; ok {
		if ln.stream {
			l.acceptFrom(ln)
		} else {
			l.readDatagrams(ln)
		}
	}
}

// post queues t and wakes the loop if it may be asleep: a loop that is
// running takes its tasks before it next waits, so a task posted from a
// callback or from a goroutine that runs meanwhile costs no wake-up
// (eventfd write and read, and a poll). Safe for concurrent use.
func (l *loop) post(t task) error {
	if err := l.tasks.push(t); err != nil {
		return err
	}
	if l.sleeping.Load() && !l.notified.Swap(true) {
		return l.poller.Wake()
	}
	return nil
}

// sleep announces that the loop is about to wait and returns how long it
// may block. The announcement comes before the last look at the task
// queue, and post pushes before it looks at the announcement, so
// (sync/atomic being sequentially consistent) either the loop sees the
// task or post sees the loop asleep and wakes it.
func (l *loop) sleep() int {
	msec := l.timeout()
	if msec == 0 || len(l.again) > 0 {
		return 0
	}
	l.sleeping.Store(true)
	if l.tasks.pending() {
		return 0
	}
	return msec
}

// maxTaskRounds bounds how many batches of tasks the loop runs in a row
// without polling its sockets.
const maxTaskRounds = 16

// serveTasks runs the queued tasks and, in further rounds, the tasks they
// lead to (a callback that hands work to a goroutine which answers through
// AsyncWrite before the round ends), holding their small writes and
// flushing them together at the end.
func (l *loop) serveTasks() {
	l.holding = true
	for round := 0; round < maxTaskRounds; round++ {
		l.runTasks()
		l.yield()
		if !l.tasks.pending() {
			break
		}
	}
	l.holding = false
	l.flushHeld()
}

// yield lets other goroutines run if a handler asked for it (Conn.Yield):
// the work it handed them then comes back as tasks before the next poll.
func (l *loop) yield() {
	if l.yieldAsked {
		l.yieldAsked = false
		runtime.Gosched()
	}
}

func (l *loop) runTasks() {
	// Clear the flag before taking, so a push that races with us either
	// lands in this batch or sends a fresh wake-up.
	l.notified.Store(false)
	tasks := l.tasks.take(l.spare)
	for i := range tasks {
		l.runTask(&tasks[i])
		tasks[i] = task{} // drop references for the garbage collector
	}
	l.spare = tasks[:0]
}

// timed reports whether anything on the loop needs the clock: the ticker,
// connection deadlines, or a paused accept.
func (l *loop) timed() bool {
	return l.ticking || l.wheel.Len() > 0 || l.acc.resumeAt != 0
}

// timeout is how long the next Wait may block, in milliseconds.
func (l *loop) timeout() int {
	if !l.timed() {
		return -1
	}
	// One monotonic clock read (time.Now would read the wall clock too),
	// which also freshens the loop's clock.
	l.tick()
	next := l.nextTimer(l.now)
	if r := l.acc.resumeAt; r != 0 && (next < 0 || r < next) {
		next = r
	}
	if next < 0 {
		return -1
	}
	d := next - l.now
	if d <= 0 {
		return 0
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

func (l *loop) timers() {
	if !l.timed() {
		return
	}
	l.wheel.Advance(l.now, l.expireFn)
	l.runTicker(l.now)
	if r := l.acc.resumeAt; r != 0 && l.now >= r {
		l.resumeAccept()
	}
}

// register starts serving a connection accepted here or handed over by
// the acceptor.
func (l *loop) register(c *conn) {
	c.loop = l
	if l.draining {
		l.abandon(c, ErrEngineShutdown)
		return
	}
	if err := l.poller.Add(c.fd, poller.Read); err != nil {
		l.eng.log.Error("netloop: register connection", "err", err)
		l.abandon(c, err)
		return
	}
	c.interest = poller.Read
	l.conns.put(c.fd, c)
	l.open(c)
}

// abandon closes a connection that never opened (a failed connect, or a
// hand-over to a loop that is stopping) and reports why to whoever waits.
func (l *loop) abandon(c *conn, err error) {
	c.state = connClosed
	c.closed.Store(true)
	l.conns.remove(c.fd)
	unix.Close(c.fd)
	l.load.Add(-1)
	if c.ext != nil {
		l.wheel.Cancel(&c.ext.timer)
	}
	if done := c.takeDone(); done != nil {
		done(nil, err)
	}
}

// drain stops accepting and closes every connection once its pending
// writes are flushed; the loop exits when none is left.
func (l *loop) drain() {
	if l.draining {
		return
	}
	l.draining = true
	for fd, ln := range l.listeners {
		ln.close()
		delete(l.listeners, fd)
	}
	l.acc.resumeAt = 0
	l.conns.each(func(c *conn) {
		if c.state == connConnecting {
			l.abandon(c, ErrEngineShutdown)
			return
		}
		l.closeConn(c, ErrEngineShutdown)
	})
}

// closeAll closes every connection at once, pending writes or not.
func (l *loop) closeAll() {
	l.drain()
	l.conns.each(func(c *conn) { l.finish(c, ErrEngineShutdown) })
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
	l.acc.release()
}

// release frees the poller and listeners of a loop that never ran or has
// exited.
func (l *loop) release() {
	for fd, ln := range l.listeners {
		ln.close()
		delete(l.listeners, fd)
	}
	l.poller.Close()
}

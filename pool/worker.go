package pool

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// WorkerPool runs blocking tasks on a bounded number of goroutines, so that
// event-loop callbacks can hand work off without waiting for it.
//
// A submitted task goes to an idle worker if there is one, else to a new
// worker while fewer than Options.Workers exist, else into a queue of
// Options.QueueLen tasks that workers take from as they free up. Tasks run
// in no particular order. All methods are safe for concurrent use.
//
// One mutex guards the idle workers and the queue together, so a task is
// queued only while no worker is idle and a worker goes idle only while
// the queue is empty: no task waits while a worker could run it. Handing a
// task over costs that mutex and one send on the chosen worker's own
// channel, and a worker waits on that channel alone; a select over shared
// channels would lock each of them on every task.
type WorkerPool struct {
	opts Options

	mu      sync.Mutex
	closed  bool
	live    int           // workers alive, at most opts.Workers
	idle    []*worker     // idle workers, the longest idle first
	queue   []func()      // ring of tasks waiting for a worker, made on first use
	head    int           // index of the oldest queued task
	queued  int           // tasks in the ring
	room    chan struct{} // closed when a worker frees up or a slot opens; nil if no Submit waits
	tick    time.Time     // the idle reaper's last tick (coarse clock)
	reaping bool          // the idle reaper runs

	done    chan struct{}  // closed by Close: wakes Submit calls waiting for room
	drained chan struct{}  // closed once the last worker has exited after Close
	workers sync.WaitGroup // worker goroutines

	running atomic.Int64 // tasks executing now
}

// worker is an idle worker's mailbox: a task, or nil to exit.
type worker struct {
	wake      chan func()
	idleSince time.Time // the reaper tick before it went idle
}

// NewWorkerPool returns an empty pool; workers start as tasks arrive.
// Close it when done with it.
func NewWorkerPool(opts ...Option) (*WorkerPool, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return &WorkerPool{
		opts:    o,
		done:    make(chan struct{}),
		drained: make(chan struct{}),
	}, nil
}

// TrySubmit runs task on the pool without ever waiting: it returns
// ErrQueueFull when every worker is busy and the queue is full, and
// ErrClosed once Close has been called. This is the call for event-loop
// callbacks, which must not block. Safe for concurrent use.
func (p *WorkerPool) TrySubmit(task func()) error {
	return p.submit(context.Background(), task, false)
}

// Submit runs task on the pool, waiting for room in the queue when it is
// full. It returns ctx's error (wrapped) if ctx ends first, and ErrClosed if
// the pool is closed or closes while it waits. Do not call it on an event
// loop, and beware of calling it from a task: a task waiting for room that
// only tasks can free may wait forever. Safe for concurrent use.
func (p *WorkerPool) Submit(ctx context.Context, task func()) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pool: submit: %w", err)
	}
	return p.submit(ctx, task, true)
}

// submit hands task over; if wait, it waits for room in the queue.
func (p *WorkerPool) submit(ctx context.Context, task func(), wait bool) error {
	if task == nil {
		panic("pool: nil task")
	}
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return ErrClosed
		}
		if n := len(p.idle); n > 0 {
			// The most recently idle worker: its stack is likely warm,
			// and the longest idle ones are left to expire.
			w := p.idle[n-1]
			p.idle[n-1] = nil
			p.idle = p.idle[:n-1]
			p.mu.Unlock()
			w.wake <- task // buffered: never blocks
			return nil
		}
		if p.live < p.opts.Workers {
			p.live++
			p.workers.Add(1)
			p.startReaper()
			p.mu.Unlock()
			go p.work(task)
			return nil
		}
		if p.queued < p.opts.QueueLen {
			if p.queue == nil {
				p.queue = make([]func(), p.opts.QueueLen)
			}
			p.queue[(p.head+p.queued)%len(p.queue)] = task
			p.queued++
			p.mu.Unlock()
			return nil
		}
		if !wait {
			p.mu.Unlock()
			return ErrQueueFull
		}
		if p.room == nil {
			p.room = make(chan struct{})
		}
		room := p.room
		p.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			return fmt.Errorf("pool: submit: %w", ctx.Err())
		case <-p.done:
			return ErrClosed
		}
	}
}

// work runs task, then whatever next hands it, until next says stop.
// task may be nil for a worker that starts idle.
func (p *WorkerPool) work(task func()) {
	defer p.workers.Done()
	w := &worker{wake: make(chan func(), 1)}
	if task == nil {
		task = p.next(w)
	}
	for ; task != nil; task = p.next(w) {
		p.run(task)
	}
}

// next returns the oldest queued task or, with none queued, waits idle
// for one. It returns nil when the worker must exit, having given up its
// place in p.live: the pool is closed and its queue is empty, or the
// reaper has retired it.
func (p *WorkerPool) next(w *worker) func() {
	p.mu.Lock()
	if p.room != nil {
		// A slot is about to open or a worker to idle: every Submit
		// waiting for room tries again.
		close(p.room)
		p.room = nil
	}
	if p.queued > 0 {
		task := p.queue[p.head]
		p.queue[p.head] = nil
		p.head = (p.head + 1) % len(p.queue)
		p.queued--
		p.mu.Unlock()
		return task
	}
	if p.closed {
		p.live--
		p.mu.Unlock()
		return nil
	}
	w.idleSince = p.tick
	p.idle = append(p.idle, w)
	p.mu.Unlock()
	return <-w.wake
}

// startReaper starts, once, the goroutine that ends idle workers. Called
// with p.mu held.
func (p *WorkerPool) startReaper() {
	if p.reaping || p.opts.IdleTimeout <= 0 {
		return
	}
	p.reaping = true
	p.tick = time.Now()
	go p.reap()
}

// reap ends, four times per IdleTimeout, the workers idle for longer than
// IdleTimeout but the last one. Idle time is measured on the reaper's own
// ticks rather than the clock read per task: a worker goes between
// IdleTimeout and 1.5 x IdleTimeout after its last task.
func (p *WorkerPool) reap() {
	period := p.opts.IdleTimeout / 4
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case now := <-t.C:
			p.mu.Lock()
			p.tick = now
			// Idle since a tick at least IdleTimeout + one period ago:
			// idle for at least IdleTimeout, whenever in that period it
			// went idle.
			cutoff := now.Add(-p.opts.IdleTimeout - period)
			n := 0
			for n < len(p.idle) && p.live-n > 1 && !p.idle[n].idleSince.After(cutoff) {
				p.idle[n].wake <- nil
				p.idle[n] = nil
				n++
			}
			if n > 0 {
				p.live -= n
				p.idle = append(p.idle[:0], p.idle[n:]...)
			}
			p.mu.Unlock()
		}
	}
}

// run calls task, recovering a panic so that it costs neither the process
// nor the worker.
func (p *WorkerPool) run(task func()) {
	p.running.Add(1)
	returned := false
	defer func() {
		p.running.Add(-1)
		if returned {
			return
		}
		if v := recover(); v != nil {
			p.reportPanic(v, debug.Stack())
			return
		}
		// The task called runtime.Goexit (t.FailNow does), which ends
		// this goroutine whatever we do. A new worker takes its place in
		// p.live so that queued tasks still run.
		p.workers.Add(1)
		go p.work(nil)
	}()
	task()
	returned = true
}

func (p *WorkerPool) reportPanic(v any, stack []byte) {
	if h := p.opts.PanicHandler; h != nil {
		h(v, stack)
		return
	}
	slog.Default().Error("pool: task panicked", "panic", v, "stack", string(stack))
}

// Close stops accepting tasks (submissions fail with ErrClosed from now
// on), lets the workers finish the running and queued tasks, and returns
// once they have. If ctx ends first it returns ctx's error (wrapped); the
// tasks still finish in the background, and a later Close can wait again.
// Safe for concurrent use; every call waits the same way.
func (p *WorkerPool) Close(ctx context.Context) error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.done)
		// Idle workers exit now; busy ones run what is queued first.
		for i, w := range p.idle {
			w.wake <- nil
			p.idle[i] = nil
		}
		p.live -= len(p.idle)
		p.idle = p.idle[:0]
		go func() {
			p.workers.Wait()
			close(p.drained)
		}()
	}
	p.mu.Unlock()
	select {
	case <-p.drained:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("pool: close: %w", ctx.Err())
	}
}

// Running returns how many tasks are executing now. Safe for concurrent use.
func (p *WorkerPool) Running() int { return int(p.running.Load()) }

// Waiting returns how many tasks are queued for a worker. Safe for
// concurrent use.
func (p *WorkerPool) Waiting() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.queued
}

// Workers returns how many worker goroutines are alive, busy or idle.
// Safe for concurrent use.
func (p *WorkerPool) Workers() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.live
}

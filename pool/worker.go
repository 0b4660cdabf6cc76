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
type WorkerPool struct {
	opts Options

	handoff chan func()   // unbuffered: a send succeeds only into an idle worker
	queue   chan func()   // the bounded queue; closed once no Submit can send
	done    chan struct{} // closed by Close: wakes Submit calls waiting for room
	drained chan struct{} // closed once the last worker has exited after Close

	mu      sync.Mutex
	closed  bool
	live    int            // workers alive, at most opts.Workers
	senders sync.WaitGroup // Submit calls past the closed check
	workers sync.WaitGroup // worker goroutines

	running atomic.Int64 // tasks executing now
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
		handoff: make(chan func()),
		queue:   make(chan func(), o.QueueLen),
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
	// Close must not close the queue under a sender's feet: it waits for
	// every sender that got past this check, and none gets past it after.
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	p.senders.Add(1)
	p.mu.Unlock()
	defer p.senders.Done()

	select {
	case p.handoff <- task:
		return nil
	default:
	}
	if p.spawn(task) {
		return nil
	}
	if !wait {
		select {
		case p.queue <- task:
			return nil
		default:
			return ErrQueueFull
		}
	}
	select {
	case p.queue <- task:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("pool: submit: %w", ctx.Err())
	case <-p.done:
		return ErrClosed
	}
}

// spawn starts a worker for task if the pool has room for one more.
func (p *WorkerPool) spawn(task func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live >= p.opts.Workers {
		return false
	}
	p.live++
	p.workers.Add(1)
	go p.worker(task)
	return true
}

// worker runs task, then whatever next hands it, until next says stop.
// task may be nil for a worker that starts idle.
func (p *WorkerPool) worker(task func()) {
	defer p.workers.Done()
	w := newIdleClock(p.opts.IdleTimeout)
	defer w.stop()
	if task == nil {
		task = p.next(w)
	}
	for ; task != nil; task = p.next(w) {
		p.run(task)
		w.worked()
	}
}

// idleClock tells a worker when it has idled for IdleTimeout. Resetting a
// timer after every task would cost a trip through the runtime's timer
// heap per task; instead the timer runs on, the worker notes when it last
// finished a task, and a firing that comes too early sets the timer for
// the rest of the time.
type idleClock struct {
	timeout time.Duration
	timer   *time.Timer
	armed   bool      // the timer is set
	last    time.Time // when the last task finished; zero: none since armed
}

func newIdleClock(timeout time.Duration) *idleClock {
	w := &idleClock{timeout: timeout}
	if timeout > 0 {
		w.timer = time.NewTimer(timeout)
		w.armed = true
	}
	return w
}

func (w *idleClock) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

// worked records a finished task, and sets the timer if it is not set.
func (w *idleClock) worked() {
	if w.timer == nil {
		return
	}
	w.last = time.Now()
	if !w.armed {
		w.armed = true
		w.timer.Reset(w.timeout)
	}
}

// fired handles the timer's firing: it reports whether the worker has
// idled long enough and, if not, sets the timer for when it will have.
func (w *idleClock) fired() bool {
	w.armed = false
	if !w.last.IsZero() {
		if left := w.timeout - time.Since(w.last); left > 0 {
			w.armed = true
			w.timer.Reset(left)
			return false
		}
	}
	return true
}

// next waits for a task. It returns nil when the worker must exit, having
// given up its place in p.live: the pool is closed and its queue is empty,
// or the worker has idled for IdleTimeout and is not the last one.
func (p *WorkerPool) next(w *idleClock) func() {
	var timeout <-chan time.Time
	if w.armed {
		timeout = w.timer.C
	}
	for {
		select {
		case task, ok := <-p.queue:
			if !ok {
				p.retire(true)
				return nil
			}
			return task
		case task := <-p.handoff:
			return task
		case <-timeout:
			if !w.fired() {
				continue
			}
			if p.retire(false) {
				return nil
			}
			// The last worker stays: a Submit that found every worker
			// busy may be about to queue a task, and someone must run it.
			// Its timer is set again when it next finishes a task.
			timeout = nil
		}
	}
}

// retire removes a worker from p.live; unless force, only if it is not the
// last one.
func (p *WorkerPool) retire(force bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !force && p.live <= 1 {
		return false
	}
	p.live--
	return true
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
		go p.worker(nil)
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
		go p.drain()
	}
	p.mu.Unlock()
	select {
	case <-p.drained:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("pool: close: %w", ctx.Err())
	}
}

func (p *WorkerPool) drain() {
	p.senders.Wait() // quick: done is closed, so no sender waits for room
	close(p.queue)   // workers run what is queued, then exit
	p.workers.Wait()
	close(p.drained)
}

// Running returns how many tasks are executing now. Safe for concurrent use.
func (p *WorkerPool) Running() int { return int(p.running.Load()) }

// Waiting returns how many tasks are queued for a worker. Safe for
// concurrent use.
func (p *WorkerPool) Waiting() int { return len(p.queue) }

// Workers returns how many worker goroutines are alive, busy or idle.
// Safe for concurrent use.
func (p *WorkerPool) Workers() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.live
}

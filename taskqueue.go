package netloop

import (
	"sync"
	"sync/atomic"
)

// taskOp says what a queued task does on its event loop.
type taskOp uint8

const (
	opWrite    taskOp = iota // write b to c, then cb
	opWritev                 // write bs to c, then cb
	opWake                   // run cb for c
	opClose                  // close c, then cb
	opRegister               // start serving a connection handed over by an acceptor
	opFunc                   // run fn (engine-level work: drain, force close)
)

// task is one unit of work that another goroutine asks a loop to do. It is
// queued by value, so queueing does not allocate once the queue has grown.
type task struct {
	op taskOp
	c  *conn
	b  []byte
	bs [][]byte
	cb AsyncCallback
	fn func()
}

// taskQueue is the mailbox of an event loop: any goroutine pushes, the
// loop takes everything at once. A mutex suffices: pushes are short and
// the loop holds the lock only to swap slices.
type taskQueue struct {
	mu     sync.Mutex
	tasks  []task
	closed bool
	// waiting mirrors len(tasks) > 0, so that the loop can look without
	// taking the lock on every turn.
	waiting atomic.Bool
}

// push queues t, or fails with ErrEngineShutdown once the loop has exited.
func (q *taskQueue) push(t task) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrEngineShutdown
	}
	q.tasks = append(q.tasks, t)
	q.waiting.Store(true)
	q.mu.Unlock()
	return nil
}

// pending reports whether tasks are queued.
func (q *taskQueue) pending() bool { return q.waiting.Load() }

// take returns every queued task, handing the queue spare (emptied) to
// reuse, so that steady traffic through the queue does not allocate.
func (q *taskQueue) take(spare []task) []task {
	q.mu.Lock()
	tasks := q.tasks
	q.tasks = spare[:0]
	q.waiting.Store(false)
	q.mu.Unlock()
	return tasks
}

// close rejects further pushes and returns what was still queued.
func (q *taskQueue) close() []task {
	q.mu.Lock()
	q.closed = true
	tasks := q.tasks
	q.tasks = nil
	q.mu.Unlock()
	return tasks
}

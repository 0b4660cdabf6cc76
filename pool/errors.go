package pool

import "errors"

var (
	// ErrQueueFull is returned by WorkerPool.TrySubmit when every worker is
	// busy and the queue holds Options.QueueLen tasks already.
	ErrQueueFull = errors.New("pool: task queue full")
	// ErrClosed is returned by submissions to a WorkerPool that is closing
	// or closed.
	ErrClosed = errors.New("pool: worker pool closed")
	// ErrInvalidOption wraps every option validation failure.
	ErrInvalidOption = errors.New("pool: invalid option")
)

package pool

import (
	"fmt"
	"time"
)

// Options configures a WorkerPool. The zero value is not the default: pass
// Option values to NewWorkerPool, which starts from the defaults below.
type Options struct {
	// Workers is the most goroutines that run tasks at once. Workers are
	// started on demand, not up front. Default 1024: the work sent here
	// mostly waits (on disks, databases, other services), so the bound is
	// about memory and the load put on those services, not about cores.
	Workers int
	// QueueLen is how many tasks may wait for a worker once all Workers
	// are busy; past it TrySubmit fails with ErrQueueFull and Submit waits.
	// 0 means no queue: a task runs at once or not at all. Default 4096.
	QueueLen int
	// IdleTimeout ends a worker that has had nothing to do for this long,
	// except the last one, which stays until Close. Idle workers are
	// looked at four times per IdleTimeout, so one goes between
	// IdleTimeout and 1.25 x IdleTimeout after its last task. 0 keeps every
	// worker until Close. Default 10 s.
	IdleTimeout time.Duration
	// PanicHandler receives the value and stack of every panic in a task;
	// the panic is recovered either way, and the worker goes on. It runs on
	// the worker's goroutine and must not panic itself. Default: log it
	// with slog.Default().
	PanicHandler func(recovered any, stack []byte)
}

// Option changes one field of Options.
type Option func(*Options)

func defaultOptions() Options {
	return Options{
		Workers:     1024,
		QueueLen:    4096,
		IdleTimeout: 10 * time.Second,
	}
}

// WithOptions replaces all options at once, defaults included.
func WithOptions(o Options) Option { return func(p *Options) { *p = o } }

// WithWorkers sets Options.Workers.
func WithWorkers(n int) Option { return func(o *Options) { o.Workers = n } }

// WithQueueLen sets Options.QueueLen.
func WithQueueLen(n int) Option { return func(o *Options) { o.QueueLen = n } }

// WithIdleTimeout sets Options.IdleTimeout.
func WithIdleTimeout(d time.Duration) Option { return func(o *Options) { o.IdleTimeout = d } }

// WithPanicHandler sets Options.PanicHandler.
func WithPanicHandler(h func(recovered any, stack []byte)) Option {
	return func(o *Options) { o.PanicHandler = h }
}

func buildOptions(opts []Option) (Options, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case o.Workers < 1:
		return o, fmt.Errorf("%w: workers = %d, want at least 1", ErrInvalidOption, o.Workers)
	case o.QueueLen < 0:
		return o, fmt.Errorf("%w: queue length = %d, want 0 or more", ErrInvalidOption, o.QueueLen)
	case o.IdleTimeout < 0:
		return o, fmt.Errorf("%w: idle timeout = %v, want 0 or more", ErrInvalidOption, o.IdleTimeout)
	}
	return o, nil
}

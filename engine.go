package netloop

import (
	"context"
	"runtime"
)

// What both engines' engine types share: booting, stopping, and the
// result Run returns. Each engine has its own engine type (engine_unix.go,
// engine_other.go) with the fields, and the methods for its listeners and
// loops (release, beginStop, forceStop), that this file uses.

// boot runs OnBoot, then tells Start about the engine. It reports false
// when OnBoot asked to shut down: the engine has then stopped without
// serving.
func (e *engine) boot() bool {
	eng := Engine{e}
	if e.h.OnBoot(eng) == Shutdown {
		e.release()
		e.h.OnShutdown(eng)
		close(e.done)
		if e.opts.booted != nil {
			e.opts.booted(eng) // Start returns an engine already stopped
		}
		return false
	}
	if e.opts.booted != nil {
		e.opts.booted(eng)
	}
	return true
}

// result is the error Run returns: the first fatal one, if any.
func (e *engine) result() error {
	e.errMu.Lock()
	defer e.errMu.Unlock()
	return e.err
}

// stop drains the engine and waits for Run to return.
func (e *engine) stop(ctx context.Context) error {
	e.beginStop()
	select {
	case <-e.done:
		return nil
	case <-ctx.Done():
		e.forceStop()
		<-e.done
		return ctx.Err()
	}
}

// shutdownAsync serves the Shutdown action: a callback cannot wait for
// the engine to stop, since its own loop must keep running to drain.
func (e *engine) shutdownAsync() {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), e.opts.DrainTimeout)
		defer cancel()
		e.stop(ctx)
	}()
}

// pick chooses the worker loop for a connection from ip.
func (e *engine) pick(ip []byte) *loop { return e.loops[e.lb.pick(ip)] }

func (e *engine) lockThread() {
	if e.opts.LockOSThread {
		runtime.LockOSThread()
	}
}

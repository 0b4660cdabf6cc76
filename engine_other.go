//go:build (!linux && !darwin && !freebsd) || netloop_netengine

package netloop

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
)

// engine is the portable engine, built on package net for systems without
// epoll or kqueue (Windows and the rest). Its event loops are goroutines
// that own their connections exactly as the unix engine's do: every
// handler callback for a connection runs on its loop. What package net
// cannot do without readiness polling is done by helper goroutines that
// only move bytes: an acceptor per listener, and per connection a reader
// and a writer, so that a loop never blocks on a socket.
//
// Options behave as documented, except:
//   - EdgeTriggered, LockOSThread and Backlog are ignored: there is no
//     poller to configure, loops do no system calls of their own, and
//     package net always listens with the system's maximum backlog.
//   - ReusePort is an ErrUnsupported error from Run where the system has no
//     SO_REUSEPORT (Windows among them); ReuseAddr is ignored there (see
//     reuse_none_other.go).
//   - ReadBufferSize bounds each connection's read buffer, which starts
//     small and grows while reads fill it: here every connection owns one,
//     as a reader goroutine must.
//   - Conn.Fd returns -1: package net hides descriptors behind its poller.
type engine struct {
	h         Handler
	opts      Options
	log       *slog.Logger
	loops     []*loop
	lb        balancer
	addrs     []net.Addr
	listeners []*listener

	connCount atomic.Int64
	// io counts the goroutines that move bytes: acceptors, datagram
	// readers, and each connection's reader and writer. Run waits for them
	// so that no goroutine outlives it.
	io        sync.WaitGroup
	stopping  chan struct{} // closed when a stop begins
	stopOnce  sync.Once
	forceOnce sync.Once
	done      chan struct{} // closed when Run has returned
}

func runEngine(h Handler, eps []endpoint, o Options) error {
	e := &engine{h: h, opts: o, log: o.Logger, stopping: make(chan struct{}), done: make(chan struct{})}
	e.lb.kind = o.LoadBalancing
	for i := range o.numLoops() {
		l := newLoop(e, i)
		e.loops = append(e.loops, l)
		e.lb.loads = append(e.lb.loads, &l.load)
	}
	if err := e.listen(eps); err != nil {
		e.closeListeners()
		return err
	}
	if h.OnBoot(Engine{e}) == Shutdown {
		e.closeListeners()
		h.OnShutdown(Engine{e})
		close(e.done)
		return nil
	}
	e.log.Debug("netloop: engine started", "loops", len(e.loops), "addrs", e.addrs)
	var loops sync.WaitGroup
	for _, l := range e.loops {
		loops.Go(l.run)
	}
	for _, ln := range e.listeners {
		e.io.Go(func() { e.serve(ln) })
	}
	loops.Wait()
	e.io.Wait()
	h.OnShutdown(Engine{e})
	close(e.done)
	return nil
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

// beginStop stops accepting and asks every loop to flush and close.
// Closing a net.Listener is safe from any goroutine, so the listeners
// close here rather than on a loop.
func (e *engine) beginStop() {
	e.stopOnce.Do(func() {
		close(e.stopping)
		e.closeListeners()
		for _, l := range e.loops {
			l.post(task{op: opFunc, fn: l.drain})
		}
	})
}

// forceStop asks every loop to close its connections without flushing.
func (e *engine) forceStop() {
	e.forceOnce.Do(func() {
		for _, l := range e.loops {
			l.post(task{op: opFunc, fn: l.closeAll})
		}
	})
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

// pick chooses the loop for a connection from the peer's IP.
func (e *engine) pick(ip []byte) *loop { return e.loops[e.lb.pick(ip)] }

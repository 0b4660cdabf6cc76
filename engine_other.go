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
// only move bytes: an acceptor per listener, a dialer per DialFrom, and
// per connection a reader and a writer, so that a loop never blocks on a
// socket.
//
// Options behave as documented; the docs of EdgeTriggered, LockOSThread,
// Backlog, ReusePort and ReuseAddr say how this engine treats them.
// Besides:
//   - ReadBufferSize bounds each connection's read buffer, which starts
//     small and grows while reads fill it: here every connection owns one,
//     as a reader goroutine must.
//   - Conn.Fd returns -1: package net hides descriptors behind its poller.
//   - Engine.Enroll serves the net.Conn itself, without duplicating a
//     descriptor: it is closed when the Conn closes.
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
	// readers, dialers, and each connection's reader and writer. Run
	// waits for them so that no goroutine outlives it.
	io sync.WaitGroup
	// stopping ends when a stop begins: acceptors and dials give up.
	stopping   context.Context
	cancelStop context.CancelFunc
	stopOnce   sync.Once
	forceOnce  sync.Once
	done       chan struct{} // closed when Run has returned
	errMu      sync.Mutex
	err        error // first fatal error, returned by Run
}

func runEngine(h Handler, eps []endpoint, o Options) error {
	e := &engine{h: h, opts: o, log: o.Logger, done: make(chan struct{})}
	e.stopping, e.cancelStop = context.WithCancel(context.Background())
	e.lb.kind = o.LoadBalancing
	for i := range o.numLoops() {
		l := newLoop(e, i)
		e.loops = append(e.loops, l)
		e.lb.loads = append(e.lb.loads, &l.load)
	}
	if err := e.listen(eps); err != nil {
		e.release()
		return err
	}
	if !e.boot() {
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
	e.release()
	close(e.done)
	return e.result()
}

// beginStop stops accepting and dialing, and asks every loop to flush and
// close. Closing a net.Listener is safe from any goroutine, so the
// listeners close here rather than on a loop.
func (e *engine) beginStop() {
	e.stopOnce.Do(func() {
		e.release()
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

// release closes the listeners and ends dials in progress.
func (e *engine) release() {
	e.cancelStop()
	for _, ln := range e.listeners {
		ln.close()
	}
}

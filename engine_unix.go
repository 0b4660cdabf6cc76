//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/netloop/netloop/internal/socket"
)

// engine is the reactor: listeners, event loops and the balancer between
// them. Listeners live on an acceptor loop that hands connections to the
// worker loops, except with ReusePort, where every worker loop accepts on
// its own listeners.
type engine struct {
	h     Handler
	opts  Options
	log   *slog.Logger
	sock  socket.Options
	loops []*loop // worker loops; they own connections
	// acceptor owns the listeners that are balanced over loops; nil until
	// one is needed (see acceptorLoop).
	acceptor *loop
	all      []*loop // every loop that runs, acceptor included
	lb       balancer
	addrs    []net.Addr

	connCount atomic.Int64
	stopOnce  sync.Once
	forceOnce sync.Once
	done      chan struct{} // closed when Run has returned
	errMu     sync.Mutex
	err       error // first fatal error, returned by Run
}

func runEngine(h Handler, eps []endpoint, o Options) error {
	e, err := newEngine(h, o)
	if err != nil {
		return err
	}
	if err := e.listen(eps); err != nil {
		e.release()
		return err
	}
	if !e.boot() {
		return nil
	}
	e.log.Debug("netloop: engine started", "loops", len(e.loops), "addrs", e.addrs)
	var wg sync.WaitGroup
	for _, l := range e.all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.run()
		}()
	}
	wg.Wait()
	h.OnShutdown(Engine{e})
	e.release()
	close(e.done)
	return e.result()
}

func newEngine(h Handler, o Options) (*engine, error) {
	e := &engine{
		h:    h,
		opts: o,
		log:  o.Logger,
		done: make(chan struct{}),
		sock: socket.Options{
			ReuseAddr:    o.ReuseAddr,
			ReusePort:    o.ReusePort,
			Backlog:      o.Backlog,
			NoDelay:      o.TCPNoDelay,
			KeepAlive:    o.TCPKeepAlive,
			KeepInterval: o.TCPKeepInterval,
			KeepCount:    o.TCPKeepCount,
			RecvBuffer:   o.SocketRecvBuffer,
			SendBuffer:   o.SocketSendBuffer,
			Linger:       o.Linger,
		},
	}
	n := o.numLoops()
	e.lb.kind = o.LoadBalancing
	for i := 0; i < n; i++ {
		l, err := newLoop(e, i)
		if err != nil {
			e.release()
			return nil, err
		}
		e.loops = append(e.loops, l)
		e.all = append(e.all, l)
		e.lb.loads = append(e.lb.loads, &l.load)
	}
	return e, nil
}

// acceptorLoop returns the loop that accepts for balanced listeners,
// creating it on first use: loops[0] itself when it is the only worker,
// else a loop of its own that serves no connection.
func (e *engine) acceptorLoop() (*loop, error) {
	switch {
	case e.acceptor != nil:
	case len(e.loops) == 1:
		e.acceptor = e.loops[0]
	default:
		a, err := newLoop(e, -1)
		if err != nil {
			return nil, err
		}
		e.acceptor = a
		e.all = append(e.all, a)
	}
	return e.acceptor, nil
}

// listen opens every endpoint. With ReusePort each TCP and UDP endpoint
// gets one socket per worker loop, all bound to the same port; otherwise
// stream listeners go to the acceptor and UDP sockets are spread over the
// worker loops.
func (e *engine) listen(eps []endpoint) error {
	for i, ep := range eps {
		perLoop := e.opts.ReusePort && ep.network != "unix"
		if !perLoop {
			ln, err := e.openListener(ep, ep.address)
			if err != nil {
				return err
			}
			owner := e.loops[i%len(e.loops)] // UDP: served where it is read
			if ep.isStream() {
				if owner, err = e.acceptorLoop(); err != nil {
					ln.close()
					return err
				}
			}
			ln.local = !ep.isStream() || len(e.loops) == 1
			ln.balanced = ep.isStream()
			owner.addListener(ln)
			continue
		}
		address := ep.address
		for _, l := range e.loops {
			ln, err := e.openListener(ep, address)
			if err != nil {
				return err
			}
			// Later sockets must bind the port the first one got for ":0".
			address = portOf(ln.addr, address)
			ln.local = true
			l.addListener(ln)
		}
	}
	return nil
}

func (e *engine) openListener(ep endpoint, address string) (*listener, error) {
	fd, addr, err := socket.Listen(ep.network, address, e.sock)
	if err != nil {
		return nil, fmt.Errorf("netloop: listen %s://%s: %w", ep.network, address, err)
	}
	if ep.network == "unix" {
		// A path is only meaningful once bound; net's Addr wants Net set.
		addr = &net.UnixAddr{Name: address, Net: "unix"}
	}
	if len(e.addrs) == 0 || !sameAddr(e.addrs[len(e.addrs)-1], addr) {
		e.addrs = append(e.addrs, addr)
	}
	return &listener{fd: fd, network: ep.network, addr: addr, stream: ep.isStream()}, nil
}

func sameAddr(a, b net.Addr) bool { return a.Network() == b.Network() && a.String() == b.String() }

// portOf rewrites address to use the port bound by addr.
func portOf(addr net.Addr, address string) string {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return address
	}
	var port int
	switch a := addr.(type) {
	case *net.TCPAddr:
		port = a.Port
	case *net.UDPAddr:
		port = a.Port
	default:
		return address
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// beginStop asks every loop to stop accepting, flush and close.
func (e *engine) beginStop() {
	e.stopOnce.Do(func() {
		for _, l := range e.all {
			l.post(task{op: opFunc, fn: l.drain})
		}
	})
}

// forceStop asks every loop to close its connections without flushing.
func (e *engine) forceStop() {
	e.forceOnce.Do(func() {
		for _, l := range e.all {
			l.post(task{op: opFunc, fn: l.closeAll})
		}
	})
}

// fail records a fatal error and stops the engine.
func (e *engine) fail(err error) {
	e.errMu.Lock()
	if e.err == nil {
		e.err = err
	}
	e.errMu.Unlock()
	e.log.Error("netloop: engine failed", "err", err)
	e.shutdownAsync()
}

// release frees pollers and any listener still open.
func (e *engine) release() {
	for _, l := range e.all {
		l.release()
	}
}

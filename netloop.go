// Package netloop is an event-driven networking framework: it serves TCP,
// UDP and Unix sockets from a few event loops (one per core) driven by epoll
// on Linux and kqueue on macOS and FreeBSD, instead of a goroutine per
// connection. A protocol is a Handler whose callbacks run on the loop that
// owns the connection; netloop owns the sockets, buffers, load balancing and
// shutdown.
//
// The smallest server echoes what it reads:
//
//	type echo struct{ netloop.BuiltinHandler }
//
//	func (echo) OnTraffic(c netloop.Conn) netloop.Action {
//		c.WriteTo(c) // hand every buffered byte back to the peer
//		return netloop.None
//	}
//
//	func main() { log.Fatal(netloop.Run(echo{}, "tcp://127.0.0.1:9000")) }
//
// Callbacks must not block: an event loop serves many connections, and a
// callback that sleeps stalls them all. Move blocking work to a goroutine and
// send its result with Conn.AsyncWrite.
package netloop

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"
)

// Action tells the engine what to do after a callback returns.
type Action int

const (
	// None keeps going.
	None Action = iota
	// Close closes the connection, after flushing what it has pending.
	Close
	// Shutdown stops the whole engine, as Engine.Stop does.
	Shutdown
)

func (a Action) String() string {
	switch a {
	case None:
		return "none"
	case Close:
		return "close"
	case Shutdown:
		return "shutdown"
	}
	return fmt.Sprintf("action(%d)", int(a))
}

// Handler receives the engine's events. Every callback runs on an event
// loop goroutine and must not block. Embed BuiltinHandler to implement only
// the callbacks you need.
type Handler interface {
	// OnBoot runs once when the engine is listening, before any
	// connection is served. Returning Shutdown stops it at once.
	OnBoot(eng Engine) Action
	// OnShutdown runs once after every connection has closed, just
	// before Run returns.
	OnShutdown(eng Engine)
	// OnOpen runs when a stream connection is accepted. out, if not
	// empty, is written to it first. Not called for UDP.
	OnOpen(c Conn) (out []byte, action Action)
	// OnClose runs exactly once per stream connection, after its socket
	// is closed. err is nil when this side closed it (Close action or
	// Conn.Close), io.EOF when the peer closed it, ErrEngineShutdown when
	// the engine stopped, or the socket error that ended it. Not called
	// for UDP.
	OnClose(c Conn, err error) Action
	// OnTraffic runs when bytes (stream) or a datagram (UDP) arrive.
	// Read them through c; bytes left unread stay buffered for the next
	// call, which comes when more bytes arrive.
	OnTraffic(c Conn) Action
	// OnTick runs on the first event loop when WithTicker is on: first
	// right after boot, then after each returned delay.
	OnTick() (delay time.Duration, action Action)
}

// WritabilityHandler is implemented by handlers that want to know when a
// connection's outbound buffer crosses its water marks: writable false
// when it grows above the high mark (netloop stops reading from the
// connection), true when it drains to the low mark (reading resumes).
// A producer that writes without being asked, like a push server, should
// pause while a connection is not writable.
type WritabilityHandler interface {
	OnWritabilityChanged(c Conn, writable bool)
}

// HalfCloseHandler is implemented by handlers that keep a connection open
// after its peer has finished sending (a TCP half-close). OnEOF then runs
// instead of the connection being closed with io.EOF: it may go on
// writing, and closes it (Close action or Conn.Close) when done. Once
// both sides have shut down (see Conn.CloseWrite) and output is flushed,
// netloop closes it with io.EOF. A proxy needs this to forward a FIN
// while the other direction still flows.
type HalfCloseHandler interface {
	OnEOF(c Conn) Action
}

// RawReadHandler is implemented by handlers that read some connections
// themselves, with system calls netloop does not make: splice(2) into a
// pipe, recvmsg(2) with ancillary data. After Conn.SetRawRead(true),
// netloop calls OnReadable when the socket is readable instead of reading
// it; the handler reads Conn.Fd() (non-blocking) or pauses the connection,
// and must act on the peer's EOF itself (a read that returns 0). With
// level-triggered polling (the default) OnReadable runs again while bytes
// remain unread; edge-triggered, it must read until EAGAIN.
type RawReadHandler interface {
	OnReadable(c Conn) Action
}

// BuiltinHandler implements every Handler callback as a no-op. Embed it
// and override what you need.
type BuiltinHandler struct{}

// OnBoot does nothing.
func (BuiltinHandler) OnBoot(Engine) Action { return None }

// OnShutdown does nothing.
func (BuiltinHandler) OnShutdown(Engine) {}

// OnOpen sends nothing.
func (BuiltinHandler) OnOpen(Conn) ([]byte, Action) { return nil, None }

// OnClose does nothing.
func (BuiltinHandler) OnClose(Conn, error) Action { return None }

// OnTraffic leaves the bytes buffered.
func (BuiltinHandler) OnTraffic(Conn) Action { return None }

// OnTick asks for the next tick in one second.
func (BuiltinHandler) OnTick() (time.Duration, Action) { return time.Second, None }

// Engine is a handle on a running engine, handed to OnBoot and
// OnShutdown. Its methods are safe for concurrent use.
type Engine struct {
	e *engine
}

// Stop shuts the engine down: it stops accepting, flushes what every
// connection has pending, closes them all and returns once Run has
// returned. If ctx ends first, remaining connections are closed without
// waiting for their writes and Stop returns ctx's error.
func (eng Engine) Stop(ctx context.Context) error {
	if eng.e == nil {
		return ErrEngineNotRunning
	}
	return eng.e.stop(ctx)
}

// Addrs returns the addresses the engine listens on, with the ports the
// kernel chose for ":0".
func (eng Engine) Addrs() []net.Addr {
	if eng.e == nil {
		return nil
	}
	return append([]net.Addr(nil), eng.e.addrs...)
}

// NumLoops returns the number of event loops that serve connections; each
// connection's Conn.LoopIndex is below it.
func (eng Engine) NumLoops() int {
	if eng.e == nil {
		return 0
	}
	return len(eng.e.loops)
}

// CountConnections returns the number of open stream connections.
func (eng Engine) CountConnections() int {
	if eng.e == nil {
		return 0
	}
	return int(eng.e.connCount.Load())
}

// Run serves one address until the engine stops. An address is
// "network://host:port" with network one of tcp, tcp4, tcp6, udp, udp4,
// udp6, or "unix:///path/to.sock"; without a scheme it is TCP.
func Run(h Handler, addr string, opts ...Option) error {
	return RunAll(h, []string{addr}, opts...)
}

// RunAll serves several addresses from one engine until it stops. With no
// address, the engine only serves connections made with Engine.Dial and
// Engine.Enroll.
func RunAll(h Handler, addrs []string, opts ...Option) error {
	if h == nil {
		return fmt.Errorf("%w: nil handler", ErrInvalidOption)
	}
	o, err := buildOptions(opts)
	if err != nil {
		return err
	}
	eps := make([]endpoint, 0, len(addrs))
	for _, a := range addrs {
		ep, err := parseAddr(a)
		if err != nil {
			return err
		}
		eps = append(eps, ep)
	}
	return runEngine(h, eps, o)
}

// Start is RunAll in the background: it returns once the engine is
// listening and OnBoot has run, or with the error that kept it from
// starting. Engine.Wait then waits for it to stop.
func Start(h Handler, addrs []string, opts ...Option) (Engine, error) {
	booted := make(chan Engine, 1)
	failed := make(chan error, 1)
	opts = append(opts, func(o *Options) { o.booted = func(eng Engine) { booted <- eng } })
	go func() {
		if err := RunAll(h, addrs, opts...); err != nil {
			failed <- err
		}
	}()
	select {
	case eng := <-booted:
		return eng, nil
	case err := <-failed:
		return Engine{}, err
	}
}

// Wait blocks until the engine has stopped and returns what Run returned.
func (eng Engine) Wait() error {
	if eng.e == nil {
		return ErrEngineNotRunning
	}
	<-eng.e.done
	return eng.e.result()
}

// Dial connects to address (in Run's form, e.g. "tcp://127.0.0.1:6379")
// and serves the connection on one of the engine's loops with h (nil: the
// engine's handler): OnOpen runs, then Dial returns the Conn. It blocks
// until connected, failed (errors.Is matches the cause, e.g.
// syscall.ECONNREFUSED, or ErrDialTimeout), or ctx ends. Safe for
// concurrent use, but not from a callback, whose loop it would block: use
// DialFrom there.
func (eng Engine) Dial(ctx context.Context, address string, h Handler) (Conn, error) {
	if eng.e == nil {
		return nil, ErrEngineNotRunning
	}
	ep, err := parseAddr(address)
	if err != nil {
		return nil, err
	}
	return eng.e.dial(ctx, ep, h)
}

// DialFrom connects to address from a callback, on from's event loop, so
// that the two connections share a loop and never need a cross-thread hop
// (what a proxy or gateway wants). It does not block: when the connect
// completes, the new connection's OnOpen runs (with h, or from's engine
// handler if nil), then cb gets it; if it fails or timeout (0: the
// engine's DialTimeout) passes, cb gets a nil Conn and the error. Call
// only on from's event loop.
func DialFrom(from Conn, address string, h Handler, timeout time.Duration, cb AsyncCallback) error {
	c, ok := from.(*conn)
	if !ok || cb == nil {
		return fmt.Errorf("%w: DialFrom needs a netloop connection and a callback", ErrUnsupported)
	}
	ep, err := parseAddr(address)
	if err != nil {
		return err
	}
	return dialFrom(c, ep, h, timeout, cb)
}

// Enroll adopts an established net.Conn (TCP, Unix or connected UDP): the
// engine serves it on one of its loops with h (nil: the engine's handler)
// and closes nc, whose descriptor it has duplicated. (The portable engine
// serves nc itself instead, any net.Conn, and closes it with the Conn.)
// It returns once OnOpen has run. Safe for concurrent use, but not from a
// callback.
func (eng Engine) Enroll(ctx context.Context, nc net.Conn, h Handler) (Conn, error) {
	if eng.e == nil {
		return nil, ErrEngineNotRunning
	}
	return eng.e.enroll(ctx, nc, h)
}

// EnrollFd adopts an established socket by its descriptor: a connected
// TCP, Unix-stream or UDP socket, such as one inherited from a parent
// process or received over a Unix socket. The engine owns fd from the
// call on: it closes it with the Conn, or at once if EnrollFd fails. A
// descriptor that is not a socket, a listening or unconnected socket, or
// a kind netloop does not serve is refused; the error matches
// ErrUnsupported or the system's (unix.ENOTSOCK, unix.ENOTCONN) with
// errors.Is. (The portable engine hands fd to net.FileConn and leaves
// these checks to package net.) Safe for concurrent use, but not from a
// callback.
func (eng Engine) EnrollFd(ctx context.Context, fd int, h Handler) (Conn, error) {
	if eng.e == nil {
		return nil, ErrEngineNotRunning
	}
	return eng.e.enrollFd(ctx, fd, h)
}

// endpoint is one address to listen on.
type endpoint struct {
	network string // tcp, tcp4, tcp6, udp, udp4, udp6, unix
	address string
}

func (ep endpoint) isStream() bool { return !strings.HasPrefix(ep.network, "udp") }

func parseAddr(s string) (endpoint, error) {
	network, address, ok := strings.Cut(s, "://")
	if !ok {
		network, address = "tcp", s
	}
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "unix":
	default:
		return endpoint{}, fmt.Errorf("%w: %q: unknown network %q", ErrInvalidAddress, s, network)
	}
	if address == "" {
		return endpoint{}, fmt.Errorf("%w: %q: empty address", ErrInvalidAddress, s)
	}
	return endpoint{network: network, address: address}, nil
}

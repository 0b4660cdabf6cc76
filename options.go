package netloop

import (
	"fmt"
	"log/slog"
	"runtime"
	"time"
)

// LoadBalancing picks the event loop for each accepted connection.
type LoadBalancing int

const (
	// RoundRobin hands connections to the loops in turn.
	RoundRobin LoadBalancing = iota
	// LeastConnections picks the loop with the fewest open connections.
	LeastConnections
	// SourceAddrHash picks the loop by a hash of the peer's IP address,
	// so one client host always lands on the same loop.
	SourceAddrHash
)

func (lb LoadBalancing) String() string {
	switch lb {
	case RoundRobin:
		return "round-robin"
	case LeastConnections:
		return "least-connections"
	case SourceAddrHash:
		return "source-addr-hash"
	}
	return fmt.Sprintf("LoadBalancing(%d)", int(lb))
}

// Options configure an engine. Start from the defaults with the With*
// functions; each field's doc gives its default.
type Options struct {
	// Multicore runs one event loop per CPU. Default false (one loop).
	Multicore bool
	// NumLoops sets the exact number of event loops; it overrides
	// Multicore when > 0.
	NumLoops int
	// LoadBalancing picks a loop for each accepted connection. Default
	// RoundRobin. Ignored with ReusePort, where the kernel balances.
	LoadBalancing LoadBalancing
	// ReusePort gives every loop its own listening socket for each TCP or
	// UDP address (SO_REUSEPORT) and lets the kernel spread connections;
	// it also lets several processes share a port. Default false.
	// The portable engine (Windows, or the netloop_netengine build tag)
	// does the same where the system has SO_REUSEPORT; elsewhere, Windows
	// among them, Run fails with an error matching ErrUnsupported.
	ReusePort bool
	// ReuseAddr sets SO_REUSEADDR on listeners, so a restarted server can
	// bind while old connections linger in TIME_WAIT. Default true.
	// The portable engine sets it as asked where the system has
	// SO_REUSEPORT too, and ignores it elsewhere: Windows binds over
	// TIME_WAIT without it, and there it would let another socket take
	// the port.
	ReuseAddr bool
	// Backlog is the listen queue length; 0 means the system maximum.
	// The portable engine ignores it: package net always listens with
	// the system maximum.
	Backlog int
	// EdgeTriggered registers sockets edge-triggered (EPOLLET, EV_CLEAR).
	// The kernel then reports a socket once per arrival instead of at
	// every poll while it is readable, which saves it a readiness check
	// per message. Each event reads until a read comes back short (the
	// socket is empty) or, for a peer that keeps sending, four reads;
	// such a connection reads on after the loop's next poll, taking turns
	// with the others. Default false (level-triggered, one read per event).
	// The portable engine ignores it: it has no poller, and each
	// connection's reader goroutine hands the loop one read at a time.
	EdgeTriggered bool
	// QuietWait is how long an event loop with nothing to do waits for
	// readiness before it tells the Go scheduler that it blocks; it is
	// rounded up to whole milliseconds. Default 0 (tell it at once).
	//
	// A goroutine blocked in a system call is bookkeeping for the
	// runtime: after 20 us its monitor thread takes the goroutine's P
	// away, keeps waking every 20 us while system calls keep blocking,
	// and the loop must take a P back when the call returns. A loop under
	// a steady load of small requests sleeps for tens of microseconds
	// many thousand times a second, and that bookkeeping then costs more
	// than the wait: on netloop's Redis benchmark (one loop, GOMAXPROCS
	// 1) a QuietWait of 1 ms cut CPU time per request by 3.5-5% and raised
	// requests per second, in every round.
	//
	// The price: while a loop waits quietly, its P runs nothing else. Set
	// it when the event loops are the process's work (a server whose
	// handlers never hand work to goroutines) or when GOMAXPROCS exceeds
	// the number of loops; otherwise another goroutine that becomes
	// runnable may wait for the quiet wait to end, or, under constant
	// load, for the runtime to preempt the loop (10 ms). So too may a loop
	// whose events are ready, if there are more loops than GOMAXPROCS;
	// the dedicated acceptor never waits quietly. Linux only; the other
	// engines ignore it.
	QuietWait time.Duration
	// Coalesce is how long an event loop that wakes to find only a few
	// connections ready (fewer than 4) sleeps before serving them, so
	// that connections that become ready meanwhile join the batch.
	// Default 0 (serve at once). At most 1 ms; the kernel adds the
	// thread's timer slack (50 us by default) to the sleep.
	//
	// Under a load of many small requests a loop otherwise serves them
	// one or two at a time: it polls, and often sleeps and is woken,
	// for each, and its peers get their replies one at a time too. With
	// a Coalesce of 20 us, netloop's Redis benchmark (one loop, 50
	// clients, one request each in flight) served 5-6 requests a poll
	// instead of 1.1-2.8, and server CPU time per request fell from
	// 11-13 us to 9-11 us.
	//
	// The price is latency: a request in a small batch waits up to the
	// sleep. So a loop gathers only while it serves 16 or more
	// connections at once (counted over its last 512 reads): a few
	// clients that each wait for their reply would all be waiting on the
	// sleep, and lost up to half their requests per second to it. A loop
	// whose sleeps find nothing new, or find every active connection
	// ready, backs off, trying again 1, 2, 4 ... up to 64 small batches
	// later. As with QuietWait the sleep is hidden from the Go scheduler,
	// so the loop's P runs nothing else meanwhile; batches woken by tasks
	// (AsyncWrite, Wake) and the dedicated acceptor never wait. Linux
	// only; the other engines ignore it.
	Coalesce time.Duration
	// LockOSThread locks each event loop to its own OS thread. Default
	// false. The portable engine locks its loop goroutines, where the
	// callbacks run; the goroutines that move bytes stay unlocked.
	LockOSThread bool
	// TCPNoDelay disables Nagle's algorithm on TCP connections. Default
	// true: an event loop writes whole messages, so delaying them only adds
	// latency.
	TCPNoDelay bool
	// TCPKeepAlive enables TCP keepalive after this much idle time; 0
	// leaves it off. Default 0.
	TCPKeepAlive time.Duration
	// TCPKeepInterval is the time between keepalive probes; 0 keeps the
	// system default.
	TCPKeepInterval time.Duration
	// TCPKeepCount is the number of unanswered probes before the
	// connection is dropped; 0 keeps the system default.
	TCPKeepCount int
	// SocketRecvBuffer and SocketSendBuffer set SO_RCVBUF and SO_SNDBUF
	// in bytes; 0 keeps the system default.
	SocketRecvBuffer int
	SocketSendBuffer int
	// Linger sets SO_LINGER in seconds on TCP connections; negative (the
	// default, -1) keeps the system behaviour, 0 resets connections on
	// close instead of a FIN handshake.
	Linger int
	// ReadBufferSize is the size of each loop's scratch read buffer, the
	// most one read(2) takes. Default 64 KiB.
	ReadBufferSize int
	// Ticker enables Handler.OnTick. Default false.
	Ticker bool
	// DrainTimeout bounds how long a Shutdown action waits for pending
	// writes before closing connections anyway. Default 5 s. (Engine.Stop
	// takes its bound from its context instead.)
	DrainTimeout time.Duration
	// Logger receives the engine's logs. Default slog.Default().
	Logger *slog.Logger

	// WriteHighWater and WriteLowWater are the outbound buffer's water
	// marks (invariant 5): above high, netloop stops reading from the
	// connection and reports it not writable, until its buffer drains to
	// low. Defaults 1 MiB and 256 KiB; Conn.SetWriteWaterMarks overrides
	// them per connection.
	WriteHighWater int
	WriteLowWater  int
	// MaxOutbound caps a connection's outbound buffer: a write that would
	// grow it past this many bytes fails with ErrOutboundFull, for
	// producers that ignore writability. Default 128 MiB.
	MaxOutbound int
	// MaxInbound caps the bytes a handler may leave unread: a connection
	// that buffers more is closed with ErrInboundFull. Default 64 MiB.
	MaxInbound int

	// IdleTimeout closes a connection with no read and no write for this
	// long; ReadTimeout one that receives nothing for this long;
	// WriteTimeout one whose pending output makes no progress for this
	// long. Zero (the default) disables each. OnClose then gets an error
	// matching ErrTimeout. Conn has setters to override them per
	// connection.
	IdleTimeout  time.Duration
	ReadTimeout  time.Duration
	WriteTimeout time.Duration

	// DialTimeout bounds a connect when the caller gives no tighter
	// bound. Default 30 s.
	DialTimeout time.Duration

	// booted, set by Start, learns of the engine once it has booted.
	booted func(Engine)

	// PanicRecovery recovers a panic in a handler callback, logs it with
	// its stack, and closes only that connection with an error matching
	// ErrPanic. Default true.
	PanicRecovery bool
}

// Option changes one field of Options.
type Option func(*Options)

func defaultOptions() Options {
	return Options{
		ReuseAddr:      true,
		TCPNoDelay:     true,
		Linger:         -1,
		ReadBufferSize: 64 << 10,
		DrainTimeout:   5 * time.Second,
		WriteHighWater: 1 << 20,
		WriteLowWater:  256 << 10,
		MaxOutbound:    128 << 20,
		MaxInbound:     64 << 20,
		PanicRecovery:  true,
		DialTimeout:    30 * time.Second,
	}
}

func buildOptions(opts []Option) (Options, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, o.validate()
}

func (o *Options) validate() error {
	switch {
	case o.NumLoops < 0:
		return fmt.Errorf("%w: NumLoops %d is negative", ErrInvalidOption, o.NumLoops)
	case o.NumLoops > 4096:
		return fmt.Errorf("%w: NumLoops %d is more than 4096", ErrInvalidOption, o.NumLoops)
	case o.LoadBalancing < RoundRobin || o.LoadBalancing > SourceAddrHash:
		return fmt.Errorf("%w: unknown load balancing %d", ErrInvalidOption, int(o.LoadBalancing))
	case o.Backlog < 0:
		return fmt.Errorf("%w: Backlog %d is negative", ErrInvalidOption, o.Backlog)
	case o.TCPKeepAlive < 0 || o.TCPKeepInterval < 0 || o.TCPKeepCount < 0:
		return fmt.Errorf("%w: negative TCP keepalive setting", ErrInvalidOption)
	case o.SocketRecvBuffer < 0 || o.SocketSendBuffer < 0:
		return fmt.Errorf("%w: negative socket buffer size", ErrInvalidOption)
	case o.ReadBufferSize < 512 || o.ReadBufferSize > 64<<20:
		return fmt.Errorf("%w: ReadBufferSize %d is outside 512 B .. 64 MiB", ErrInvalidOption, o.ReadBufferSize)
	case o.DrainTimeout <= 0:
		return fmt.Errorf("%w: DrainTimeout %v must be positive", ErrInvalidOption, o.DrainTimeout)
	case o.DialTimeout <= 0:
		return fmt.Errorf("%w: DialTimeout %v must be positive", ErrInvalidOption, o.DialTimeout)
	case o.QuietWait < 0 || o.QuietWait > time.Second:
		return fmt.Errorf("%w: QuietWait %v is outside 0 .. 1s", ErrInvalidOption, o.QuietWait)
	case o.Coalesce < 0 || o.Coalesce > time.Millisecond:
		return fmt.Errorf("%w: Coalesce %v is outside 0 .. 1ms", ErrInvalidOption, o.Coalesce)
	case o.IdleTimeout < 0 || o.ReadTimeout < 0 || o.WriteTimeout < 0:
		return fmt.Errorf("%w: negative timeout", ErrInvalidOption)
	case o.MaxInbound <= 0 || o.MaxOutbound <= 0:
		return fmt.Errorf("%w: MaxInbound and MaxOutbound must be positive", ErrInvalidOption)
	}
	return validWaterMarks(o.WriteLowWater, o.WriteHighWater, o.MaxOutbound)
}

func validWaterMarks(low, high, max int) error {
	if low < 0 || high <= 0 || low > high || high > max {
		return fmt.Errorf("%w: water marks need 0 <= low (%d) <= high (%d), 0 < high <= MaxOutbound (%d)",
			ErrInvalidOption, low, high, max)
	}
	return nil
}

// numLoops resolves Multicore and NumLoops into a loop count.
func (o *Options) numLoops() int {
	switch {
	case o.NumLoops > 0:
		return o.NumLoops
	case o.Multicore:
		return runtime.NumCPU()
	}
	return 1
}

// WithOptions replaces all options with o (fields left zero get zero, not
// the defaults).
func WithOptions(o Options) Option { return func(p *Options) { *p = o } }

// WithMulticore runs one event loop per CPU.
func WithMulticore(on bool) Option { return func(o *Options) { o.Multicore = on } }

// WithNumLoops sets the exact number of event loops.
func WithNumLoops(n int) Option { return func(o *Options) { o.NumLoops = n } }

// WithLoadBalancing picks the algorithm that assigns connections to loops.
func WithLoadBalancing(lb LoadBalancing) Option { return func(o *Options) { o.LoadBalancing = lb } }

// WithReusePort gives every loop its own SO_REUSEPORT listener.
func WithReusePort(on bool) Option { return func(o *Options) { o.ReusePort = on } }

// WithReuseAddr sets SO_REUSEADDR on listeners.
func WithReuseAddr(on bool) Option { return func(o *Options) { o.ReuseAddr = on } }

// WithBacklog sets the listen queue length.
func WithBacklog(n int) Option { return func(o *Options) { o.Backlog = n } }

// WithEdgeTriggered selects edge-triggered polling.
func WithEdgeTriggered(on bool) Option { return func(o *Options) { o.EdgeTriggered = on } }

// WithQuietWait lets an idle loop wait up to d before it blocks in a way
// the Go scheduler sees (see Options.QuietWait).
func WithQuietWait(d time.Duration) Option { return func(o *Options) { o.QuietWait = d } }

// WithCoalesce lets a loop that wakes to a small batch wait up to d for
// more before serving it (see Options.Coalesce).
func WithCoalesce(d time.Duration) Option { return func(o *Options) { o.Coalesce = d } }

// WithLockOSThread locks each event loop to an OS thread.
func WithLockOSThread(on bool) Option { return func(o *Options) { o.LockOSThread = on } }

// WithTCPNoDelay sets TCP_NODELAY on TCP connections (default on).
func WithTCPNoDelay(on bool) Option { return func(o *Options) { o.TCPNoDelay = on } }

// WithTCPKeepAlive turns on TCP keepalive: first probe after idle, then
// every interval, dropping the connection after count unanswered probes.
// Zero interval or count keep the system defaults.
func WithTCPKeepAlive(idle, interval time.Duration, count int) Option {
	return func(o *Options) { o.TCPKeepAlive, o.TCPKeepInterval, o.TCPKeepCount = idle, interval, count }
}

// WithSocketBuffers sets SO_RCVBUF and SO_SNDBUF (0 keeps a default).
func WithSocketBuffers(recv, send int) Option {
	return func(o *Options) { o.SocketRecvBuffer, o.SocketSendBuffer = recv, send }
}

// WithLinger sets SO_LINGER in seconds (negative: system default).
func WithLinger(sec int) Option { return func(o *Options) { o.Linger = sec } }

// WithReadBufferSize sets the per-loop scratch read buffer size.
func WithReadBufferSize(n int) Option { return func(o *Options) { o.ReadBufferSize = n } }

// WithTicker enables Handler.OnTick.
func WithTicker(on bool) Option { return func(o *Options) { o.Ticker = on } }

// WithDrainTimeout bounds the flush a Shutdown action waits for.
func WithDrainTimeout(d time.Duration) Option { return func(o *Options) { o.DrainTimeout = d } }

// WithWriteWaterMarks sets the outbound water marks (see Options).
func WithWriteWaterMarks(low, high int) Option {
	return func(o *Options) { o.WriteLowWater, o.WriteHighWater = low, high }
}

// WithMaxOutbound caps each connection's outbound buffer.
func WithMaxOutbound(n int) Option { return func(o *Options) { o.MaxOutbound = n } }

// WithMaxInbound caps the unread bytes each connection may hold.
func WithMaxInbound(n int) Option { return func(o *Options) { o.MaxInbound = n } }

// WithIdleTimeout closes connections idle (no read, no write) for d.
func WithIdleTimeout(d time.Duration) Option { return func(o *Options) { o.IdleTimeout = d } }

// WithReadTimeout closes connections that receive nothing for d.
func WithReadTimeout(d time.Duration) Option { return func(o *Options) { o.ReadTimeout = d } }

// WithWriteTimeout closes connections whose pending output makes no
// progress for d.
func WithWriteTimeout(d time.Duration) Option { return func(o *Options) { o.WriteTimeout = d } }

// WithDialTimeout sets the default connect timeout.
func WithDialTimeout(d time.Duration) Option { return func(o *Options) { o.DialTimeout = d } }

// WithPanicRecovery turns handler panic isolation on or off.
func WithPanicRecovery(on bool) Option { return func(o *Options) { o.PanicRecovery = on } }

// WithLogger sets the engine's logger.
func WithLogger(l *slog.Logger) Option { return func(o *Options) { o.Logger = l } }

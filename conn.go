package netloop

import (
	"io"
	"net"
	"time"
)

// AsyncCallback runs on the connection's event loop when an asynchronous
// operation has completed; err is nil on success.
type AsyncCallback func(c Conn, err error)

// Conn is one connection (stream) or one received datagram (UDP) as seen
// by a Handler.
//
// The methods marked "Call only on the connection's event loop" may be used
// only inside a Handler callback for this connection (or an AsyncCallback):
// they touch buffers that the loop owns, without locks. The others are safe
// for concurrent use from any goroutine.
//
// For UDP, each datagram gets its own Conn: reading yields that datagram,
// and writes send one datagram back to its sender.
type Conn interface {
	// Peek returns the next n buffered bytes without consuming them
	// (n < 0: all of them). With fewer than n buffered it returns those
	// and io.ErrShortBuffer. The slice is valid only until the callback
	// returns. Call only on the connection's event loop.
	Peek(n int) ([]byte, error)
	// Next is Peek followed by Discard: it consumes what it returns.
	// Call only on the connection's event loop.
	Next(n int) ([]byte, error)
	// Discard drops the next n buffered bytes (n < 0: all) and returns
	// how many it dropped. Call only on the connection's event loop.
	Discard(n int) (int, error)
	// InboundBuffered returns how many bytes are buffered for reading.
	// Call only on the connection's event loop.
	InboundBuffered() int
	// Read copies buffered bytes into p; it never blocks and returns
	// io.EOF when nothing is buffered. Call only on the connection's
	// event loop.
	io.Reader
	// WriteTo writes every buffered byte to w and consumes them.
	// Call only on the connection's event loop.
	io.WriterTo

	// Write sends b: straight to the socket when nothing is pending, the
	// rest into the outbound buffer to be flushed as the peer reads. It
	// copies what it keeps. Call only on the connection's event loop.
	io.Writer
	// Writev writes several slices, with one writev(2) when possible.
	// Call only on the connection's event loop.
	Writev(bs [][]byte) (int, error)
	// AvailableBuffer returns an empty buffer to append output to and
	// pass to an immediately following Write or Writev, as with
	// bufio.Writer's method of the name: a reply built there needs no
	// buffer of its own, no allocation and no pool. The buffer belongs
	// to the event loop and is shared by all its connections, so it is
	// valid only until the next AvailableBuffer call on any of them, and
	// never for AsyncWrite (which keeps what it is given). Write copies
	// what it keeps. Appending past its capacity (16 KiB) allocates, as
	// append does. Call only on the connection's event loop.
	AvailableBuffer() []byte
	// ReadFrom writes everything r yields until io.EOF (an io.Reader that
	// blocks would stall the loop). Call only on the connection's event
	// loop.
	io.ReaderFrom
	// Flush tries to write the outbound buffer now. Call only on the
	// connection's event loop.
	Flush() error
	// OutboundBuffered returns the bytes waiting to be written.
	// Call only on the connection's event loop.
	OutboundBuffered() int

	// AsyncWrite queues b to be written on the connection's loop, then
	// calls cb (if not nil) there. b is not copied: leave it unmodified
	// until cb runs. Writes from one goroutine keep their order. If it
	// returns an error, b is not written and cb is not called.
	// Safe for concurrent use.
	AsyncWrite(b []byte, cb AsyncCallback) error
	// AsyncWritev is AsyncWrite for several slices. Safe for concurrent
	// use.
	AsyncWritev(bs [][]byte, cb AsyncCallback) error
	// Wake runs cb on the connection's event loop, where it may use the
	// loop-only methods. Safe for concurrent use.
	Wake(cb AsyncCallback) error
	// Yield lets other goroutines run once the event loop has served its
	// current batch of events, before it polls again. A handler that has
	// just handed work to a goroutine (a worker pool's) calls it: when
	// GOMAXPROCS is no more than the number of loops, that goroutine
	// would otherwise wait until the runtime takes the processor from a
	// loop blocked in epoll_wait, 20 µs to 10 ms later. Calls within one
	// batch yield once. Call only on the connection's event loop.
	Yield()
	// Close closes the connection after flushing what it has pending;
	// OnClose then reports a nil error. Safe for concurrent use.
	Close() error
	// CloseWithCallback is Close, then cb on the loop once closed.
	// Safe for concurrent use.
	CloseWithCallback(cb AsyncCallback) error

	// CloseWrite shuts down the sending side (a TCP FIN) once pending
	// output is flushed, keeping the connection open for reading; later
	// writes fail with ErrClosed. Call only on the connection's event
	// loop.
	CloseWrite() error
	// PauseReading stops reading from the connection until ResumeReading:
	// bytes wait in the kernel, and TCP flow control slows the peer down.
	// Call only on the connection's event loop.
	PauseReading()
	// ResumeReading undoes PauseReading. Call only on the connection's
	// event loop.
	ResumeReading()

	// Writable reports whether the outbound buffer is below its high
	// water mark; when it is not, netloop has stopped reading from the
	// connection, and producers should wait for OnWritabilityChanged.
	// Call only on the connection's event loop.
	Writable() bool
	// SetPauseOnHighWater says whether crossing the high water mark
	// stops reading from this connection (the default, right for
	// request-response protocols) or only reports it through Writable and
	// OnWritabilityChanged — for a relay, whose two directions are
	// independent: it pauses the other side itself, with PauseReading.
	// Call only on the connection's event loop.
	SetPauseOnHighWater(on bool)
	// SetRawRead switches between netloop reading the socket (false, the
	// default) and calling the handler's RawReadHandler.OnReadable when
	// it is readable (true). Bytes netloop read before stay in the
	// inbound buffer (Peek, Next). It fails with ErrUnsupported if the
	// handler has no OnReadable, for datagram connections, and on the
	// portable engine. Call only on the connection's event loop.
	SetRawRead(on bool) error
	// NotifyWritable calls cb, on the loop, once the socket can take more
	// bytes and netloop's outbound buffer is empty: for a handler that
	// writes Conn.Fd() itself and met EAGAIN. cb gets ErrClosed if the
	// connection closes first. One notification may be pending at a time
	// (ErrNotifyPending). ErrUnsupported on the portable engine. Call
	// only on the connection's event loop.
	NotifyWritable(cb AsyncCallback) error
	// NoteWritten tells netloop that the handler has written to Fd()
	// itself, so that the idle timeout counts it as traffic (netloop's
	// own reads and writes are counted already, and so is each
	// OnReadable). Call only on the connection's event loop.
	NoteWritten()
	// SetWriteWaterMarks overrides the engine's water marks for this
	// connection. Call only on the connection's event loop.
	SetWriteWaterMarks(low, high int) error
	// SetIdleTimeout, SetReadTimeout and SetWriteTimeout override the
	// engine's timeouts for this connection (0 disables). Call only on
	// the connection's event loop.
	SetIdleTimeout(d time.Duration)
	SetReadTimeout(d time.Duration)
	SetWriteTimeout(d time.Duration)

	// Context returns the value set with SetContext. Call only on the
	// connection's event loop.
	Context() any
	// SetContext attaches a value of the user's to the connection. Call
	// only on the connection's event loop.
	SetContext(ctx any)
	// LocalAddr returns the local address. Safe for concurrent use.
	LocalAddr() net.Addr
	// RemoteAddr returns the peer's address. Safe for concurrent use.
	RemoteAddr() net.Addr
	// Fd returns the socket's file descriptor (for UDP, the listening
	// socket's), or -1 where the platform engine has none. Safe for
	// concurrent use; do not close it.
	Fd() int
	// LoopIndex returns the index of the event loop that serves the
	// connection, from 0 to Engine.NumLoops()-1; it never changes. The
	// callbacks of one loop run one at a time, so state kept per loop
	// (a slice indexed by LoopIndex, sized in OnBoot) needs no lock when
	// only callbacks touch it. Safe for concurrent use.
	LoopIndex() int
}

// Both engines implement Conn with a type conn (conn_unix.go,
// conn_other.go) that has the fields this file and inbound.go,
// outbound.go and timeouts.go use.

type connState uint8

const (
	connOpen    connState = iota
	connClosing           // closing once the outbound buffer is flushed
	connClosed
	connConnecting // a dial in progress, not yet handed to the handler (unix engine)
)

// connExt holds what most connections never use, so that an idle
// connection stays small.
type connExt struct {
	low, high      int // water marks overriding the engine's; high 0 = unset
	closeCallbacks []AsyncCallback
	timeouts
	// A dial in progress: where to, when to give up, whom to tell.
	local, remote net.Addr // a dialed or enrolled connection's addresses
	closeReason   error    // what OnClose will say, once output is flushed
	keepReading   bool     // SetPauseOnHighWater(false): crossing high only reports
	rawRead       bool     // SetRawRead(true): OnReadable instead of reads
	hupParked     bool     // hung up while paused: out of the poller until wanted
	writeNotify   AsyncCallback
	dialing       endpoint
	connectBy     time.Duration
	done          dialDone
}

func (c *conn) extra() *connExt {
	if c.ext == nil {
		c.ext = &connExt{}
		c.ext.timer.Value = c
	}
	return c.ext
}

func (c *conn) AsyncWrite(b []byte, cb AsyncCallback) error {
	if c.closed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{op: opWrite, c: c, b: b, cb: cb})
}

func (c *conn) AsyncWritev(bs [][]byte, cb AsyncCallback) error {
	if c.closed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{op: opWritev, c: c, bs: bs, cb: cb})
}

func (c *conn) Wake(cb AsyncCallback) error {
	if c.closed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{op: opWake, c: c, cb: cb})
}

func (c *conn) Close() error { return c.CloseWithCallback(nil) }

func (c *conn) CloseWithCallback(cb AsyncCallback) error {
	if c.packet {
		return ErrUnsupported
	}
	if c.closed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{op: opClose, c: c, cb: cb})
}

func (c *conn) Context() any       { return c.ctx }
func (c *conn) SetContext(ctx any) { c.ctx = ctx }

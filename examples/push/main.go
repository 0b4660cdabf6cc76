// Push is a push server with heartbeats: it sends a line to every
// connected client on a timer — the shape of feeds and notifications —
// skips clients that are not keeping up, and closes clients that have gone
// silent.
//
//	go run ./examples/push -addr 127.0.0.1:9000 -every 1s -timeout 30s
//	nc 127.0.0.1 9000    # type a line now and then, or be closed after 30 s
//
// The protocol: the server sends "welcome\n" on connect, then "tick N\n"
// every -every. A client shows it is alive by sending anything at all
// (say "ok\n" for each tick); the server discards what it receives, and
// closes a client that has sent nothing for -timeout.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netloop/netloop"
)

// pushServer keeps the set of open connections and writes to all of them
// from OnTick.
type pushServer struct {
	netloop.BuiltinHandler
	every   time.Duration // between pushes
	timeout time.Duration // of silence before a client is closed; 0: never
	size    int           // pad each push to at least this many bytes
	log     *slog.Logger

	// OnOpen and OnClose run on the loop that owns each connection, and
	// with several loops those run at the same time as each other and as
	// OnTick (which runs on the first loop), so the set needs a mutex.
	mu      sync.Mutex
	clients map[netloop.Conn]*client

	// skipped counts pushes not sent because their client was not
	// writable.
	skipped atomic.Int64

	ticks   int       // touched only by OnTick, always on one loop
	targets []*client // OnTick's reusable snapshot of clients
}

// client is one connection's state, kept with Conn.SetContext.
type client struct {
	conn netloop.Conn
	// paused mirrors !conn.Writable(). Writable may be called only on the
	// connection's own loop, but OnTick runs on the first loop, so the
	// connection's loop publishes the state here, in
	// OnWritabilityChanged, for OnTick to read.
	paused atomic.Bool
}

func newPushServer(every, timeout time.Duration, size int, log *slog.Logger) *pushServer {
	return &pushServer{every: every, timeout: timeout, size: size, log: log,
		clients: make(map[netloop.Conn]*client)}
}

// OnOpen registers the client and starts its read timeout.
//
// Liveness uses Conn.SetReadTimeout rather than package heartbeat. A
// heartbeat is two things: a ping the peer must answer, and a read timeout
// that closes the connection when no answer comes. This server already
// writes to every client on a timer, so the pushes are the pings, and what
// is left is the read timeout, which heartbeat.Heartbeat.Add would set with
// the same call. The Heartbeat would add a second goroutine, a second set
// of connections, and pings that ignore writability (it writes to clients
// OnTick skips). It pays off for request-response protocols, where the
// server otherwise never speaks first.
func (s *pushServer) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	cl := &client{conn: c}
	c.SetContext(cl)
	if s.timeout > 0 {
		c.SetReadTimeout(s.timeout)
	}
	s.mu.Lock()
	s.clients[c] = cl
	s.mu.Unlock()
	return []byte("welcome\n"), netloop.None
}

// OnTraffic discards what the client sends: its arrival is all that
// matters, and it has already restarted the read timeout.
func (s *pushServer) OnTraffic(c netloop.Conn) netloop.Action {
	c.Discard(-1)
	return netloop.None
}

// OnWritabilityChanged runs on the connection's loop when its outbound
// buffer rises above the high water mark (writable false) and when it has
// drained to the low one (true).
func (s *pushServer) OnWritabilityChanged(c netloop.Conn, writable bool) {
	if cl, ok := c.Context().(*client); ok {
		cl.paused.Store(!writable)
	}
}

func (s *pushServer) OnClose(c netloop.Conn, err error) netloop.Action {
	s.mu.Lock()
	delete(s.clients, c)
	s.mu.Unlock()
	if errors.Is(err, netloop.ErrTimeout) {
		// A client that is not writable for the whole timeout is closed
		// this way too: netloop stops reading from it while it is paused.
		s.log.Info("push: closed a silent client", "client", c.RemoteAddr(), "err", err)
	}
	return netloop.None
}

// OnTick runs on the first event loop, but most connections belong to
// other loops, whose buffers it must not touch: AsyncWrite queues the
// write on each connection's own loop. The message is shared by every
// connection and never modified, which AsyncWrite requires until its
// write is done, so a fresh slice per tick is all the care it needs.
func (s *pushServer) OnTick() (time.Duration, netloop.Action) {
	s.ticks++
	msg := fmt.Appendf(nil, "tick %d", s.ticks)
	for len(msg) < s.size-1 {
		msg = append(msg, '.')
	}
	msg = append(msg, '\n')

	// Copy the set and write outside the lock: OnOpen and OnClose on
	// the other loops then wait only for a copy, not for the writes.
	s.mu.Lock()
	s.targets = s.targets[:0]
	for _, cl := range s.clients {
		s.targets = append(s.targets, cl)
	}
	s.mu.Unlock()
	for _, cl := range s.targets {
		if cl.paused.Load() {
			// The client is not reading as fast as we push. Queueing
			// more would only grow its buffer in the server, up to
			// MaxOutbound; it gets the next tick once it has caught up.
			s.skipped.Add(1)
			continue
		}
		// ErrClosed only means the client left since the copy was made.
		cl.conn.AsyncWrite(msg, nil)
	}
	clear(s.targets) // let closed connections be collected
	return s.every, netloop.None
}

func (s *pushServer) OnShutdown(netloop.Engine) {
	s.log.Info("push: stopped", "ticks", s.ticks, "skipped pushes", s.skipped.Load())
}

// count returns the number of connections in the set.
func (s *pushServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "TCP address to listen on")
	every := flag.Duration("every", time.Second, "time between pushes")
	timeout := flag.Duration("timeout", 30*time.Second, "close a client that sends nothing for this long (0: never)")
	size := flag.Int("size", 0, "pad each push to at least this many bytes (to watch a slow client being skipped)")
	flag.Parse()
	log.Fatal(netloop.Run(newPushServer(*every, *timeout, *size, slog.Default()), "tcp://"+*addr,
		netloop.WithMulticore(true), netloop.WithTicker(true)))
}

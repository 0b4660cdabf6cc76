package redis

import (
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/resp"
)

// Config configures a Server. The zero value is a server with 16
// databases, no memory limit and Redis's limits.
type Config struct {
	// Databases is the number of databases SELECT can choose; default 16,
	// at most 256.
	Databases int
	// MaxMemory is the accounted memory (keys, values and per-key
	// overhead) above which writes evict keys or fail, in bytes; 0, the
	// default, is no limit. CONFIG SET maxmemory changes it.
	MaxMemory int64
	// Policy is what happens above MaxMemory; default NoEviction. CONFIG
	// SET maxmemory-policy changes it.
	Policy Policy
	// MaxBulk is the longest argument accepted, in bytes; default 512 MiB
	// (Redis's proto-max-bulk-len). It also bounds the strings that
	// APPEND and SETRANGE may build.
	MaxBulk int64
	// Hz is how many times a second the active expiry cycle runs; default
	// 10.
	Hz int
	// Logger receives the server's logs; default slog.Default().
	Logger *slog.Logger
}

// Server is a Redis-protocol server: a netloop.Handler that keeps a
// sharded in-memory keyspace. Serve it with ListenAndServe, or pass it to
// netloop.Run with the options from Options.
type Server struct {
	netloop.BuiltinHandler
	cfg Config
	log *slog.Logger
	ks  *keyspace

	maxmemory atomic.Int64
	policy    atomic.Int32

	start       time.Time
	port        atomic.Int64
	nextID      atomic.Int64
	clients     atomic.Int64 // connected now
	connections atomic.Int64 // accepted since start
	commands    atomic.Int64 // processed since start (or CONFIG RESETSTAT)
	peakMemory  atomic.Int64

	expireNext int // the shard where the next active expiry cycle starts
	buffers    sync.Pool
}

// New returns a server with cfg, or an error wrapping ErrConfig.
func New(cfg Config) (*Server, error) {
	if cfg.Databases == 0 {
		cfg.Databases = 16
	}
	if cfg.MaxBulk == 0 {
		cfg.MaxBulk = resp.DefaultMaxBulk
	}
	if cfg.Hz == 0 {
		cfg.Hz = 10
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	switch {
	case cfg.Databases < 1 || cfg.Databases > 256:
		return nil, fmt.Errorf("%w: %d databases; want 1 to 256", ErrConfig, cfg.Databases)
	case cfg.MaxMemory < 0:
		return nil, fmt.Errorf("%w: negative maxmemory %d", ErrConfig, cfg.MaxMemory)
	case cfg.Policy < 0 || int(cfg.Policy) >= len(policyNames):
		return nil, fmt.Errorf("%w: unknown maxmemory policy %d", ErrConfig, int(cfg.Policy))
	case cfg.MaxBulk < 1:
		return nil, fmt.Errorf("%w: MaxBulk %d is not positive", ErrConfig, cfg.MaxBulk)
	case cfg.Hz < 1 || cfg.Hz > 500:
		return nil, fmt.Errorf("%w: hz %d; want 1 to 500", ErrConfig, cfg.Hz)
	}
	s := &Server{cfg: cfg, log: cfg.Logger, ks: newKeyspace(cfg.Databases), start: time.Now()}
	s.maxmemory.Store(cfg.MaxMemory)
	s.policy.Store(int32(cfg.Policy))
	return s, nil
}

// Options returns the netloop options the server needs: the ticker that
// drives active expiry, and an inbound limit that admits a request with
// an argument of MaxBulk bytes (Redis's client-query-buffer-limit is 1
// GiB too).
func (s *Server) Options() []netloop.Option {
	return []netloop.Option{
		netloop.WithTicker(true),
		netloop.WithMaxInbound(int(max(1<<30, s.cfg.MaxBulk+2*resp.MaxInlineSize))),
	}
}

// ListenAndServe serves addr ("tcp://127.0.0.1:6379", or host:port) until
// the engine stops. opts come after Options, so they may override them.
func (s *Server) ListenAndServe(addr string, opts ...netloop.Option) error {
	return netloop.Run(s, addr, append(s.Options(), opts...)...)
}

// OnBoot records the port for INFO.
func (s *Server) OnBoot(eng netloop.Engine) netloop.Action {
	for _, a := range eng.Addrs() {
		if ta, ok := a.(*net.TCPAddr); ok {
			s.port.Store(int64(ta.Port))
			break
		}
	}
	return netloop.None
}

// OnOpen gives the connection its client state.
func (s *Server) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	cl := &client{id: s.nextID.Add(1), conn: c, proto: 2, created: time.Now()}
	cl.parser.MaxBulk = s.cfg.MaxBulk
	c.SetContext(cl)
	s.clients.Add(1)
	s.connections.Add(1)
	return nil, netloop.None
}

// OnClose forgets the client.
func (s *Server) OnClose(c netloop.Conn, _ error) netloop.Action {
	if _, ok := c.Context().(*client); ok {
		s.clients.Add(-1)
	}
	return netloop.None
}

// OnTraffic executes every complete request buffered on c and sends all
// their replies with one write: a pipeline of N commands costs one read
// and one write, however large N is (up to flushAt bytes of replies).
func (s *Server) OnTraffic(c netloop.Conn) netloop.Action {
	cl, ok := c.Context().(*client)
	if !ok {
		return netloop.Close
	}
	if cl.stalled {
		return netloop.None // the client is behind; OnWritabilityChanged resumes
	}
	return s.serve(c, cl)
}

// OnWritabilityChanged executes the requests that waited for the client
// to read its replies, once it has. (A FIN behind them cannot have been
// seen meanwhile: netloop stops reading a connection whose output is past
// its high water mark.)
func (s *Server) OnWritabilityChanged(c netloop.Conn, writable bool) {
	if cl, ok := c.Context().(*client); ok && writable && cl.stalled {
		cl.stalled = false
		if s.serve(c, cl) == netloop.Close {
			c.Close()
		}
	}
}

// flushAt is how many bytes of replies a batch gathers before it writes
// them and looks whether the client keeps up. A few bytes of GETs can ask
// for megabytes of values, so without the look one read of requests could
// make the server hold gigabytes.
const flushAt = 256 << 10

// serve executes the requests buffered on c, in order, until they run
// out, one is incomplete, or the client falls behind its replies (the
// connection's output past its high water mark): then the rest wait in
// the buffer, and the client is stalled.
func (s *Server) serve(c netloop.Conn, cl *client) netloop.Action {
	in, _ := c.Peek(-1)
	var pooled *[]byte
	if cl.bigBatches {
		pooled = s.buffer()
		cl.out = *pooled
	} else {
		cl.out = c.AvailableBuffer()
	}
	cl.now = time.Now().UnixMilli()
	action := netloop.None
	used, cmds, flushed := 0, int64(0), false
	for used < len(in) {
		args, n, err := cl.parser.Parse(in[used:])
		if err != nil {
			// The stream cannot be resynchronised: answer like Redis,
			// after the replies already due, and close.
			cl.out = resp.AppendError(cl.out, "ERR "+err.Error())
			s.log.Debug("redis: protocol error", "client", cl.id, "remote", c.RemoteAddr(), "err", err)
			used, action = len(in), netloop.Close
			break
		}
		if n == 0 {
			break
		}
		used += n
		if len(args) == 0 {
			continue
		}
		cmds++
		s.execute(cl, args)
		if cl.quit {
			used, action = len(in), netloop.Close
			break
		}
		if len(cl.out) >= flushAt {
			c.Write(cl.out)
			cl.out, flushed = cl.out[:0], true
			if cl.stalled = !c.Writable(); cl.stalled {
				break
			}
		}
	}
	c.Discard(used)
	if len(cl.out) > 0 {
		c.Write(cl.out) // a failed write is recorded on c, which netloop closes
	}
	// Replies that outgrew the loop's buffer were copied each time append
	// grew them: this client's next batches take a pooled buffer, which
	// keeps its size, until a batch fits the loop's buffer again.
	cl.bigBatches = flushed || len(cl.out) > cap(c.AvailableBuffer())
	if pooled != nil {
		*pooled = cl.out
		s.release(pooled)
	}
	cl.out = nil
	s.commands.Add(cmds)
	return action
}

// OnTick runs the active expiry cycle. It runs on the first loop only and
// locks one shard at a time, so it covers every loop's keys.
func (s *Server) OnTick() (time.Duration, netloop.Action) {
	interval := time.Second / time.Duration(s.cfg.Hz)
	s.ks.activeExpire(interval*expireBudgetPerc/100, &s.expireNext)
	if u := s.ks.used.Load(); u > s.peakMemory.Load() {
		s.peakMemory.Store(u)
	}
	return interval, netloop.None
}

// maxPooledBuffer is the largest reply buffer kept for reuse; a batch
// that needed more gets a fresh one next time rather than pinning memory.
const maxPooledBuffer = 1 << 20

// buffer lends a reply buffer for a batch too large for the loop's own
// (Conn.AvailableBuffer). The pool hands each P (and so
// each event loop) its own, and Get and Put of the same pointer allocate
// nothing.
func (s *Server) buffer() *[]byte {
	if b, ok := s.buffers.Get().(*[]byte); ok {
		*b = (*b)[:0]
		return b
	}
	b := make([]byte, 0, 16<<10)
	return &b
}

func (s *Server) release(b *[]byte) {
	if cap(*b) > maxPooledBuffer {
		return
	}
	s.buffers.Put(b)
}

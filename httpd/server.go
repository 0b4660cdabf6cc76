package httpd

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/pool"
)

// Handler serves requests on the event loop (the native API). Serve must
// not block: it runs on the loop that owns the connection, between that
// loop's other connections. Hand blocking work to a worker pool, or serve
// a net/http Handler with NewStd, which does that for you.
type Handler interface {
	Serve(w *ResponseWriter, r *Request)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(w *ResponseWriter, r *Request)

// Serve calls f(w, r).
func (f HandlerFunc) Serve(w *ResponseWriter, r *Request) { f(w, r) }

// Server is an HTTP/1.1 server on netloop. It is a netloop.Handler: Serve
// runs it, or pass it to netloop.Run with options of your own. One Server
// runs on one engine at a time. Its methods are safe for concurrent use.
// A handler that wraps a Server for netloop.Run must pass on its optional
// callbacks too (OnWritabilityChanged, OnEOF): backpressure and half-closed
// clients depend on them. Embedding *Server does that.
type Server struct {
	opts     Options
	h        Handler       // native, or
	std      http.Handler  // served on workers
	streamer StreamHandler // h, if it takes bodies as they arrive

	date    dateCache
	batches sync.Pool // *batch: output and writer for one OnTraffic
	// loopBatches holds each event loop's batch, by Conn.LoopIndex; made
	// in OnBoot, before any connection, and used by its loop alone.
	loopBatches []batch
	sessions    sync.Pool // *session, recycled from closed connections
	epoch       time.Time

	mu       sync.Mutex
	eng      netloop.Engine
	running  bool
	stopDate chan struct{}
	workers  *pool.WorkerPool // NewStd: where handlers run
	stdBufs  *pool.BytePool   // NewStd: response buffers

	draining atomic.Bool  // Shutdown has begun
	active   atomic.Int64 // connections with a request in progress
	requests atomic.Int64 // requests answered on closed connections
	open     atomic.Int64 // connections open now
}

// New returns a server that runs h on the event loops.
func New(h Handler, opts ...Option) (*Server, error) {
	if h == nil {
		return nil, ErrInvalidOption
	}
	return newServer(h, nil, opts)
}

func newServer(h Handler, std http.Handler, opts []Option) (*Server, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: o, h: h, std: std, epoch: time.Now()}
	s.streamer, _ = h.(StreamHandler)
	s.batches.New = func() any { return &batch{out: make([]byte, 0, 4096)} }
	return s, nil
}

// Serve runs the server on addr ("tcp://127.0.0.1:8080", or see
// netloop.Run) until it stops, with the given engine options.
func (s *Server) Serve(addr string, opts ...netloop.Option) error {
	return netloop.Run(s, addr, opts...)
}

// Addrs returns the addresses the running server listens on.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.eng.Addrs()
}

// Shutdown stops the server gracefully: responses from now on say
// "Connection: close", and it waits until no connection has a request in
// progress (one being received, or a net/http handler still running)
// before it stops the engine, which flushes and closes every connection.
// If ctx ends first, the engine is stopped at once and Shutdown returns
// ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	eng, running, workers := s.eng, s.running, s.workers
	s.mu.Unlock()
	if !running {
		return ErrNotRunning
	}
	s.draining.Store(true)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for s.active.Load() > 0 && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	err := eng.Stop(ctx)
	if workers != nil {
		if werr := workers.Close(ctx); err == nil {
			err = werr
		}
	}
	return err
}

// Requests returns how many requests the server has answered on
// connections that have closed.
func (s *Server) Requests() int64 { return s.requests.Load() }

// OnBoot starts the Date refresher (and, for NewStd, the worker pool).
func (s *Server) OnBoot(eng netloop.Engine) netloop.Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eng, s.running = eng, true
	s.draining.Store(false)
	s.loopBatches = make([]batch, eng.NumLoops())
	for i := range s.loopBatches {
		s.loopBatches[i].owned = true
	}
	s.stopDate = make(chan struct{})
	s.date.set(time.Now())
	go s.date.run(s.stopDate)
	if s.std != nil {
		workers, err := pool.NewWorkerPool(pool.WithWorkers(s.opts.Workers), pool.WithQueueLen(s.opts.QueueLen))
		if err != nil {
			s.opts.Logger.Error("httpd: worker pool", "err", err)
			return netloop.Shutdown
		}
		s.workers, s.stdBufs = workers, pool.NewBytePool()
	}
	return netloop.None
}

// OnShutdown stops what OnBoot started. Handlers still running on the
// worker pool finish in the background (Shutdown waits for them).
func (s *Server) OnShutdown(netloop.Engine) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = false
	close(s.stopDate)
	if s.workers != nil {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		s.workers.Close(ctx) // refuse new tasks; do not wait here, on a loop
	}
}

// OnOpen starts a connection's session and its timeouts.
func (s *Server) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	ss, _ := s.sessions.Get().(*session)
	if ss == nil {
		ss = &session{srv: s, p: newParser(&s.opts)}
		ss.p.holdBody = s.streamer != nil
	}
	c.SetContext(ss)
	s.open.Add(1)
	if s.opts.IdleTimeout > 0 {
		c.SetIdleTimeout(s.opts.IdleTimeout)
	}
	// The first request's head is timed from the accept, so that a
	// connection that never sends anything is closed too.
	if limit := s.headLimit(); limit > 0 {
		ss.since = s.clock()
		ss.armed = true
		c.SetReadTimeout(limit)
	}
	return nil, netloop.None
}

// OnTraffic serves the requests that have arrived.
func (s *Server) OnTraffic(c netloop.Conn) netloop.Action {
	ss, ok := c.Context().(*session)
	if !ok {
		return netloop.Close // (a Protocol took the context, which is the server's)
	}
	if ss.up != nil {
		return ss.up.OnTraffic(c) // the connection has been upgraded
	}
	if ss.hijacked != nil {
		ss.feedTunnel(c) // the connection has been hijacked
		return netloop.None
	}
	if ss.lingerUntil > 0 {
		return ss.drop(c)
	}
	if ss.busy {
		if ss.stream != nil {
			ss.feed(c) // the body of the request being served
		} else {
			ss.holdBack(c)
		}
		return netloop.None // a net/http handler is running; its end resumes
	}
	if ss.detached != nil {
		ss.holdBack(c)
		return netloop.None // a response goes on; the requests behind wait for its End
	}
	if ss.stalled {
		return netloop.None // the client is behind; OnWritabilityChanged resumes
	}
	action := ss.serve(c)
	ss.yieldToWorker(c)
	return action
}

// yieldToWorker lets a net/http handler that has just been handed to a
// worker run once the loop has served its batch of events (Conn.Yield).
// Left alone, the worker would wait while this loop blocks in epoll_wait,
// a system call that keeps its P, until the runtime's monitor takes the
// P away (after 20 us to 10 ms) and hands it to another thread. Yielding
// once per batch runs every worker handed a request in it on this
// thread; their responses come back through the loop's task queue, and
// since the loop is awake, without a wake-up.
func (ss *session) yieldToWorker(c netloop.Conn) {
	if ss.busy {
		c.Yield()
	}
}

// OnClose ends the connection's session.
func (s *Server) OnClose(c netloop.Conn, err error) netloop.Action {
	ss, ok := c.Context().(*session)
	if !ok {
		return netloop.None
	}
	c.SetContext(nil)
	s.open.Add(-1)
	s.requests.Add(ss.served)
	ss.setActive(false)
	if ss.up != nil {
		ss.up.OnClose(c, err)
	}
	if ss.detached != nil {
		ss.detached.closed(err)
	}
	if hc := ss.hijacked; hc != nil {
		hc.in.end(io.EOF, nil) // what was received can still be read
		hc.fail(net.ErrClosed)
	}
	if errors.Is(err, netloop.ErrReadTimeout) {
		// The client went silent mid-body, and ReadTimeout closed it.
		if ss.stream != nil {
			ss.stream.end(bodyTimeout(s.opts.ReadTimeout), nil)
		}
		ss.abortBody(bodyTimeout(s.opts.ReadTimeout))
	}
	ss.abortBody(io.ErrUnexpectedEOF)
	if ss.ex != nil {
		ss.ex.abort() // the handler's context ends; its writes fail
		return netloop.None
	}
	ss.reset()
	s.sessions.Put(ss)
	return netloop.None
}

// OnEOF handles the client's FIN. A net/http handler may still be running
// on a worker: as in net/http, its request context ends (a FIN is all a
// server sees of a client that left), but the connection stays open so
// that a handler that answers anyway — the client may only have
// half-closed — still gets its response out; it closes once answered.
// Otherwise it closes, as netloop would without this method.
func (s *Server) OnEOF(c netloop.Conn) netloop.Action {
	ss, ok := c.Context().(*session)
	if ok && ss.up != nil {
		if hc, ok := ss.up.(netloop.HalfCloseHandler); ok {
			return hc.OnEOF(c)
		}
		return netloop.Close
	}
	if ok && ss.hijacked != nil {
		ss.hijacked.in.end(io.EOF, nil) // the hijacker closes when it will
		return netloop.None
	}
	if ok && ss.detached != nil && ss.detached.err == nil {
		ss.eof = true // the response goes on; the connection closes after its End
		return netloop.None
	}
	if ok && ss.busy {
		ss.eof = true
		if ss.ex != nil {
			ss.ex.cancel()
		}
		if ss.stream != nil {
			ss.stream.end(io.ErrUnexpectedEOF, nil) // the body will not be whole
			ss.stream, ss.bodyCut = nil, true
		}
		return netloop.None
	}
	if ok {
		ss.abortBody(io.ErrUnexpectedEOF) // a streamed body will not be whole
	}
	return netloop.Close
}

// OnTick is not used.
func (s *Server) OnTick() (time.Duration, netloop.Action) { return time.Hour, netloop.None }

// OnWritabilityChanged resumes a net/http handler, or the answers to
// pipelined requests, waiting for a slow client to read (backpressure,
// netloop's invariant 5).
func (s *Server) OnWritabilityChanged(c netloop.Conn, writable bool) {
	ss, ok := c.Context().(*session)
	switch {
	case !ok:
	case ss.up != nil:
		if wh, ok := ss.up.(netloop.WritabilityHandler); ok {
			wh.OnWritabilityChanged(c, writable)
		}
	case !writable:
	case ss.hijacked != nil:
		ss.hijacked.writable()
	case ss.ex != nil:
		ss.ex.writable()
	case ss.stalled:
		ss.unstall(c)
	case ss.detached != nil && ss.detached.err == nil && ss.detached.onWritable != nil:
		ss.detached.onWritable()
	}
}

// clock returns a monotonic time in nanoseconds, never 0.
func (s *Server) clock() time.Duration { return time.Since(s.epoch) + 1 }

// headLimit is the bound on receiving a request head.
func (s *Server) headLimit() time.Duration {
	h, r := s.opts.ReadHeaderTimeout, s.opts.ReadTimeout
	if h == 0 || r > 0 && r < h {
		return r
	}
	return h
}

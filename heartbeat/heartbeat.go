// Package heartbeat keeps application-level liveness checks on netloop
// connections: it sends a ping to every registered connection at a fixed
// interval, and each connection closes (with netloop.ErrReadTimeout) when
// nothing at all arrives from its peer within the timeout.
//
// TCP keepalive is enough when all you need is to reap connections whose
// host vanished, and nothing between the two ends interferes. It is not
// enough when a middlebox (NAT, load balancer, firewall) drops idle flows
// or answers keepalive probes itself, or when the peer process is alive
// enough for its kernel to ACK but deadlocked or overloaded: only a
// message that the application itself must answer tells those apart.
//
// Use it from a handler:
//
//	hb, _ := heartbeat.New(heartbeat.Config{Interval: 10 * time.Second, Timeout: 30 * time.Second, Ping: []byte("PING\r\n")})
//	defer hb.Stop()
//
//	func (h *server) OnOpen(c netloop.Conn) ([]byte, netloop.Action) { h.hb.Add(c); return nil, netloop.None }
//	func (h *server) OnClose(c netloop.Conn, err error) netloop.Action { h.hb.Remove(c); return netloop.None }
//
// The peer's answer to a ping (or any other bytes) resets the timeout; the
// protocol decides what a ping and its answer look like.
package heartbeat

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/netloop/netloop"
)

// ErrInvalidConfig wraps configuration errors from New.
var ErrInvalidConfig = errors.New("heartbeat: invalid config")

// Config says how often to ping and how long silence is tolerated.
type Config struct {
	// Interval between pings. Required.
	Interval time.Duration
	// Timeout closes a connection that received nothing for this long.
	// It should span a few intervals, so that one late answer is not
	// fatal. Default 3 × Interval.
	Timeout time.Duration
	// Ping is the message sent every interval. Required; it is sent as
	// is, so it must not be modified after New.
	Ping []byte
}

// Heartbeat pings a set of connections from one goroutine.
type Heartbeat struct {
	cfg   Config
	mu    sync.Mutex
	conns map[netloop.Conn]struct{}
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// New validates cfg and starts the pinging goroutine; Stop ends it.
func New(cfg Config) (*Heartbeat, error) {
	if cfg.Interval <= 0 {
		return nil, fmt.Errorf("%w: Interval %v must be positive", ErrInvalidConfig, cfg.Interval)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 3 * cfg.Interval
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: Timeout %v is negative", ErrInvalidConfig, cfg.Timeout)
	}
	if len(cfg.Ping) == 0 {
		return nil, fmt.Errorf("%w: empty Ping", ErrInvalidConfig)
	}
	h := &Heartbeat{cfg: cfg, conns: map[netloop.Conn]struct{}{}, stop: make(chan struct{}), done: make(chan struct{})}
	go h.run()
	return h, nil
}

// Add starts watching c: it sets c's read timeout and pings it from now
// on. Call it on c's event loop (from OnOpen).
func (h *Heartbeat) Add(c netloop.Conn) {
	c.SetReadTimeout(h.cfg.Timeout)
	h.mu.Lock()
	h.conns[c] = struct{}{}
	h.mu.Unlock()
}

// Remove stops pinging c (call it from OnClose). Safe for concurrent use.
func (h *Heartbeat) Remove(c netloop.Conn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
}

// Len returns the number of connections being pinged.
func (h *Heartbeat) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// Stop ends the pinging goroutine and waits for it.
func (h *Heartbeat) Stop() {
	h.once.Do(func() { close(h.stop) })
	<-h.done
}

func (h *Heartbeat) run() {
	defer close(h.done)
	t := time.NewTicker(h.cfg.Interval)
	defer t.Stop()
	var batch []netloop.Conn
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		batch = h.snapshot(batch[:0])
		for _, c := range batch {
			if c.AsyncWrite(h.cfg.Ping, nil) != nil {
				h.Remove(c) // closed meanwhile; OnClose may not have run yet
			}
		}
		clear(batch)
	}
}

// snapshot copies the set, so pings are sent without holding the lock.
func (h *Heartbeat) snapshot(dst []netloop.Conn) []netloop.Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.conns {
		dst = append(dst, c)
	}
	return dst
}

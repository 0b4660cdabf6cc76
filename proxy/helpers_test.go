package proxy

import (
	"context"
	"log/slog"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/internal/nettest"
)

const testTimeout = nettest.Timeout

// startProxy serves a Proxy for cfg on a loopback port and returns it
// with its address. nettest.Serve hands the Proxy to the engine itself,
// unwrapped, so that the engine sees its HalfCloseHandler.
func startProxy(t *testing.T, cfg Config, opts ...netloop.Option) (*Proxy, string) {
	t.Helper()
	p, err := New(quiet(cfg))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p, serveProxy(t, p, opts...)
}

func serveProxy(t *testing.T, p *Proxy, opts ...netloop.Option) string {
	t.Helper()
	return nettest.Serve(t, p, "tcp://127.0.0.1:0", opts...).Addrs()[0].String()
}

// quiet sends cfg's logs nowhere (a test that fails says what it saw).
func quiet(cfg Config) Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// echo is a netloop echo server, the usual upstream.
type echo struct{ netloop.BuiltinHandler }

func (echo) OnTraffic(c netloop.Conn) netloop.Action {
	c.WriteTo(c)
	return netloop.None
}

func startEcho(t *testing.T, opts ...netloop.Option) string {
	t.Helper()
	return nettest.Serve(t, echo{}, "tcp://127.0.0.1:0", opts...).Addrs()[0].String()
}

// listen returns a loopback listener closed when the test ends; recvBuf,
// if positive, sets SO_RCVBUF on it, which accepted sockets inherit.
func listen(t *testing.T, recvBuf int) net.Listener {
	t.Helper()
	lc := net.ListenConfig{}
	if recvBuf > 0 {
		lc.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) { serr = setRecvBuffer(fd, recvBuf) })
			if err != nil {
				return err
			}
			return serr
		}
	}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// accept returns the next connection ln accepts, closed when the test ends.
func accept(t *testing.T, ln net.Listener) net.Conn {
	t.Helper()
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("accept: %v", r.err)
		}
		t.Cleanup(func() { r.c.Close() })
		r.c.SetDeadline(time.Now().Add(testTimeout))
		return r.c
	case <-time.After(testTimeout):
		t.Fatal("the proxy never connected to the upstream")
		return nil
	}
}

// dial connects to the proxy with a deadline on every read and write.
func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(testTimeout))
	return c.(*net.TCPConn)
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// fakeClock replaces p's clock with one the test moves by hand.
type fakeClock struct{ now atomic.Int64 }

func (f *fakeClock) install(p *Proxy)        { p.clock = f.now.Load }
func (f *fakeClock) advance(d time.Duration) { f.now.Add(int64(d)) }

// waitFor polls cond until it holds or testTimeout passes. Counters that
// other goroutines update have no event to wait on.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

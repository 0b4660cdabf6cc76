//go:build (!linux && !darwin && !freebsd) || netloop_netengine

package netloop

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// enrollServesNetConn is true: Enroll serves the net.Conn itself, which
// stays open until the Conn closes.
const enrollServesNetConn = true

// fdProbe reports the Fd of the first connection.
type fdProbe struct {
	BuiltinHandler
	fds chan int
}

func (p *fdProbe) OnOpen(c Conn) ([]byte, Action) {
	p.fds <- c.Fd()
	return nil, None
}

func TestNetEngineConnFdIsMinusOne(t *testing.T) {
	p := &fdProbe{fds: make(chan int, 1)}
	_, addr := serveOne(t, p, "tcp://127.0.0.1:0")
	dial(t, addr)
	if fd := <-p.fds; fd != -1 {
		t.Errorf("Fd() = %d, want -1 on the net engine", fd)
	}
}

// TestReusePortLetsTwoEnginesShareAPort proves SO_REUSEPORT reaches the
// listeners (through net.ListenConfig.Control): a second engine binds the
// port of the first only when both ask for it.
func TestReusePortLetsTwoEnginesShareAPort(t *testing.T) {
	if _, err := listenControl(Options{ReusePort: true}); err != nil {
		if !errors.Is(err, ErrUnsupported) {
			t.Fatalf("listenControl = %v, want nil or ErrUnsupported", err)
		}
		err := Run(echoHandler{}, "tcp://127.0.0.1:0", WithReusePort(true))
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("Run with ReusePort = %v, want ErrUnsupported here", err)
		}
		t.Skip("no SO_REUSEPORT on this system")
	}
	_, addr := serveOne(t, echoHandler{}, "tcp://127.0.0.1:0", WithReusePort(true), WithNumLoops(2))
	if err := Run(echoHandler{}, addr.String()); err == nil {
		t.Fatal("a listener without ReusePort bound a port in use")
	}
	_, addr2 := serveOne(t, echoHandler{}, addr.String(), WithReusePort(true))
	if addr2.String() != addr.String() {
		t.Fatalf("second engine listens on %v, want %v", addr2, addr)
	}
	for range 8 {
		echoOnce(t, addr, "shared port")
	}
}

// floodOrEcho sends a large reply to the first connection, which never
// reads it, and echoes on every other.
type floodOrEcho struct {
	echoHandler
	opened int
}

func (f *floodOrEcho) OnOpen(c Conn) ([]byte, Action) {
	f.opened++
	if f.opened == 1 {
		return make([]byte, 32<<20), None
	}
	return nil, None
}

// TestSlowPeerDoesNotStallItsLoop checks the writer goroutine: with one
// loop, a peer that reads nothing of a 32 MiB reply must not keep the loop
// from serving another connection.
func TestSlowPeerDoesNotStallItsLoop(t *testing.T) {
	_, addr := serveOne(t, &floodOrEcho{}, "tcp://127.0.0.1:0", WithNumLoops(1))
	dial(t, addr) // never reads
	echoOnce(t, addr, "still served")
}

// TestEnrollServesAnyNetConn enrolls one end of a net.Pipe: the net engine
// needs no descriptor, only the net.Conn interface.
func TestEnrollServesAnyNetConn(t *testing.T) {
	cl := newCollector()
	eng := serve(t, cl, nil)
	mine, theirs := net.Pipe()
	defer theirs.Close()
	c, err := eng.Enroll(context.Background(), mine, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-cl.opened
	if err := c.AsyncWrite([]byte("ping"), nil); err != nil {
		t.Fatal(err)
	}
	theirs.SetDeadline(time.Now().Add(testTimeout))
	b := make([]byte, 4)
	if _, err := io.ReadFull(theirs, b); err != nil || string(b) != "ping" {
		t.Fatalf("peer read %q, %v; want ping", b, err)
	}
	theirs.Write([]byte("pong"))
	if got := cl.read(t, 4); got != "pong" {
		t.Errorf("received %q, want pong", got)
	}
	theirs.Close()
	if err := recv(t, cl.closed); !errors.Is(err, io.EOF) {
		t.Errorf("OnClose err = %v, want io.EOF", err)
	}
}

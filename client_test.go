package netloop

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// collector gathers what a client connection receives.
type collector struct {
	BuiltinHandler
	got    chan []byte
	opened chan Conn
	closed chan error
}

func newCollector() *collector {
	return &collector{got: make(chan []byte, 64), opened: make(chan Conn, 4), closed: make(chan error, 4)}
}

func (c *collector) OnOpen(cn Conn) ([]byte, Action) {
	c.opened <- cn
	return nil, None
}

func (c *collector) OnTraffic(cn Conn) Action {
	b, _ := cn.Next(-1)
	c.got <- append([]byte(nil), b...)
	return None
}

func (c *collector) OnClose(_ Conn, err error) Action {
	c.closed <- err
	return None
}

func (c *collector) read(t *testing.T, n int) string {
	t.Helper()
	var out []byte
	for len(out) < n {
		select {
		case b := <-c.got:
			out = append(out, b...)
		case <-time.After(testTimeout):
			t.Fatalf("received %q, want %d bytes", out, n)
		}
	}
	return string(out)
}

func TestClientEngineDialsTCPUnixAndUDP(t *testing.T) {
	path := t.TempDir() + "/echo.sock"
	srv := serve(t, echoHandler{}, []string{"tcp://127.0.0.1:0", "unix://" + path, "udp://127.0.0.1:0"})
	cl := newCollector()
	client := serve(t, cl, nil) // no listener: a client-only engine
	for _, a := range srv.Addrs() {
		addr := a.Network() + "://" + a.String()
		c, err := client.Dial(context.Background(), addr, nil)
		if err != nil {
			t.Fatalf("Dial %s: %v", addr, err)
		}
		<-cl.opened
		if c.RemoteAddr().String() != a.String() {
			t.Errorf("RemoteAddr = %v, want %v", c.RemoteAddr(), a)
		}
		msg := "hello over " + a.Network()
		if err := c.AsyncWrite([]byte(msg), nil); err != nil {
			t.Fatal(err)
		}
		if got := cl.read(t, len(msg)); got != msg {
			t.Errorf("echo over %s = %q", a.Network(), got)
		}
	}
}

func TestDialFailuresAreMatchable(t *testing.T) {
	client := serve(t, newCollector(), nil)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := ln.Addr().String()
	ln.Close()
	_, err := client.Dial(context.Background(), "tcp://"+refused, nil)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial to a closed port = %v, want ECONNREFUSED", err)
	}
	_, err = client.Dial(context.Background(), "unix://"+t.TempDir()+"/nobody.sock", nil)
	if !errors.Is(err, syscall.ENOENT) {
		t.Errorf("dial to a missing socket = %v, want ENOENT", err)
	}
}

// TestDialTimesOut connects to a loopback listener whose accept queue is
// full and never drained: the kernel drops further SYNs, so connects hang
// until the dial timeout ends them.
func TestDialTimesOut(t *testing.T) {
	addr := fullListener(t)
	client := serve(t, newCollector(), nil, WithDialTimeout(100*time.Millisecond))
	_, err := client.Dial(context.Background(), "tcp://"+addr, nil)
	if !errors.Is(err, ErrDialTimeout) || !errors.Is(err, ErrTimeout) {
		t.Errorf("Dial = %v, want ErrDialTimeout", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = serve(t, newCollector(), nil).Dial(ctx, "tcp://"+addr, nil)
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrDialTimeout) {
		t.Errorf("Dial with a 50ms context = %v, want a deadline error", err)
	}
}

// TestDialIsCancelledWithItsContext: a connect that stalls ends when the
// caller cancels its context, with an error that matches context.Canceled.
func TestDialIsCancelledWithItsContext(t *testing.T) {
	addr := fullListener(t)
	client := serve(t, newCollector(), nil, WithDialTimeout(time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := client.Dial(ctx, "tcp://"+addr, nil)
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Dial after cancel = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Dial did not end when its context was cancelled")
	}
}

// fullListener returns the address of a listener with a backlog of one
// that never accepts, already filled so that new connects stall.
func fullListener(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	addr := net.JoinHostPort("127.0.0.1", fmt.Sprint(sa.(*syscall.SockaddrInet4).Port))
	for i := 0; i < 16; i++ {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			return addr // this one stalled: the queue is full
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("could not fill the listen queue here")
	return ""
}

func TestFailedDialsLeakNoDescriptors(t *testing.T) {
	client := serve(t, newCollector(), nil)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := "tcp://" + ln.Addr().String()
	ln.Close()
	before := openFDs(t)
	n := 10000
	if testing.Short() {
		n = 1000
	}
	for i := 0; i < n; i++ {
		if _, err := client.Dial(context.Background(), addr, nil); err == nil {
			t.Fatal("dial to a closed port succeeded")
		}
	}
	if after := openFDs(t); after > before {
		t.Errorf("%d failed dials leaked %d descriptors", n, after-before)
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd here")
	}
	return len(entries)
}

// relay dials an upstream from OnOpen, on the same loop, and relays what
// the downstream sends to it.
type relay struct {
	BuiltinHandler
	upstream string
	sameLoop atomic.Bool
}

type upstreamEcho struct {
	BuiltinHandler
	down Conn
}

func (u *upstreamEcho) OnTraffic(c Conn) Action {
	b, _ := c.Next(-1)
	u.down.Write(b) // same loop: a plain Write is allowed
	return None
}

func (r *relay) OnOpen(down Conn) ([]byte, Action) {
	err := DialFrom(down, r.upstream, &upstreamEcho{down: down}, time.Second, func(up Conn, err error) {
		if err != nil {
			down.Close()
			return
		}
		r.sameLoop.Store(up.(*conn).loop == down.(*conn).loop)
		down.SetContext(up)
		if b, _ := down.Next(-1); len(b) > 0 {
			up.Write(b)
		}
	})
	if err != nil {
		return nil, Close
	}
	return nil, None
}

func (r *relay) OnTraffic(down Conn) Action {
	if up, ok := down.Context().(Conn); ok {
		b, _ := down.Next(-1)
		up.Write(b)
	}
	return None
}

func TestDialFromSharesTheLoop(t *testing.T) {
	_, echoAddr := serveOne(t, echoHandler{}, "tcp://127.0.0.1:0")
	r := &relay{upstream: "tcp://" + echoAddr.String()}
	_, addr := serveOne(t, r, "tcp://127.0.0.1:0", WithNumLoops(3))
	for i := 0; i < 3; i++ {
		c := dial(t, addr)
		echoOver(t, c, "through the relay")
	}
	if !r.sameLoop.Load() {
		t.Error("the upstream connection was served on another loop")
	}
}

func TestDialFromReportsFailure(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "tcp://" + ln.Addr().String()
	ln.Close()
	errs := make(chan error, 1)
	h := &dialOnOpen{target: closed, errs: errs}
	_, addr := serveOne(t, h, "tcp://127.0.0.1:0")
	dial(t, addr)
	select {
	case err := <-errs:
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("callback err = %v, want ECONNREFUSED", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("DialFrom's callback never ran")
	}
}

type dialOnOpen struct {
	BuiltinHandler
	target string
	errs   chan error
}

func (d *dialOnOpen) OnOpen(c Conn) ([]byte, Action) {
	DialFrom(c, d.target, nil, 0, func(up Conn, err error) {
		if up != nil {
			err = errors.New("connected to a closed port")
		}
		d.errs <- err
	})
	return nil, None
}

func TestEnrollAdoptsANetConn(t *testing.T) {
	_, addr := serveOne(t, echoHandler{}, "tcp://127.0.0.1:0")
	nc, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	cl := newCollector()
	client := serve(t, cl, nil)
	c, err := client.Enroll(context.Background(), nc, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-cl.opened
	c.AsyncWrite([]byte("adopted"), nil)
	if got := cl.read(t, 7); got != "adopted" {
		t.Errorf("got %q", got)
	}
	if enrollServesNetConn {
		// The engine serves nc itself: it closes with the Conn.
		c.Close()
		recv(t, cl.closed)
	}
	if _, err := nc.Write([]byte("x")); err == nil {
		t.Error("the adopted net.Conn is still open")
	}
}

func TestStartReportsListenErrors(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	if _, err := Start(BuiltinHandler{}, []string{"tcp://" + ln.Addr().String()}, WithReuseAddr(false)); err == nil {
		t.Error("Start on a busy port succeeded")
	}
}

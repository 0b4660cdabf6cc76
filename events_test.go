package netloop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder logs every event it sees, in order.
type recorder struct {
	BuiltinHandler
	mu     sync.Mutex
	events []string
	closed chan error
	opened chan Conn
}

func newRecorder() *recorder {
	return &recorder{closed: make(chan error, 16), opened: make(chan Conn, 16)}
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	r.events = append(r.events, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *recorder) log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.events, " ")
}

func (r *recorder) OnBoot(eng Engine) Action {
	r.add("boot(%d)", len(eng.Addrs()))
	return None
}

func (r *recorder) OnShutdown(eng Engine) { r.add("shutdown(%d)", eng.CountConnections()) }

func (r *recorder) OnOpen(c Conn) ([]byte, Action) {
	r.add("open(%d)", c.InboundBuffered())
	r.opened <- c
	return []byte("hi\n"), None
}

func (r *recorder) OnTraffic(c Conn) Action {
	b, _ := c.Next(-1)
	r.add("traffic(%s)", b)
	if string(b) == "close" {
		return Close
	}
	c.Write(b)
	return None
}

func (r *recorder) OnClose(c Conn, err error) Action {
	r.add("close(%v)", err)
	r.closed <- err
	return None
}

func recv(t *testing.T, ch chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(testTimeout):
		t.Fatal("timed out waiting for OnClose")
	}
	return nil
}

func readString(t *testing.T, c net.Conn, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	return string(b)
}

func TestEventsInOrderPeerCloses(t *testing.T) {
	r := newRecorder()
	bh := &bootHandler{Handler: r, booted: make(chan Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- Run(bh, "tcp://127.0.0.1:0") }()
	eng := <-bh.booted
	c := dial(t, eng.Addrs()[0])
	if got := readString(t, c, 3); got != "hi\n" {
		t.Fatalf("OnOpen output = %q, want %q", got, "hi\n")
	}
	sc := <-r.opened
	if sc.RemoteAddr().String() != c.LocalAddr().String() {
		t.Errorf("RemoteAddr = %v, want the client's %v", sc.RemoteAddr(), c.LocalAddr())
	}
	if sc.LocalAddr().String() != c.RemoteAddr().String() {
		t.Errorf("LocalAddr = %v, want %v", sc.LocalAddr(), c.RemoteAddr())
	}
	c.Write([]byte("ping"))
	if got := readString(t, c, 4); got != "ping" {
		t.Fatalf("echo = %q", got)
	}
	c.Close()
	if err := recv(t, r.closed); !errors.Is(err, io.EOF) {
		t.Errorf("OnClose err = %v, want io.EOF", err)
	}
	if err := eng.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := "boot(1) open(0) traffic(ping) close(EOF) shutdown(0)"
	if got := r.log(); got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
	if err := eng.Stop(context.Background()); err != nil {
		t.Errorf("second Stop = %v, want nil", err)
	}
}

func TestCloseActionReportsNilOnce(t *testing.T) {
	r := newRecorder()
	_, addr := serveOne(t, r, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	readString(t, c, 3)
	c.Write([]byte("close"))
	if err := recv(t, r.closed); err != nil {
		t.Errorf("OnClose err = %v, want nil for a server-side close", err)
	}
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("client read after server close = %v, want EOF", err)
	}
	select {
	case err := <-r.closed:
		t.Errorf("OnClose ran twice (second err %v)", err)
	default:
	}
}

func TestStopClosesConnsWithShutdownReason(t *testing.T) {
	r := newRecorder()
	bh := &bootHandler{Handler: r, booted: make(chan Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- Run(bh, "tcp://127.0.0.1:0") }()
	eng := <-bh.booted
	c := dial(t, eng.Addrs()[0])
	readString(t, c, 3)
	if err := eng.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-done
	if err := recv(t, r.closed); !errors.Is(err, ErrEngineShutdown) {
		t.Errorf("OnClose err = %v, want ErrEngineShutdown", err)
	}
	if got, want := r.log(), "boot(1) open(0) close(netloop: engine shut down) shutdown(0)"; got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
}

// shutdownOnTraffic stops the engine from a callback.
type shutdownOnTraffic struct{ BuiltinHandler }

func (shutdownOnTraffic) OnTraffic(Conn) Action { return Shutdown }

func TestShutdownActionStopsEngine(t *testing.T) {
	bh := &bootHandler{Handler: shutdownOnTraffic{}, booted: make(chan Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- Run(bh, "tcp://127.0.0.1:0") }()
	eng := <-bh.booted
	c := dial(t, eng.Addrs()[0])
	c.Write([]byte("x"))
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Shutdown action did not stop the engine")
	}
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("client read after shutdown = %v, want EOF", err)
	}
}

type bootShutdown struct {
	BuiltinHandler
	shut chan struct{}
}

func (bootShutdown) OnBoot(Engine) Action         { return Shutdown }
func (b bootShutdown) OnShutdown(Engine)          { close(b.shut) }
func (bootShutdown) OnOpen(Conn) ([]byte, Action) { panic("no connection expected") }

func TestBootShutdownReturnsAtOnce(t *testing.T) {
	h := bootShutdown{shut: make(chan struct{})}
	if err := Run(h, "tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.shut:
	default:
		t.Error("OnShutdown did not run")
	}
}

// ticker counts ticks and shuts down at the third.
type ticker struct {
	BuiltinHandler
	ticks []time.Time
}

func (tk *ticker) OnTick() (time.Duration, Action) {
	tk.ticks = append(tk.ticks, time.Now())
	if len(tk.ticks) == 3 {
		return 0, Shutdown
	}
	return 20 * time.Millisecond, None
}

func TestTickerRunsUntilShutdown(t *testing.T) {
	tk := &ticker{}
	if err := Run(tk, "tcp://127.0.0.1:0", WithTicker(true), WithNumLoops(2)); err != nil {
		t.Fatal(err)
	}
	if len(tk.ticks) != 3 {
		t.Fatalf("ticks = %d, want 3", len(tk.ticks))
	}
	for i := 1; i < 3; i++ {
		if gap := tk.ticks[i].Sub(tk.ticks[i-1]); gap < 20*time.Millisecond {
			t.Errorf("tick %d came %v after the previous, before the 20ms asked for", i, gap)
		}
	}
}

// bulkOnOpen writes size bytes as soon as a connection opens.
type bulkOnOpen struct {
	BuiltinHandler
	size   int
	closed chan error
}

func (b *bulkOnOpen) OnOpen(c Conn) ([]byte, Action) { return pattern(b.size), None }

func (b *bulkOnOpen) OnClose(c Conn, err error) Action {
	b.closed <- err
	return None
}

// pattern returns n bytes of a sequence that shows any loss or reordering.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

func checkPattern(t *testing.T, got []byte, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("got %d bytes, want %d", len(got), n)
	}
	if i := firstDiff(got, pattern(n)); i >= 0 {
		t.Fatalf("byte %d differs", i)
	}
}

func TestStopFlushesPendingWrites(t *testing.T) {
	const size = 32 << 20
	h := &bulkOnOpen{size: size, closed: make(chan error, 1)}
	bh := &bootHandler{Handler: h, booted: make(chan Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- Run(bh, "tcp://127.0.0.1:0") }()
	eng := <-bh.booted
	c := dial(t, eng.Addrs()[0])
	// Read one byte, so the server has surely opened the connection and
	// queued its 32 MiB, most of which the kernel cannot take yet.
	first := readString(t, c, 1)
	stopped := make(chan error, 1)
	go func() { stopped <- eng.Stop(context.Background()) }()
	rest, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read after Stop: %v", err)
	}
	checkPattern(t, append([]byte(first), rest...), size)
	if err := <-stopped; err != nil {
		t.Fatalf("Stop = %v", err)
	}
	if err := <-h.closed; !errors.Is(err, ErrEngineShutdown) {
		t.Errorf("OnClose err = %v, want ErrEngineShutdown", err)
	}
	<-done
}

func TestStopDeadlineClosesUnflushed(t *testing.T) {
	h := &bulkOnOpen{size: 64 << 20, closed: make(chan error, 1)}
	bh := &bootHandler{Handler: h, booted: make(chan Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- Run(bh, "tcp://127.0.0.1:0") }()
	eng := <-bh.booted
	c := dial(t, eng.Addrs()[0])
	readString(t, c, 1) // opened; now never read again
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := eng.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop = %v, want context.DeadlineExceeded", err)
	}
	if err := <-h.closed; !errors.Is(err, ErrEngineShutdown) {
		t.Errorf("OnClose err = %v, want ErrEngineShutdown", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

func TestInvalidOptionsAndAddresses(t *testing.T) {
	cases := []struct {
		addr string
		opts []Option
		want error
	}{
		{"tcp://127.0.0.1:0", []Option{WithNumLoops(-1)}, ErrInvalidOption},
		{"tcp://127.0.0.1:0", []Option{WithReadBufferSize(1)}, ErrInvalidOption},
		{"tcp://127.0.0.1:0", []Option{WithLoadBalancing(LoadBalancing(9))}, ErrInvalidOption},
		{"sctp://127.0.0.1:0", nil, ErrInvalidAddress},
		{"tcp://", nil, ErrInvalidAddress},
	}
	for _, tc := range cases {
		err := Run(BuiltinHandler{}, tc.addr, tc.opts...)
		if !errors.Is(err, tc.want) {
			t.Errorf("Run(%q) = %v, want %v", tc.addr, err, tc.want)
		}
	}
	if err := Run(nil, "tcp://127.0.0.1:0"); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("Run(nil handler) = %v", err)
	}
}

func TestListenErrorIsReported(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = Run(BuiltinHandler{}, "tcp://"+ln.Addr().String(), WithReuseAddr(false))
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("Run on a busy port = %v, want an address-in-use error", err)
	}
}

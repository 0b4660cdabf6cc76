package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/internal/nettest"
)

var quiet = slog.New(slog.DiscardHandler)

// closed is one OnClose: which client, and why.
type closed struct {
	remote string
	err    error
}

// observed reports the server's closes and ticks to the test, after the
// server has handled them. It keeps OnWritabilityChanged by embedding.
type observed struct {
	*pushServer
	closed chan closed
	ticked chan struct{}
}

func observe(s *pushServer) observed {
	return observed{s, make(chan closed, 16), make(chan struct{}, 1)}
}

func (h observed) OnClose(c netloop.Conn, err error) netloop.Action {
	a := h.pushServer.OnClose(c, err)
	h.closed <- closed{c.RemoteAddr().String(), err}
	return a
}

func (h observed) OnTick() (time.Duration, netloop.Action) {
	d, a := h.pushServer.OnTick()
	select {
	case h.ticked <- struct{}{}:
	default:
	}
	return d, a
}

// waitClose returns the next OnClose or fails the test.
func (h observed) waitClose(t *testing.T) closed {
	t.Helper()
	select {
	case ev := <-h.closed:
		return ev
	case <-time.After(nettest.Timeout):
		t.Fatal("no connection closed")
		return closed{}
	}
}

// waitSkipped waits, tick by tick, until at least n pushes were skipped.
func (h observed) waitSkipped(t *testing.T, n int64) {
	t.Helper()
	deadline := time.After(nettest.Timeout)
	for h.skipped.Load() < n {
		select {
		case <-h.ticked:
		case <-deadline:
			t.Fatalf("only %d pushes skipped, want %d", h.skipped.Load(), n)
		}
	}
}

// readLine reads one line from r or fails the test.
func readLine(t *testing.T, name string, r *bufio.Reader) string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("%s: read: %v (got %q)", name, err, line)
	}
	return line
}

// readTick skips to the next pushed tick line.
func readTick(t *testing.T, name string, r *bufio.Reader) string {
	t.Helper()
	for {
		if line := readLine(t, name, r); strings.HasPrefix(line, "tick ") {
			return line
		}
	}
}

func TestPushReachesEveryClientUntilItLeaves(t *testing.T) {
	h := observe(newPushServer(5*time.Millisecond, 0, 0, quiet))
	// Two loops: the clients land on different loops from OnTick's.
	eng := nettest.Serve(t, h, "tcp://127.0.0.1:0", netloop.WithNumLoops(2), netloop.WithTicker(true))
	addr := eng.Addrs()[0]

	clients := make([]net.Conn, 3)
	readers := make([]*bufio.Reader, 3)
	for i := range clients {
		clients[i] = nettest.Dial(t, addr)
		readers[i] = bufio.NewReader(clients[i])
		if got := readLine(t, "client", readers[i]); got != "welcome\n" {
			t.Fatalf("client %d: first line = %q, want the OnOpen greeting", i, got)
		}
	}
	for i, r := range readers {
		readTick(t, "client", r)
		// Pushes arrive in order on each connection.
		a, b := readTick(t, "client", r), readTick(t, "client", r)
		var na, nb int
		if _, err := fmt.Sscanf(a, "tick %d\n", &na); err != nil {
			t.Fatalf("client %d: bad tick line %q", i, a)
		}
		if _, err := fmt.Sscanf(b, "tick %d\n", &nb); err != nil {
			t.Fatalf("client %d: bad tick line %q", i, b)
		}
		if nb <= na {
			t.Fatalf("client %d: tick %d came after tick %d", i, nb, na)
		}
	}

	clients[0].Close()
	// (Its err is EOF, or a reset if pushes were still unread when it
	// closed.)
	if ev := h.waitClose(t); ev.remote != clients[0].LocalAddr().String() {
		t.Fatalf("OnClose for %s (%v), want it for the client that left, %s",
			ev.remote, ev.err, clients[0].LocalAddr())
	}
	if n := h.count(); n != 2 {
		t.Fatalf("server holds %d connections after one of three left, want 2", n)
	}
	// The others keep receiving.
	for _, r := range readers[1:] {
		readTick(t, "remaining client", r)
	}
}

// A client that does not read stops being pushed to once its outbound
// buffer passes the high water mark: the pushes are counted as skipped
// and its buffer in the server stops growing, while a client that reads
// keeps getting every tick.
func TestSlowClientIsSkippedWithoutGrowingTheServer(t *testing.T) {
	const (
		size = 16 << 10 // per push, every millisecond: 16 MB/s to a client that reads nothing
		low  = 32 << 10
		high = 64 << 10
		// Pushes queued on the client's loop before it publishes that
		// it is paused may land too; a few, not one per tick.
		bound = high + 8*size
	)
	h := observe(newPushServer(time.Millisecond, 0, size, quiet))
	eng := nettest.Serve(t, h, "tcp://127.0.0.1:0", netloop.WithNumLoops(2), netloop.WithTicker(true),
		netloop.WithWriteWaterMarks(low, high))
	addr := eng.Addrs()[0]

	slow := nettest.Dial(t, addr)
	// A small receive buffer makes the kernel hold less for the client
	// that never reads, so the server's buffer fills sooner.
	slow.(*net.TCPConn).SetReadBuffer(4 << 10)
	fast := nettest.Dial(t, addr)
	var fastLines atomic.Int64
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := fast.Read(buf)
			fastLines.Add(int64(bytes.Count(buf[:n], []byte("\n"))))
			if err != nil {
				return
			}
		}
	}()

	h.waitSkipped(t, 20)
	cl := h.client(t, slow.LocalAddr())
	if !cl.paused.Load() {
		t.Fatal("pushes were skipped, but the client that never reads is not marked paused")
	}
	first := outbound(t, cl)
	if first > bound {
		t.Fatalf("server buffers %d bytes for the client that never reads, want at most %d", first, bound)
	}
	fastBefore := fastLines.Load()

	// 200 ticks later, without the skipping, another 3.2 MB would be
	// waiting for it; the buffer is still within the bound.
	h.waitSkipped(t, h.skipped.Load()+200)
	if later := outbound(t, cl); later > bound {
		t.Fatalf("server's buffer for the client that never reads grew from %d to %d bytes while skipped, want at most %d",
			first, later, bound)
	}
	if fastLines.Load() == fastBefore {
		t.Fatal("the client that reads got nothing while the other one was skipped")
	}
}

// client returns the server's state for the connection from addr.
func (s *pushServer) client(t *testing.T, addr net.Addr) *client {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for c, cl := range s.clients {
		if c.RemoteAddr().String() == addr.String() {
			return cl
		}
	}
	t.Fatalf("the server has no connection from %s", addr)
	return nil
}

// outbound returns the bytes the server buffers for cl, read on its loop.
func outbound(t *testing.T, cl *client) int {
	t.Helper()
	n := make(chan int, 1)
	if err := cl.conn.Wake(func(c netloop.Conn, _ error) { n <- c.OutboundBuffered() }); err != nil {
		t.Fatalf("Wake: %v", err)
	}
	select {
	case v := <-n:
		return v
	case <-time.After(nettest.Timeout):
		t.Fatal("Wake's callback did not run")
		return 0
	}
}

// A client that reads the pushes but never answers is closed with a
// timeout error; one that answers every tick stays.
func TestSilentClientIsClosedAndAnsweringClientStays(t *testing.T) {
	const timeout = 300 * time.Millisecond // 30 ticks without an answer
	h := observe(newPushServer(10*time.Millisecond, timeout, 0, quiet))
	eng := nettest.Serve(t, h, "tcp://127.0.0.1:0", netloop.WithNumLoops(2), netloop.WithTicker(true))
	addr := eng.Addrs()[0]

	answering := nettest.Dial(t, addr)
	ticks := make(chan struct{}, 1)
	go func() {
		r := bufio.NewReader(answering)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if strings.HasPrefix(line, "tick ") {
				if _, err := answering.Write([]byte("ok\n")); err != nil {
					return
				}
				select {
				case ticks <- struct{}{}:
				default:
				}
			}
		}
	}()
	silent := nettest.Dial(t, addr)

	ev := h.waitClose(t)
	if ev.remote != silent.LocalAddr().String() {
		t.Fatalf("closed %s (%v); want the silent client %s closed and the answering one %s kept",
			ev.remote, ev.err, silent.LocalAddr(), answering.LocalAddr())
	}
	if !errors.Is(ev.err, netloop.ErrTimeout) || !errors.Is(ev.err, netloop.ErrReadTimeout) {
		t.Fatalf("silent client closed with %v, want an error matching ErrTimeout and ErrReadTimeout", ev.err)
	}
	// It read pushes all along, then the close.
	if _, err := io.Copy(io.Discard, silent); err != nil {
		t.Fatalf("silent client: read after the timeout: %v, want EOF", err)
	}

	// The answering client has outlived the timeout and is still served.
	if n := h.count(); n != 1 {
		t.Fatalf("server holds %d connections, want the answering client only", n)
	}
	select { // a tick from before the close
	case <-ticks:
	default:
	}
	select {
	case <-ticks:
	case <-time.After(nettest.Timeout):
		t.Fatal("the answering client got no tick after the silent one was closed")
	}
}

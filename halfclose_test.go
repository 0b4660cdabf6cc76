package netloop

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// halfCloser answers each request, and on the peer's EOF sends a final
// "bye" and shuts down its own side, keeping the connection until then.
type halfCloser struct {
	BuiltinHandler
	eofs   chan struct{}
	closed chan error
}

func (h *halfCloser) OnTraffic(c Conn) Action {
	b, _ := c.Next(-1)
	c.Write(b)
	return None
}

func (h *halfCloser) OnEOF(c Conn) Action {
	h.eofs <- struct{}{}
	c.Write([]byte("bye"))
	c.CloseWrite()
	return None
}

func (h *halfCloser) OnClose(_ Conn, err error) Action {
	h.closed <- err
	return None
}

func TestHalfCloseHandlerKeepsWriting(t *testing.T) {
	h := &halfCloser{eofs: make(chan struct{}, 1), closed: make(chan error, 1)}
	_, addr := serveOne(t, h, "tcp://127.0.0.1:0")
	c := dial(t, addr).(*net.TCPConn)
	c.Write([]byte("req"))
	if got := readString(t, c, 3); got != "req" {
		t.Fatalf("echo = %q", got)
	}
	c.CloseWrite()
	<-h.eofs
	rest, err := io.ReadAll(c)
	if err != nil || string(rest) != "bye" {
		t.Fatalf("after our FIN got %q, %v; want \"bye\" then EOF", rest, err)
	}
	if err := recv(t, h.closed); !errors.Is(err, io.EOF) {
		t.Errorf("OnClose err = %v, want io.EOF once both sides shut down", err)
	}
}

// shutter sends its greeting and half-closes at once.
type shutter struct {
	BuiltinHandler
	got chan string
}

func (s *shutter) OnOpen(c Conn) ([]byte, Action) {
	c.Write(pattern(4 << 20)) // more than the kernel takes at once
	if err := c.CloseWrite(); err != nil {
		s.got <- "CloseWrite: " + err.Error()
	}
	if _, err := c.Write([]byte("late")); !errors.Is(err, ErrClosed) {
		s.got <- "write after CloseWrite did not fail"
	}
	return nil, None
}

func (s *shutter) OnTraffic(c Conn) Action {
	b, _ := c.Next(-1)
	s.got <- string(b)
	return None
}

func TestCloseWriteFlushesThenSendsFIN(t *testing.T) {
	s := &shutter{got: make(chan string, 4)}
	_, addr := serveOne(t, s, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	all, err := io.ReadAll(c) // ends at the server's FIN
	if err != nil {
		t.Fatal(err)
	}
	checkPattern(t, all, 4<<20)
	c.Write([]byte("still open"))
	if got := <-s.got; got != "still open" {
		t.Errorf("server got %q after its CloseWrite, want our message", got)
	}
}

// pauser stops reading after the first message until told to resume.
type pauser struct {
	BuiltinHandler
	conns chan Conn
	got   chan string
}

func (p *pauser) OnTraffic(c Conn) Action {
	b, _ := c.Next(-1)
	p.got <- string(b)
	c.PauseReading()
	p.conns <- c
	return None
}

func TestPauseAndResumeReading(t *testing.T) {
	p := &pauser{conns: make(chan Conn, 4), got: make(chan string, 4)}
	_, addr := serveOne(t, p, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	c.Write([]byte("one"))
	if got := <-p.got; got != "one" {
		t.Fatalf("got %q", got)
	}
	sc := <-p.conns
	c.Write([]byte("two"))
	select {
	case got := <-p.got:
		t.Fatalf("read %q while paused", got)
	case <-time.After(100 * time.Millisecond): // a window for a wrong read to show
	}
	sc.Wake(func(c Conn, _ error) { c.ResumeReading() })
	if got := <-p.got; got != "two" {
		t.Errorf("after resuming got %q, want %q", got, "two")
	}
}

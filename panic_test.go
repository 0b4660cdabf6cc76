package netloop

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// panicky echoes, but panics on "boom", and in the write callback on
// "cb-boom".
type panicky struct {
	BuiltinHandler
	closed chan error
}

func (p panicky) OnTraffic(c Conn) Action {
	b, _ := c.Next(-1)
	switch string(b) {
	case "boom":
		panic("handler bug")
	case "cb-boom":
		c.Wake(func(Conn, error) { panic("callback bug") })
		return None
	}
	c.Write(b)
	return None
}

func (p panicky) OnClose(_ Conn, err error) Action {
	p.closed <- err
	return None
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPanicClosesOnlyItsConnection(t *testing.T) {
	for _, trigger := range []string{"boom", "cb-boom"} {
		t.Run(trigger, func(t *testing.T) {
			logs := &syncBuffer{}
			h := panicky{closed: make(chan error, 2)}
			_, addr := serveOne(t, h, "tcp://127.0.0.1:0", WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
			good, bad := dial(t, addr), dial(t, addr)
			echoOver(t, good, "before")
			bad.Write([]byte(trigger))
			if err := recv(t, h.closed); !errors.Is(err, ErrPanic) {
				t.Errorf("OnClose err = %v, want ErrPanic", err)
			}
			if _, err := bad.Read(make([]byte, 1)); err != io.EOF {
				t.Errorf("panicking conn read = %v, want EOF", err)
			}
			echoOver(t, good, "after")
			if l := logs.String(); !strings.Contains(l, "bug") || !strings.Contains(l, "panic_test.go") {
				t.Errorf("log lacks the panic value or its stack:\n%s", l)
			}
		})
	}
}

func echoOver(t *testing.T, c io.ReadWriter, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, len(msg))
	if _, err := io.ReadFull(c, b); err != nil || string(b) != msg {
		t.Fatalf("echo = %q, %v; want %q", b, err, msg)
	}
}

// panickyTicker panics on its first tick and shuts down on its second.
type panickyTicker struct {
	BuiltinHandler
	ticks []time.Time
}

func (p *panickyTicker) OnTick() (time.Duration, Action) {
	p.ticks = append(p.ticks, time.Now())
	if len(p.ticks) == 1 {
		panic("tick bug")
	}
	return 0, Shutdown
}

func TestPanickingTickBacksOff(t *testing.T) {
	p := &panickyTicker{}
	err := Run(p, "tcp://127.0.0.1:0", WithTicker(true), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.ticks) != 2 {
		t.Fatalf("ticks = %d, want 2", len(p.ticks))
	}
	if gap := p.ticks[1].Sub(p.ticks[0]); gap < time.Second {
		t.Errorf("tick after a panic came %v later, want the 1s fallback", gap)
	}
}

// udpPanicky panics in a Wake callback on a datagram's Conn.
type udpPanicky struct{ BuiltinHandler }

func (udpPanicky) OnTraffic(c Conn) Action {
	b, _ := c.Next(-1)
	if string(b) == "boom" {
		c.Wake(func(Conn, error) { panic("callback bug") })
		return None
	}
	c.Write(b)
	return None
}

func TestPanicOnADatagramKeepsTheSocket(t *testing.T) {
	_, addr := serveOne(t, udpPanicky{}, "udp://127.0.0.1:0", WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	c := dial(t, addr)
	c.Write([]byte("boom"))
	echoOver(t, c, "still served") // the UDP socket survived the panic
}

package netloop

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
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

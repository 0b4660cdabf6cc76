package netloop

import (
	"errors"
	"testing"
	"time"
)

func TestIdleTimeoutClosesSilentConnection(t *testing.T) {
	r := newRecorder()
	_, addr := serveOne(t, r, "tcp://127.0.0.1:0", WithIdleTimeout(50*time.Millisecond))
	c := dial(t, addr)
	readString(t, c, 3)
	err := recv(t, r.closed)
	if !errors.Is(err, ErrIdleTimeout) || !errors.Is(err, ErrTimeout) {
		t.Errorf("OnClose err = %v, want ErrIdleTimeout matching ErrTimeout", err)
	}
}

func TestActivityPostponesIdleTimeout(t *testing.T) {
	r := newRecorder()
	_, addr := serveOne(t, r, "tcp://127.0.0.1:0", WithIdleTimeout(150*time.Millisecond))
	c := dial(t, addr)
	readString(t, c, 3)
	// Ten messages 30 ms apart span twice the timeout; each resets it.
	for i := 0; i < 10; i++ {
		time.Sleep(30 * time.Millisecond)
		c.Write([]byte("x"))
		if got := readString(t, c, 1); got != "x" {
			t.Fatalf("echo %d = %q", i, got)
		}
	}
	select {
	case err := <-r.closed:
		t.Fatalf("closed while active: %v", err)
	default:
	}
	if err := recv(t, r.closed); !errors.Is(err, ErrIdleTimeout) {
		t.Errorf("OnClose err = %v, want ErrIdleTimeout", err)
	}
}

// chatty writes to each connection on open and sets a read timeout.
type chatty struct {
	BuiltinHandler
	closed chan error
	read   time.Duration
	write  time.Duration
	size   int
}

func (h *chatty) OnOpen(c Conn) ([]byte, Action) {
	if h.read > 0 {
		c.SetReadTimeout(h.read)
	}
	if h.write > 0 {
		c.SetWriteTimeout(h.write)
	}
	return pattern(h.size), None
}

func (h *chatty) OnClose(_ Conn, err error) Action {
	h.closed <- err
	return None
}

func TestReadTimeoutIgnoresOutboundTraffic(t *testing.T) {
	h := &chatty{closed: make(chan error, 1), read: 50 * time.Millisecond, size: 100}
	_, addr := serveOne(t, h, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	readString(t, c, 100)
	if err := recv(t, h.closed); !errors.Is(err, ErrReadTimeout) {
		t.Errorf("OnClose err = %v, want ErrReadTimeout", err)
	}
}

func TestWriteTimeoutClosesStuckPeer(t *testing.T) {
	h := &chatty{closed: make(chan error, 1), write: 50 * time.Millisecond, size: 64 << 20}
	_, addr := serveOne(t, h, "tcp://127.0.0.1:0", WithMaxOutbound(128<<20), WithWriteWaterMarks(0, 128<<20))
	dial(t, addr) // never reads
	if err := recv(t, h.closed); !errors.Is(err, ErrWriteTimeout) {
		t.Errorf("OnClose err = %v, want ErrWriteTimeout", err)
	}
}

// TestWriteTimeoutAfterLongQuiet sets only a write timeout, stays quiet
// long enough for the loop to stop keeping the clock, then stalls a
// write: the timeout must count from the stall, not from a stale clock.
func TestWriteTimeoutAfterLongQuiet(t *testing.T) {
	h := &lateWriter{closed: make(chan error, 1), start: make(chan Conn, 1)}
	_, addr := serveOne(t, h, "tcp://127.0.0.1:0", WithMaxOutbound(128<<20), WithWriteWaterMarks(0, 128<<20))
	dial(t, addr)
	c := <-h.start
	time.Sleep(300 * time.Millisecond) // quiet: nothing on the loop is timed
	began := time.Now()
	c.Wake(func(c Conn, _ error) { c.Write(pattern(64 << 20)) })
	if err := recv(t, h.closed); !errors.Is(err, ErrWriteTimeout) {
		t.Fatalf("OnClose err = %v, want ErrWriteTimeout", err)
	}
	if waited := time.Since(began); waited < 200*time.Millisecond {
		t.Errorf("closed %v after the stall, before the 200ms write timeout", waited)
	}
}

type lateWriter struct {
	BuiltinHandler
	closed chan error
	start  chan Conn
}

func (h *lateWriter) OnOpen(c Conn) ([]byte, Action) {
	c.SetWriteTimeout(200 * time.Millisecond)
	h.start <- c
	return nil, None
}

func (h *lateWriter) OnClose(_ Conn, err error) Action {
	h.closed <- err
	return None
}

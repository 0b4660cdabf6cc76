package netloop

import (
	"errors"
	"runtime"
	"testing"
	"time"
)

// lateReplier answers each message from a goroutine that first sleeps:
// the answer needs a P for that goroutine and its timer, while the only
// loop waits quietly holding the process's only P.
type lateReplier struct{ BuiltinHandler }

func (lateReplier) OnTraffic(c Conn) Action {
	in, _ := c.Next(-1)
	msg := append([]byte("late "), in...)
	go func() {
		time.Sleep(3 * time.Millisecond)
		c.AsyncWrite(msg, nil)
	}()
	return None
}

func TestQuietWaitLeavesRoomForGoroutines(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	_, addr := serveOne(t, lateReplier{}, "tcp://127.0.0.1:0", WithNumLoops(1), WithQuietWait(20*time.Millisecond))
	c := dial(t, addr)
	for i := 0; i < 5; i++ {
		c.Write([]byte("x\n"))
		if got := readString(t, c, len("late x\n")); got != "late x\n" {
			t.Fatalf("reply %d = %q", i, got)
		}
	}
}

func TestQuietWaitKeepsTimers(t *testing.T) {
	r := newRecorder()
	_, addr := serveOne(t, r, "tcp://127.0.0.1:0", WithIdleTimeout(50*time.Millisecond), WithQuietWait(time.Millisecond))
	c := dial(t, addr)
	readString(t, c, 3)
	if err := recv(t, r.closed); !errors.Is(err, ErrIdleTimeout) {
		t.Errorf("OnClose err = %v, want ErrIdleTimeout", err)
	}
}

func TestQuietWaitIsBounded(t *testing.T) {
	for _, d := range []time.Duration{-time.Millisecond, 2 * time.Second} {
		if _, err := buildOptions([]Option{WithQuietWait(d)}); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("QuietWait %v: err = %v, want ErrInvalidOption", d, err)
		}
	}
}

func TestCoalesceIsBounded(t *testing.T) {
	for _, d := range []time.Duration{-time.Microsecond, 2 * time.Millisecond} {
		if _, err := buildOptions([]Option{WithCoalesce(d)}); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("Coalesce %v: err = %v, want ErrInvalidOption", d, err)
		}
	}
	if _, err := buildOptions([]Option{WithCoalesce(time.Millisecond)}); err != nil {
		t.Errorf("Coalesce 1ms: %v", err)
	}
}

//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// pausedConn serves one connection with a recorder and pauses its reading
// on the loop, where shut also sends our FIN (CloseWrite).
func pausedConn(t *testing.T, shut bool) (*recorder, Engine, *net.TCPConn, Conn) {
	t.Helper()
	r := newRecorder()
	eng, addr := serveOne(t, r, "tcp://127.0.0.1:0")
	c := dial(t, addr).(*net.TCPConn)
	readString(t, c, 3)
	sc := <-r.opened
	done := make(chan error, 1)
	sc.Wake(func(c Conn, err error) {
		c.PauseReading()
		if shut && err == nil {
			err = c.CloseWrite()
		}
		done <- err
	})
	if err := recv(t, done); err != nil {
		t.Fatal(err)
	}
	if shut {
		if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
			t.Fatalf("client read %d, %v; want our FIN", n, err)
		}
	}
	return r, eng, c, sc
}

// loopPolls reads how many times the engine's first loop has polled.
func loopPolls(eng Engine) uint64 {
	l := eng.e.loops[0]
	ch := make(chan uint64, 1)
	l.post(task{op: opFunc, fn: func() { ch <- l.polls }})
	return <-ch
}

// TestPausedConnectionNoticesAReset: a connection whose reading is paused
// (PauseReading, or a proxy holding back a sender) still learns that its
// peer reset it. epoll reports the error whatever the interest set, so a
// loop that left it unread would spin on it until the handler resumed.
func TestPausedConnectionNoticesAReset(t *testing.T) {
	r, eng, c, _ := pausedConn(t, false)
	c.SetLinger(0)
	c.Close() // a reset
	select {
	case err := <-r.closed:
		if err == nil {
			t.Error("OnClose after a reset: nil error")
		}
	case <-time.After(2 * time.Second):
		before := loopPolls(eng)
		time.Sleep(100 * time.Millisecond) // an observation window: is the loop spinning?
		t.Fatalf("a paused connection was not closed after its peer's reset (the loop polled %d times in 100 ms)", loopPolls(eng)-before)
	}
}

// TestPausedConnectionHangUpWaitsForResume: both directions of a paused
// connection shut down (our CloseWrite, then the peer's FIN after its last
// bytes). Nothing is lost and nothing spins: the loop stops watching the
// socket while paused, and on ResumeReading the handler gets the bytes,
// then the connection closes with io.EOF.
func TestPausedConnectionHangUpWaitsForResume(t *testing.T) {
	r, eng, c, sc := pausedConn(t, true)
	c.Write([]byte("last words"))
	c.CloseWrite() // both directions are now shut
	before := loopPolls(eng)
	time.Sleep(100 * time.Millisecond) // an observation window: is the loop spinning?
	if n := loopPolls(eng) - before; n > 50 {
		t.Fatalf("the loop polled %d times in 100 ms over a paused, hung-up connection", n)
	}
	select {
	case err := <-r.closed:
		t.Fatalf("closed while paused: %v", err)
	default:
	}
	sc.Wake(func(c Conn, _ error) { c.ResumeReading() })
	if err := recv(t, r.closed); !errors.Is(err, io.EOF) {
		t.Fatalf("OnClose: %v, want io.EOF", err)
	}
	if !strings.Contains(r.log(), "traffic(last words)") {
		t.Errorf("the bytes sent before the hang-up were lost: %s", r.log())
	}
}

// TestPausedConnectionHangUpWithNothingUnreadCloses: both directions of a
// paused connection shut down and nothing is left to read: there is
// nothing to wait for, so it closes (io.EOF) instead of lingering until a
// resume that may never come.
func TestPausedConnectionHangUpWithNothingUnreadCloses(t *testing.T) {
	r, _, c, _ := pausedConn(t, true)
	c.CloseWrite()
	if err := recv(t, r.closed); !errors.Is(err, io.EOF) {
		t.Fatalf("OnClose: %v, want io.EOF", err)
	}
}

//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"bytes"
	"errors"
	"io"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// rawEcho reads its connections itself, with read(2) on Conn.Fd(), and
// echoes what it reads through netloop's Write.
type rawEcho struct {
	BuiltinHandler
	traffic atomic.Int64 // OnTraffic calls: there must be none
	setErr  chan error
}

func (h *rawEcho) OnOpen(c Conn) ([]byte, Action) {
	h.setErr <- c.SetRawRead(true)
	return nil, None
}

func (h *rawEcho) OnTraffic(c Conn) Action {
	h.traffic.Add(1)
	return None
}

func (h *rawEcho) OnReadable(c Conn) Action {
	var buf [4096]byte
	n, err := unix.Read(c.Fd(), buf[:])
	switch {
	case errors.Is(err, unix.EAGAIN):
		return None
	case err != nil || n == 0:
		return Close
	}
	c.Write(buf[:n])
	return None
}

// TestRawReadLeavesReadingToTheHandler: with SetRawRead(true) netloop
// reports readability and the handler reads the socket itself; OnTraffic
// never runs, and bytes flow as with netloop's own reads.
func TestRawReadLeavesReadingToTheHandler(t *testing.T) {
	h := &rawEcho{setErr: make(chan error, 1)}
	_, addr := serveOne(t, h, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	if err := recv(t, h.setErr); err != nil {
		t.Fatalf("SetRawRead: %v", err)
	}
	msg := bytes.Repeat([]byte("raw read "), 10000)
	go c.Write(msg)
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("echo differs")
	}
	if n := h.traffic.Load(); n != 0 {
		t.Errorf("OnTraffic ran %d times in raw-read mode", n)
	}
}

// TestSetRawReadNeedsOnReadable: a handler without OnReadable cannot turn
// netloop's reads off.
func TestSetRawReadNeedsOnReadable(t *testing.T) {
	r := newRecorder()
	_, addr := serveOne(t, r, "tcp://127.0.0.1:0")
	dial(t, addr)
	sc := <-r.opened
	done := make(chan error, 1)
	sc.Wake(func(c Conn, _ error) { done <- c.SetRawRead(true) })
	if err := recv(t, done); !errors.Is(err, ErrUnsupported) {
		t.Errorf("SetRawRead without OnReadable: %v, want ErrUnsupported", err)
	}
}

// TestNotifyWritableAfterEAGAIN fills a connection's socket by writing to
// its descriptor directly until EAGAIN, asks to be told when it drains,
// and reads on the client: the notification comes once, and a second one
// still pending when the connection closes gets ErrClosed.
func TestNotifyWritableAfterEAGAIN(t *testing.T) {
	r := newRecorder()
	_, addr := serveOne(t, r, "tcp://127.0.0.1:0", WithSocketBuffers(0, 16<<10))
	c := dial(t, addr)
	readString(t, c, 3)
	sc := <-r.opened

	filled := make(chan int, 1)
	notified := make(chan error, 2)
	sc.Wake(func(c Conn, _ error) {
		chunk := make([]byte, 64<<10)
		total := 0
		for {
			n, err := unix.Write(c.Fd(), chunk)
			if err != nil {
				break // EAGAIN: the socket is full
			}
			total += n
		}
		if err := c.NotifyWritable(func(_ Conn, err error) { notified <- err }); err != nil {
			notified <- err
		}
		if err := c.NotifyWritable(func(Conn, error) {}); !errors.Is(err, ErrNotifyPending) {
			notified <- errors.New("a second NotifyWritable was accepted")
		}
		filled <- total
	})
	total := <-filled
	select {
	case err := <-notified:
		t.Fatalf("notified before the client read anything: %v", err)
	default:
	}
	if _, err := io.ReadFull(c, make([]byte, total)); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, notified); err != nil {
		t.Fatalf("notification: %v", err)
	}
	// Pending at close: ErrClosed.
	sc.Wake(func(c Conn, _ error) {
		c.NotifyWritable(func(_ Conn, err error) { notified <- err })
		c.Close()
	})
	if err := recv(t, notified); !errors.Is(err, ErrClosed) {
		t.Fatalf("pending notification at close: %v, want ErrClosed", err)
	}
}

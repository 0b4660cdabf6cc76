package netloop

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEdgeTriggeredSeesBytesThenEOF sends a request and the FIN right
// behind it, so that one readiness event often reports both. An
// edge-triggered loop stops reading at a short read, which has emptied the
// socket; it must read on when the peer has closed, since that end of file
// raises no edge of its own. Each client must get its echo, then the
// server's "bye" (sent from OnEOF), then end of file.
func TestEdgeTriggeredSeesBytesThenEOF(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int // bytes sent before the FIN
		opts []Option
	}{
		{"level", 6, nil},
		{"edge", 6, []Option{WithEdgeTriggered(true)}},
		// 16 full reads and a short one: the FIN's edge has come and gone by
		// the connection's later turns (readLater keeps PeerClosed).
		{"edge-many-reads", 8<<10 + 100, []Option{WithEdgeTriggered(true), WithReadBufferSize(512)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const conns = 64
			h := &halfCloser{eofs: make(chan struct{}, conns), closed: make(chan error, conns)}
			_, addr := serveOne(t, h, "tcp://127.0.0.1:0", tc.opts...)
			var wg sync.WaitGroup
			errs := make(chan error, conns)
			for i := 0; i < conns; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					msg := fmt.Sprintf("req-%02d", i)
					errs <- requestThenFIN(addr, msg+strings.Repeat("x", tc.size-len(msg)))
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func requestThenFIN(addr net.Addr, msg string) error {
	c, err := net.DialTimeout("tcp", addr.String(), testTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	// A missed end of file leaves the server silent: the deadline turns
	// that hang into an error.
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		return err
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	got, err := io.ReadAll(c)
	if err != nil || string(got) != msg+"bye" {
		return fmt.Errorf("got %d bytes ending %q, %v; want the %d sent, \"bye\", then end of file",
			len(got), got[max(0, len(got)-8):], err, len(msg))
	}
	return nil
}

// turnTaker counts the bytes of the connection that says "flood" first,
// blocks its loop in that first call until released, and answers "ping"
// on any other connection with the flood's byte count at that moment.
type turnTaker struct {
	BuiltinHandler
	blocked, release chan struct{}
	flood            Conn
	flooded          int
}

func (h *turnTaker) OnTraffic(c Conn) Action {
	b, _ := c.Next(-1)
	switch {
	case h.flood == nil && string(b) == "flood":
		h.flood = c
		h.blocked <- struct{}{}
		<-h.release
	case c == h.flood:
		h.flooded += len(b)
	case string(b) == "ping":
		c.Write([]byte(fmt.Sprint(h.flooded)))
	}
	return None
}

// TestEdgeTriggeredTakesTurns checks that an edge-triggered loop does not
// read one connection dry while another waits. With the loop held up in a
// callback, one client queues 32 KiB and a second client, after it, a
// ping; once released, the loop (512-byte reads) must answer the ping
// before it has read all 32 KiB, since each turn reads a connection at
// most edgeReads times.
func TestEdgeTriggeredTakesTurns(t *testing.T) {
	h := &turnTaker{blocked: make(chan struct{}), release: make(chan struct{})}
	_, addr := serveOne(t, h, "tcp://127.0.0.1:0",
		WithEdgeTriggered(true), WithNumLoops(1), WithReadBufferSize(512))
	flood, pinger := dial(t, addr), dial(t, addr)
	if _, err := flood.Write([]byte("flood")); err != nil {
		t.Fatal(err)
	}
	<-h.blocked
	const size = 32 << 10
	if _, err := flood.Write(make([]byte, size)); err != nil {
		t.Fatal(err)
	}
	if _, err := pinger.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	close(h.release)
	buf := make([]byte, 16)
	n, err := pinger.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	var read int
	fmt.Sscan(string(buf[:n]), &read)
	if read >= size {
		t.Fatalf("the ping was answered after all %d flood bytes were read; want it served in between", read)
	}
	t.Logf("ping answered after %d of %d flood bytes", read, size)
}

//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"fmt"
	"testing"
)

// The turns are the poll engine's: the portable engine ignores
// EdgeTriggered, and its reader goroutines hand reads over in whatever
// order the scheduler runs them.

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

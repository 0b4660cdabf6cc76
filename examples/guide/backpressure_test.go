package guide_test

import (
	"fmt"
	"io"
	"log"
	"time"

	"github.com/netloop/netloop"
)

// runWithWaterMarks pauses a connection once 256 KiB wait to be sent, and
// resumes it once they have drained to 64 KiB.
func runWithWaterMarks(h netloop.Handler, addr string) error {
	return netloop.Run(h, addr, netloop.WithWriteWaterMarks(64<<10, 256<<10))
}

// bulk sends total bytes to each client as fast as the client reads them,
// holding no more than about the high water mark for it.
type bulk struct {
	netloop.BuiltinHandler
	total int
	chunk []byte
}

// transfer is how much a connection still has to receive.
type transfer struct{ left int }

func (b *bulk) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	c.SetContext(&transfer{left: b.total})
	b.fill(c)
	return nil, netloop.None
}

// OnWritabilityChanged runs on c's loop: with writable false when c's
// outbound buffer passes the high water mark, true when it is down to the
// low one.
func (b *bulk) OnWritabilityChanged(c netloop.Conn, writable bool) {
	if writable {
		b.fill(c)
	}
}

// fill writes until the transfer is done or c stops being writable.
func (b *bulk) fill(c netloop.Conn) {
	t := c.Context().(*transfer)
	for t.left > 0 && c.Writable() {
		n := min(t.left, len(b.chunk))
		if _, err := c.Write(b.chunk[:n]); err != nil {
			return // the connection is failing; OnClose will say why
		}
		t.left -= n
	}
	if t.left == 0 {
		c.Close() // after what is pending has been flushed
	}
}

// pauses tells the example when the server has paused.
type pauses struct {
	*bulk
	paused chan struct{}
}

func (p pauses) OnWritabilityChanged(c netloop.Conn, writable bool) {
	p.bulk.OnWritabilityChanged(c, writable)
	if !writable {
		select {
		case p.paused <- struct{}{}:
		default:
		}
	}
}

func Example_backpressure() {
	// More than the kernel's socket buffers hold, so that a client that
	// does not read makes the server pause.
	h := pauses{&bulk{total: 16 << 20, chunk: make([]byte, 32<<10)}, make(chan struct{}, 1)}
	addr, stop := serve(h, runWithWaterMarks)
	defer stop()

	conn, _ := dial(addr)
	defer conn.Close()
	select {
	case <-h.paused:
		fmt.Println("paused while the client did not read")
	case <-time.After(10 * time.Second):
		log.Fatal("the server never paused")
	}
	n, err := io.Copy(io.Discard, conn) // read to the end: the server resumes as it drains
	fmt.Println(n, err)
	// Output:
	// paused while the client did not read
	// 16777216 <nil>
}

// runWithLimits lowers the hard caps on a connection's buffers (defaults:
// 128 MiB out, 64 MiB in).
func runWithLimits(h netloop.Handler, addr string) error {
	return netloop.Run(h, addr,
		netloop.WithWriteWaterMarks(16<<10, 64<<10), // high must not exceed MaxOutbound
		netloop.WithMaxOutbound(1<<20),
		netloop.WithMaxInbound(64<<10),
	)
}

// hoarder never consumes what it reads, and writes more than MaxOutbound
// at once.
type hoarder struct {
	netloop.BuiltinHandler
	closed chan error
}

func (h hoarder) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	_, err := c.Write(make([]byte, 2<<20)) // nothing of it is written
	fmt.Println("write:", err)
	return nil, netloop.None
}

func (h hoarder) OnClose(c netloop.Conn, err error) netloop.Action {
	h.closed <- err
	return netloop.None
}

func Example_limits() {
	h := hoarder{closed: make(chan error, 1)}
	addr, stop := serve(h, runWithLimits)
	defer stop()

	conn, _ := dial(addr)
	defer conn.Close()
	conn.Write(make([]byte, 128<<10)) // may fail once the server has closed
	fmt.Println("closed:", <-h.closed)
	// Output:
	// write: netloop: outbound buffer full
	// closed: netloop: inbound buffer full
}

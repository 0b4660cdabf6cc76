//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"bytes"
	"io"
	"net"
	"testing"
)

// TestEchoSteadyStateAllocatesNothing proves invariant 6: once warm, an
// echo round trip allocates nothing, on the server or in the client.
func TestEchoSteadyStateAllocatesNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"level", nil},
		{"edge", []Option{WithEdgeTriggered(true)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := serveOne(t, echoHandler{}, "tcp://127.0.0.1:0", tc.opts...)
			c := dial(t, addr)
			msg := pattern(512)
			requireNoAllocs(t, "echo round trip", writeThenRead(t, c, msg, len(msg)))
		})
	}
}

// partialConsumer reads only whole 4-byte records, leaving partial ones
// buffered: the path where leftover bytes are kept between reads.
type partialConsumer struct{ BuiltinHandler }

func (partialConsumer) OnTraffic(c Conn) Action {
	for c.InboundBuffered() >= 4 {
		b, _ := c.Next(4)
		c.Write(b)
	}
	return None
}

func TestLeftoverPathAllocatesNothing(t *testing.T) {
	_, addr := serveOne(t, partialConsumer{}, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	half := []byte("ab")
	buf := make([]byte, 4)
	roundTrip := func() {
		c.Write(half)
		c.Write(half)
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
	}
	requireNoAllocs(t, "split-record round trip", roundTrip)
}

// A reply built in AvailableBuffer allocates nothing once warm.
func TestAvailableBufferReplyAllocatesNothing(t *testing.T) {
	_, addr := serveOne(t, shouter{}, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	line := append(bytes.Repeat([]byte("abcdefghij"), 20), '\n')
	requireNoAllocs(t, "round trip through AvailableBuffer", writeThenRead(t, c, line, len(line)))
}

// writeThenRead returns a round trip over c: write msg, read a reply of
// replyLen bytes into a buffer made once.
func writeThenRead(t *testing.T, c net.Conn, msg []byte, replyLen int) func() {
	buf := make([]byte, replyLen)
	return func() {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
	}
}

// requireNoAllocs warms roundTrip up (buffers, the runtime), then fails
// the test if it allocates on average.
func requireNoAllocs(t *testing.T, what string, roundTrip func()) {
	t.Helper()
	for i := 0; i < 100; i++ {
		roundTrip()
	}
	if avg := testing.AllocsPerRun(2000, roundTrip); avg != 0 {
		t.Errorf("%s allocates %.2f times, want 0", what, avg)
	}
}

package redis

import (
	"errors"
	"io"
	"testing"

	"github.com/netloop/netloop/resp"
)

// TestQuitRepliesThenCloses: QUIT answers +OK, and the server then closes
// the connection; a command pipelined behind it gets no reply.
func TestQuitRepliesThenCloses(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dial(t, addr)
	c.send("QUIT")
	c.send("PING")
	if got := c.read().String(); got != "+OK" {
		t.Fatalf("QUIT = %q, want +OK", got)
	}
	if v, err := c.r.ReadValue(); !errors.Is(err, io.EOF) {
		t.Fatalf("after QUIT read %s, %v; want end of stream", v.String(), err)
	}
}

// TestClientIDIsStableAndUnique: CLIENT ID is a positive integer, the same
// for the life of a connection and different for another one.
func TestClientIDIsStableAndUnique(t *testing.T) {
	_, addr := startServer(t, Config{})
	id := func(c *conn) int64 {
		t.Helper()
		c.send("CLIENT", "ID")
		v := c.read()
		if v.Type != resp.TypeInt || v.Int <= 0 {
			t.Fatalf("CLIENT ID = %s, want a positive integer", v.String())
		}
		return v.Int
	}
	a, b := dial(t, addr), dial(t, addr)
	first := id(a)
	if again := id(a); again != first {
		t.Errorf("CLIENT ID changed on one connection: %d then %d", first, again)
	}
	if other := id(b); other == first {
		t.Errorf("two connections share CLIENT ID %d", first)
	}
}

package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/internal/nettest"
)

// closeSignal reports every OnClose to the test after the server has
// handled it.
type closeSignal struct {
	*pushServer
	closed chan struct{}
}

func (h closeSignal) OnClose(c netloop.Conn, err error) netloop.Action {
	a := h.pushServer.OnClose(c, err)
	h.closed <- struct{}{}
	return a
}

// readLine reads one line from r or fails the test.
func readLine(t *testing.T, name string, r *bufio.Reader) string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("%s: read: %v (got %q)", name, err, line)
	}
	return line
}

// readTick skips to the next pushed tick line.
func readTick(t *testing.T, name string, r *bufio.Reader) string {
	t.Helper()
	for {
		if line := readLine(t, name, r); strings.HasPrefix(line, "tick ") {
			return line
		}
	}
}

func TestPushReachesEveryClientUntilItLeaves(t *testing.T) {
	srv := newPushServer(5 * time.Millisecond)
	h := closeSignal{srv, make(chan struct{}, 10)}
	// Two loops: the clients land on different loops from OnTick's.
	eng := nettest.Serve(t, h, "tcp://127.0.0.1:0", netloop.WithNumLoops(2), netloop.WithTicker(true))
	addr := eng.Addrs()[0]

	clients := make([]net.Conn, 3)
	readers := make([]*bufio.Reader, 3)
	for i := range clients {
		clients[i] = nettest.Dial(t, addr)
		readers[i] = bufio.NewReader(clients[i])
		if got := readLine(t, "client", readers[i]); got != "welcome\n" {
			t.Fatalf("client %d: first line = %q, want the OnOpen greeting", i, got)
		}
	}
	for i, r := range readers {
		readTick(t, "client", r)
		// Pushes arrive in order on each connection.
		a, b := readTick(t, "client", r), readTick(t, "client", r)
		var na, nb int
		if _, err := fmt.Sscanf(a, "tick %d\n", &na); err != nil {
			t.Fatalf("client %d: bad tick line %q", i, a)
		}
		if _, err := fmt.Sscanf(b, "tick %d\n", &nb); err != nil {
			t.Fatalf("client %d: bad tick line %q", i, b)
		}
		if nb <= na {
			t.Fatalf("client %d: tick %d came after tick %d", i, nb, na)
		}
	}

	clients[0].Close()
	select {
	case <-h.closed:
	case <-time.After(nettest.Timeout):
		t.Fatal("OnClose did not run for the client that left")
	}
	if n := srv.count(); n != 2 {
		t.Fatalf("server holds %d connections after one of three left, want 2", n)
	}
	// The others keep receiving.
	for _, r := range readers[1:] {
		readTick(t, "remaining client", r)
	}
}

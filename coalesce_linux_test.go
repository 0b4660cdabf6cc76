//go:build !netloop_netengine

package netloop

import (
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// coalesced reads the first loop's coalescing counters on the loop.
func coalesced(eng Engine) (sleeps, hits uint64, polls uint64) {
	l := eng.e.loops[0]
	ch := make(chan [3]uint64, 1)
	l.post(task{op: opFunc, fn: func() {
		s, h := l.poller.Coalesced()
		ch <- [3]uint64{s, h, l.polls}
	}})
	r := <-ch
	return r[0], r[1], r[2]
}

// roundTrips sends n numbered lines on c, each after the answer to the last,
// and checks each echo.
func roundTrips(c net.Conn, id, n int) error {
	buf := make([]byte, 64)
	for i := range n {
		msg := fmt.Sprintf("client %02d line %04d\n", id, i)
		if _, err := c.Write([]byte(msg)); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, buf[:len(msg)]); err != nil {
			return err
		}
		if got := string(buf[:len(msg)]); got != msg {
			return fmt.Errorf("echo %q, want %q", got, msg)
		}
	}
	return nil
}

// runClients runs n clients at once, each making rounds round trips.
func runClients(t *testing.T, addr net.Addr, n, rounds int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for id := range n {
		c := dial(t, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- roundTrips(c, id, rounds)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Many clients with one request each in flight: the loop holds small
// batches for company, and every echo still arrives whole and in order.
func TestCoalesceServesManyClients(t *testing.T) {
	eng, addr := serveOne(t, echoHandler{}, "tcp://127.0.0.1:0", WithNumLoops(1), WithCoalesce(200*time.Microsecond))
	runClients(t, addr, 24, 200)
	if sleeps, _, _ := coalesced(eng); sleeps == 0 {
		t.Error("the loop never held a small batch")
	}
}

// A few clients that each wait for their reply gain nothing from a loop
// that waits for company: all the others are waiting on it too. It never
// holds their batches (2-8 such clients lost up to half their requests
// per second to a loop that did).
func TestCoalesceLeavesFewClientsAlone(t *testing.T) {
	for _, clients := range []int{1, 4} {
		eng, addr := serveOne(t, echoHandler{}, "tcp://127.0.0.1:0", WithNumLoops(1), WithCoalesce(time.Millisecond))
		runClients(t, addr, clients, 600)
		if sleeps, _, polls := coalesced(eng); sleeps != 0 {
			t.Errorf("%d clients: the loop held %d small batches in %d polls", clients, sleeps, polls)
		}
	}
}

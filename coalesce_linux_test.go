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

// Many clients with one request each in flight: the loop holds small
// batches for company, and every echo still arrives whole and in order.
func TestCoalesceServesManyClients(t *testing.T) {
	eng, addr := serveOne(t, echoHandler{}, "tcp://127.0.0.1:0", WithNumLoops(1), WithCoalesce(200*time.Microsecond))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for id := range 16 {
		c := dial(t, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- roundTrips(c, id, 200)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if sleeps, _, _ := coalesced(eng); sleeps == 0 {
		t.Error("the loop never held a small batch")
	}
}

// A lone client gains nothing from waiting for company, so the loop soon
// stops waiting: after a fruitless sleep it serves the next 1, 2, 4 ...
// small batches at once. With a 1 ms sleep on every request, 100 round
// trips would take over 100 ms longer; with the backoff the loop sleeps
// at most once in the first poll, the third, the sixth and so on.
func TestCoalesceSparesALoneClient(t *testing.T) {
	eng, addr := serveOne(t, echoHandler{}, "tcp://127.0.0.1:0", WithNumLoops(1), WithCoalesce(time.Millisecond))
	c := dial(t, addr)
	if err := roundTrips(c, 0, 100); err != nil {
		t.Fatal(err)
	}
	sleeps, hits, polls := coalesced(eng)
	// The polls at which the backoff allows a sleep: 1, 3, 6, 11, 20 ...
	allowed, skip := uint64(0), uint64(1)
	for at := uint64(1); at <= polls; at += skip + 1 {
		allowed++
		if allowed > 1 {
			skip = min(2*skip, maxSkipForTest)
		}
	}
	if sleeps > allowed*(hits+1) {
		t.Errorf("%d sleeps (%d finding more) in %d polls; the backoff allows %d", sleeps, hits, polls, allowed)
	}
	if sleeps == 0 {
		t.Error("the loop never tried to hold a small batch")
	}
}

// maxSkipForTest mirrors the poller's cap on the backoff (64 batches).
const maxSkipForTest = 64

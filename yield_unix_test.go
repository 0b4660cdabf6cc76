//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"runtime"
	"testing"
	"time"
)

// handOff answers each read from a goroutine, as a handler with a worker
// pool does, and reports how many times the loop had polled between the
// handoff and the answer's arrival back on the loop.
type handOff struct {
	BuiltinHandler
	yield bool
	polls chan uint64
}

func (h *handOff) OnTraffic(c Conn) Action {
	c.Next(-1)
	l := c.(*conn).loop
	before := l.polls
	go func() {
		c.Wake(func(c Conn, err error) {
			if err == nil {
				c.Write([]byte("done"))
				h.polls <- l.polls - before // on the loop: no race
			}
		})
	}()
	if h.yield {
		c.Yield()
	}
	return None
}

// TestYieldRunsHandedOffWorkBeforeTheNextPoll: with one P, a goroutine a
// handler starts cannot run while the loop does. After Conn.Yield it runs
// when the loop's batch ends, and what it sends back is served before the
// loop polls again; without it, the loop always polls (and blocks) first.
// Yielding is not a guarantee: the scheduler now and then (1 time in 61,
// for fairness) picks the yielding goroutine again first.
func TestYieldRunsHandedOffWorkBeforeTheNextPoll(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const rounds = 40
	for _, yield := range []bool{true, false} {
		h := &handOff{yield: yield, polls: make(chan uint64, 1)}
		_, addr := serveOne(t, h, "tcp://127.0.0.1:0", WithNumLoops(1))
		c := dial(t, addr)
		beforePoll := 0 // answers served before the loop polled again
		for i := 0; i < rounds; i++ {
			if _, err := c.Write([]byte("x")); err != nil {
				t.Fatal(err)
			}
			readString(t, c, 4)
			select {
			case polls := <-h.polls:
				if polls == 0 {
					beforePoll++
				}
			case <-time.After(testTimeout):
				t.Fatal("timed out waiting for the handed-off work")
			}
		}
		if yield && beforePoll < rounds*3/4 {
			t.Errorf("with Yield, %d of %d answers came back before the next poll, want nearly all", beforePoll, rounds)
		}
		if !yield && beforePoll > 0 {
			t.Errorf("without Yield, %d of %d answers came back before the next poll: the test proves nothing", beforePoll, rounds)
		}
	}
}

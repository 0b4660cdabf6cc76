package netloop

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
)

// perLoopCounter keeps, per loop and without a lock, the bytes echoed and
// the connections opened, in slices sized in OnBoot: the way LoopIndex is
// meant to be used. Were two callbacks with one index to run at once, the
// race detector would report the unguarded increments.
type perLoopCounter struct {
	BuiltinHandler
	bytes, conns []int
	bad          chan int // an index out of range
}

func (h *perLoopCounter) OnBoot(eng Engine) Action {
	h.bytes, h.conns = make([]int, eng.NumLoops()), make([]int, eng.NumLoops())
	return None
}

func (h *perLoopCounter) index(c Conn) (int, bool) {
	i := c.LoopIndex()
	if i < 0 || i >= len(h.bytes) {
		h.bad <- i
		return 0, false
	}
	return i, true
}

func (h *perLoopCounter) OnOpen(c Conn) ([]byte, Action) {
	if i, ok := h.index(c); ok {
		h.conns[i]++
	}
	return nil, None
}

func (h *perLoopCounter) OnTraffic(c Conn) Action {
	if i, ok := h.index(c); ok {
		h.bytes[i] += c.InboundBuffered()
	}
	c.WriteTo(c)
	return None
}

func TestLoopIndexKeysLockFreePerLoopState(t *testing.T) {
	const loops, clients, rounds = 4, 16, 50
	h := &perLoopCounter{bad: make(chan int, clients*rounds)}
	eng, err := Start(h, []string{"tcp://127.0.0.1:0"}, WithNumLoops(loops), WithLoadBalancing(RoundRobin))
	if err != nil {
		t.Fatal(err)
	}
	if got := eng.NumLoops(); got != loops {
		t.Fatalf("NumLoops = %d, want %d", got, loops)
	}
	addr := eng.Addrs()[0]
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		nc := dial(t, addr)
		wg.Go(func() {
			msg := []byte(fmt.Sprintf("client %02d says hello\n", i))
			got := make([]byte, len(msg))
			for r := 0; r < rounds; r++ {
				if _, err := nc.Write(msg); err != nil {
					errs <- err
					return
				}
				if _, err := io.ReadFull(nc, got); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Stopping the engine orders the loops' increments before our reads.
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := eng.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := eng.Wait(); err != nil {
		t.Fatal(err)
	}
	close(h.bad)
	for i := range h.bad {
		t.Errorf("LoopIndex %d out of [0, %d)", i, loops)
	}
	total := 0
	for i := 0; i < loops; i++ {
		if h.conns[i] != clients/loops {
			t.Errorf("loop %d opened %d connections, want %d (round robin)", i, h.conns[i], clients/loops)
		}
		total += h.bytes[i]
	}
	if want := clients * rounds * len("client 00 says hello\n"); total != want {
		t.Errorf("loops counted %d bytes, want %d", total, want)
	}
	if got := (Engine{}).NumLoops(); got != 0 {
		t.Errorf("NumLoops of a zero Engine = %d, want 0", got)
	}
}

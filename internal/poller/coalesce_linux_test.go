package poller

import (
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pipes returns a poller (edge-triggered if edge) that coalesces for d
// and watches the read ends of n pipes; it returns their read and write
// ends.
func pipes(t *testing.T, edge bool, d time.Duration, n int) (p *Poller, r, w []int) {
	t.Helper()
	p, err := Open(edge)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	p.SetCoalesce(d)
	p.SetActive(100) // as if serving many connections
	for range n {
		var fds [2]int
		if err := unix.Pipe2(fds[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
		if err := p.Add(fds[0], Read); err != nil {
			t.Fatal(err)
		}
		r, w = append(r, fds[0]), append(w, fds[1])
	}
	return p, r, w
}

func poke(t *testing.T, fd int) {
	t.Helper()
	if _, err := unix.Write(fd, []byte("x")); err != nil {
		t.Fatal(err)
	}
}

// waitFor runs one Wait and returns the descriptors it reported, sorted.
func waitFor(t *testing.T, p *Poller, msec int) []int {
	t.Helper()
	n, err := p.Wait(msec)
	if err != nil {
		t.Fatal(err)
	}
	fds, _ := ready(p, n)
	slices.Sort(fds)
	return fds
}

func TestCoalesceGathersWhatBecomesReady(t *testing.T) {
	for _, edge := range []bool{false, true} {
		p, r, w := pipes(t, edge, time.Millisecond, 3)
		poke(t, w[0])
		// During the sleep a second pipe becomes ready and the first gets
		// more bytes: both are reported, the first once, and it is not
		// lost to the edge-triggered poller, which reports it only once.
		p.gather.hook = func() { poke(t, w[1]); poke(t, w[0]) }
		got := waitFor(t, p, -1)
		if want := []int{r[0], r[1]}; !slices.Equal(got, want) {
			t.Errorf("edge %v: ready %v, want %v", edge, got, want)
		}
		if sleeps, hits := p.Coalesced(); sleeps != 1 || hits != 1 {
			t.Errorf("edge %v: %d sleeps, %d hits; want 1, 1", edge, sleeps, hits)
		}
	}
}

func TestCoalesceFindingNothingKeepsTheBatch(t *testing.T) {
	for _, edge := range []bool{false, true} {
		p, r, w := pipes(t, edge, time.Millisecond, 1)
		poke(t, w[0])
		if got := waitFor(t, p, -1); !slices.Equal(got, r) {
			t.Errorf("edge %v: ready %v, want %v", edge, got, r)
		}
		if sleeps, hits := p.Coalesced(); sleeps != 1 || hits != 0 {
			t.Errorf("edge %v: %d sleeps, %d hits; want 1, 0", edge, sleeps, hits)
		}
	}
}

// A loop whose sleeps find nothing new tries again after 1, 2, 4 ... 64
// small batches; one that finds something keeps trying every time.
func TestCoalesceBacksOffAndRecovers(t *testing.T) {
	p, r, w := pipes(t, false, time.Microsecond, 2)
	poke(t, w[0]) // level-triggered and never read: ready at every Wait
	var slept []int
	for i := 1; i <= 200; i++ {
		before, _ := p.Coalesced()
		waitFor(t, p, -1)
		if after, _ := p.Coalesced(); after > before {
			slept = append(slept, i)
		}
	}
	if want := []int{1, 3, 6, 11, 20, 37, 70, 135, 200}; !slices.Equal(slept, want) {
		t.Fatalf("slept at Waits %v, want %v", slept, want)
	}
	// Wait 200 slept and found nothing: the next 64 are served at once.
	for range maxGatherSkip {
		waitFor(t, p, -1)
	}
	p.gather.hook = func() { poke(t, w[1]) }
	if got := waitFor(t, p, -1); !slices.Equal(got, r) {
		t.Fatalf("ready %v, want %v", got, r)
	}
	unix.Read(r[1], make([]byte, 8))
	p.gather.hook = nil
	before, _ := p.Coalesced()
	waitFor(t, p, -1)
	if after, _ := p.Coalesced(); after != before+1 {
		t.Error("after a sleep that found more, the next small batch was not held")
	}
}

func TestCoalesceLeavesSomeBatchesAlone(t *testing.T) {
	p, r, w := pipes(t, false, time.Millisecond, gatherBelow)
	p.gather.hook = func() { t.Error("slept") }
	// Nothing ready within the timeout.
	if got := waitFor(t, p, 1); len(got) != 0 {
		t.Errorf("ready %v, want nothing", got)
	}
	// A batch woken by Wake: tasks are waiting.
	poke(t, w[0])
	p.Wake()
	n, err := p.Wait(-1)
	if err != nil {
		t.Fatal(err)
	}
	if _, woken := ready(p, n); !woken {
		t.Error("Wake not reported")
	}
	// A zero timeout: the caller has work and must not be delayed.
	if got := waitFor(t, p, 0); !slices.Equal(got, r[:1]) {
		t.Errorf("ready %v, want %v", got, r[:1])
	}
	// Enough ready already.
	for _, fd := range w[1:] {
		poke(t, fd)
	}
	if got := waitFor(t, p, -1); !slices.Equal(got, r) {
		t.Errorf("ready %v, want %v", got, r)
	}
	// Off.
	p.SetCoalesce(0)
	for _, fd := range r[1:] {
		unix.Read(fd, make([]byte, 8))
	}
	if got := waitFor(t, p, -1); !slices.Equal(got, r[:1]) {
		t.Errorf("ready %v, want %v", got, r[:1])
	}
	if sleeps, _ := p.Coalesced(); sleeps != 0 {
		t.Errorf("%d sleeps, want none", sleeps)
	}
}

// A loop that serves few connections never holds a batch: its clients
// wait for their replies, so none would join it.
func TestCoalesceNeedsManyActiveConnections(t *testing.T) {
	p, r, w := pipes(t, false, time.Millisecond, 1)
	p.SetActive(gatherMinActive - 1)
	p.gather.hook = func() { t.Error("slept") }
	poke(t, w[0])
	if got := waitFor(t, p, -1); !slices.Equal(got, r) {
		t.Errorf("ready %v, want %v", got, r)
	}
}

// A sleep after which every active connection is ready held them all:
// it counts as fruitless, and the next small batch is served at once.
func TestCoalesceGatheringEveryoneIsFruitless(t *testing.T) {
	for _, active := range []int{gatherMinActive, gatherMinActive + 1} {
		p, r, w := pipes(t, false, time.Microsecond, gatherMinActive)
		p.SetActive(active)
		poke(t, w[0])
		p.gather.hook = func() {
			for _, fd := range w[1:] {
				poke(t, fd)
			}
		}
		if got := waitFor(t, p, -1); len(got) != len(r) {
			t.Fatalf("active %d: %d ready, want %d", active, len(got), len(r))
		}
		_, hits := p.Coalesced()
		if wantHits := uint64(active - gatherMinActive); hits != wantHits {
			t.Errorf("active %d: %d hits, want %d", active, hits, wantHits)
		}
		if held := p.gather.skip == 0; held != (hits == 1) {
			t.Errorf("active %d: skip %d after %d hits", active, p.gather.skip, hits)
		}
	}
}

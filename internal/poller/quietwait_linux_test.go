package poller

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pipePoller returns a poller with quiet waits of quietMs watching the
// read end of a pipe, and the write end.
func pipePoller(t *testing.T, quietMs int) (*Poller, int) {
	t.Helper()
	p, _, w := pipes(t, false, 0, 1)
	p.SetQuietWait(quietMs)
	return p, w[0]
}

// ready collects the descriptors a Wait reported, and whether Wake did.
func ready(p *Poller, n int) (fds []int, woken bool) {
	for i := 0; i < n; i++ {
		fd, _ := p.Ready(i)
		if fd == p.WakeFD() {
			p.ResetWake()
			woken = true
			continue
		}
		fds = append(fds, fd)
	}
	p.Served(n)
	return fds, woken
}

func TestQuietWaitReportsWhatBecomesReady(t *testing.T) {
	p, w := pipePoller(t, 1000)
	go func() {
		time.Sleep(5 * time.Millisecond) // most likely inside the quiet wait
		unix.Write(w, []byte("x"))
	}()
	n, err := p.Wait(-1)
	if err != nil || n != 1 {
		t.Fatalf("Wait = %d, %v; want the pipe", n, err)
	}
	if fds, woken := ready(p, n); len(fds) != 1 || woken {
		t.Fatalf("ready %v woken %v, want the pipe alone", fds, woken)
	}
}

func TestQuietWaitKeepsTheTimeout(t *testing.T) {
	// A timeout shorter than the quiet wait ends the wait; one longer
	// goes on blocking for the rest after it.
	for _, tc := range []struct{ quiet, msec int }{{1000, 20}, {5, 30}} {
		p, _ := pipePoller(t, tc.quiet)
		start := time.Now()
		n, err := p.Wait(tc.msec)
		if err != nil || n != 0 {
			t.Fatalf("quiet %d ms, Wait(%d) = %d, %v; want nothing ready", tc.quiet, tc.msec, n, err)
		}
		if took := time.Since(start); took < time.Duration(tc.msec)*time.Millisecond-time.Millisecond {
			t.Errorf("quiet %d ms, Wait(%d) returned after %v", tc.quiet, tc.msec, took)
		}
	}
}

func TestQuietWaitEndsOnWakeAndAfterIt(t *testing.T) {
	p, w := pipePoller(t, 5)
	// Woken while waiting quietly.
	go func() {
		time.Sleep(2 * time.Millisecond)
		p.Wake()
	}()
	n, err := p.Wait(-1)
	if err != nil {
		t.Fatal(err)
	}
	if _, woken := ready(p, n); !woken {
		t.Fatal("Wake did not end the quiet wait")
	}
	// Ready only after the quiet wait has given way to the blocking one.
	go func() {
		time.Sleep(40 * time.Millisecond)
		unix.Write(w, []byte("x"))
	}()
	n, err = p.Wait(-1)
	if fds, _ := ready(p, n); err != nil || len(fds) != 1 {
		t.Fatalf("Wait = %d, %v, ready %v; want the pipe", n, err, fds)
	}
}

// TestSleptTellsLongWaits checks Slept: only a Wait that could block for
// more than a millisecond says so, whatever it found.
func TestSleptTellsLongWaits(t *testing.T) {
	p, r, w := pipes(t, false, 0, 1)
	for _, tc := range []struct {
		name  string
		quiet int // SetQuietWait
		msec  int // Wait's timeout
		ready bool
		want  bool
	}{
		{"a look", 1, 0, false, false},
		{"a quiet wait that finds something", 1, -1, true, false},
		{"a millisecond that passes", 0, 1, false, false},
		{"five milliseconds that pass", 0, 5, false, true},
		{"a quiet wait, then more", 1, 5, false, true},
		{"a long quiet wait", 50, -1, true, true},
	} {
		p.SetQuietWait(tc.quiet)
		if tc.ready {
			poke(t, w[0])
		}
		if _, err := p.Wait(tc.msec); err != nil {
			t.Fatal(err)
		}
		if got := p.Slept(); got != tc.want {
			t.Errorf("%s: Slept = %v, want %v", tc.name, got, tc.want)
		}
		if tc.ready {
			var b [8]byte
			unix.Read(r[0], b[:])
		}
	}
}

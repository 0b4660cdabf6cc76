//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"runtime"
	"testing"
	"time"
)

// Worker loops wait quietly; the dedicated acceptor, which would hold a P
// a worker may need, does not.
func TestQuietWaitIsForWorkerLoopsOnly(t *testing.T) {
	eng, _ := serveOne(t, echoHandler{}, "tcp://127.0.0.1:0", WithNumLoops(2), WithQuietWait(1500*time.Microsecond))
	want := 0
	if runtime.GOOS == "linux" {
		want = 2 // rounded up to whole milliseconds
	}
	for i, l := range eng.e.loops {
		if got := l.poller.QuietWait(); got != want {
			t.Errorf("worker loop %d: quiet wait %d ms, want %d", i, got, want)
		}
	}
	if a := eng.e.acceptor; a == nil || a.idx != -1 {
		t.Fatal("no dedicated acceptor with two loops")
	} else if got := a.poller.QuietWait(); got != 0 {
		t.Errorf("acceptor: quiet wait %d ms, want 0", got)
	}
}

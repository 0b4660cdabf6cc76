//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

// activityWindow is how many reads a loop counts distinct connections
// over before it tells its poller (Options.Coalesce): long enough for
// every client of a busy loop to show up, short enough to follow a
// change of load within milliseconds.
const activityWindow = 512

// activity counts the distinct connections a loop has read from lately,
// for the poller's coalescing: holding a small batch for company pays
// only when many connections are active at once.
type activity struct {
	on     bool   // the loop coalesces
	window uint32 // number of the current window
	reads  uint32 // reads in the current window
	conns  uint32 // distinct connections read in the current window
}

// countActive notes a read from c.
func (l *loop) countActive(c *conn) {
	a := &l.active
	if c.window != a.window {
		c.window = a.window
		a.conns++
	}
	if a.reads++; a.reads == activityWindow {
		l.poller.SetActive(int(a.conns))
		a.window++
		a.reads, a.conns = 0, 0
	}
}

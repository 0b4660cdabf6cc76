package proxy

import (
	"time"

	"github.com/netloop/netloop"
)

// Backpressure, and why it is not netloop's water marks.
//
// netloop stops reading a connection whose own outbound buffer is above
// its high water mark. A relay must not: if the upstream's outbound is
// full because the upstream does not read, and the upstream does not read
// because it cannot write its replies to us (an echo server, or any
// server that pauses its input while its output is blocked), then not
// reading the upstream deadlocks both. The relay must stop reading only
// the side whose bytes have nowhere to go. netloop's public API cannot
// report a water-mark crossing without also stopping reads, so the proxy
// lifts each connection's marks out of reach (manualPause) and keeps its
// own per direction: above Config.HighWater it pauses the sender with
// Conn.PauseReading, and resumes it when the receiver's outbound buffer
// is back at Config.LowWater. It learns of the drain when the receiver
// sends something (OnTraffic), or else by checking on a timer that backs
// off from 1 ms to 32 ms while the receiver stays slow. docs/proxy.md
// proposes the core API that would replace the timer with an event.

const (
	firstCheck = time.Millisecond
	maxCheck   = 32 * time.Millisecond
)

// flow is one direction of a session: bytes read from src, written to
// dst. Only the loop touches it, but for timer, whose function only
// calls dst.Wake.
type flow struct {
	p        *Proxy
	src, dst netloop.Conn
	held     bool // src is paused: dst's outbound is above HighWater
	timer    *time.Timer
	delay    time.Duration
	recheck  netloop.AsyncCallback // f.poll, bound once
	stopped  bool
}

func (f *flow) init(p *Proxy, src, dst netloop.Conn) {
	f.p, f.src, f.dst = p, src, dst
}

// relay writes what src has buffered to dst and pauses src if that left
// dst's outbound above the high water mark. It reports false if the
// write failed (dst then closes, with the reason).
func (f *flow) relay() bool {
	if _, err := f.src.WriteTo(f.dst); err != nil {
		return false
	}
	if !f.held && f.dst.OutboundBuffered() > f.p.cfg.HighWater {
		f.held = true
		f.src.PauseReading()
		f.delay = firstCheck
		f.arm()
	}
	return true
}

// check resumes src once dst has drained to the low water mark.
func (f *flow) check() {
	if f.held && f.dst.OutboundBuffered() <= f.p.cfg.LowWater {
		f.held = false
		f.src.ResumeReading()
		if f.timer != nil {
			f.timer.Stop()
		}
	}
}

// arm checks again after f.delay, on dst's loop.
func (f *flow) arm() {
	if f.timer == nil {
		f.recheck = f.poll
		dst, recheck := f.dst, f.recheck
		f.timer = time.AfterFunc(f.delay, func() { dst.Wake(recheck) })
		return
	}
	f.timer.Reset(f.delay)
}

// poll runs on the loop when the timer fires (err is set if dst has
// closed meanwhile).
func (f *flow) poll(netloop.Conn, error) {
	if !f.held || f.stopped {
		return
	}
	if f.check(); f.held {
		f.delay = min(2*f.delay, maxCheck)
		f.arm()
	}
}

// stop drops the timer once the session is ending.
func (f *flow) stop() {
	f.stopped = true
	if f.timer != nil {
		f.timer.Stop()
	}
}

// manualPause lifts c's water marks out of reach, so that netloop never
// stops reading c because of c's own outbound buffer (see above): the
// highest mark that MaxOutbound allows, found by halving from netloop's
// default MaxOutbound (128 MiB; any mark far above HighWater will do).
func manualPause(c netloop.Conn) {
	for high := 128 << 20; high > 0; high >>= 1 {
		if c.SetWriteWaterMarks(high, high) == nil {
			return
		}
	}
}

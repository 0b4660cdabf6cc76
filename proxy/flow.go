package proxy

import "github.com/netloop/netloop"

// Backpressure, one direction at a time.
//
// By default netloop stops reading a connection whose own outbound buffer
// is above its high water mark. A relay must not: if the upstream's
// outbound is full because the upstream does not read, and the upstream
// does not read because it cannot write its replies to us (an echo
// server, or any server that pauses its input while its output is
// blocked), then not reading the upstream deadlocks both. The relay must
// stop reading only the side whose bytes have nowhere to go. So each
// connection gets the proxy's marks with SetPauseOnHighWater(false)
// (configure): netloop then only reports the crossings, and the flow into
// the congested connection pauses its sender with PauseReading, and
// resumes it when OnWritabilityChanged reports the drain.

// flow is one direction of a session: bytes read from src, written to
// dst. Only the loop touches it.
type flow struct {
	src, dst netloop.Conn
	held     bool // src is paused: dst's outbound is above HighWater
}

func (f *flow) init(src, dst netloop.Conn) { f.src, f.dst = src, dst }

// relay writes what src has buffered to dst; if that leaves dst above its
// high water mark, netloop reports it (OnWritabilityChanged) during the
// write and src is paused. It reports false if the write failed (dst then
// closes, with the reason).
func (f *flow) relay() bool {
	_, err := f.src.WriteTo(f.dst)
	return err == nil
}

// congested pauses src: dst's outbound crossed the high water mark.
func (f *flow) congested() {
	if f.src != nil && !f.held {
		f.held = true
		f.src.PauseReading()
	}
}

// drained resumes src: dst's outbound is back at the low water mark.
func (f *flow) drained() {
	if f.src != nil && f.held {
		f.held = false
		f.src.ResumeReading()
	}
}

// configure gives c the proxy's water marks, reported but not acted on
// by netloop (see above).
func (p *Proxy) configure(c netloop.Conn) {
	c.SetPauseOnHighWater(false)
	if err := c.SetWriteWaterMarks(p.cfg.LowWater, p.cfg.HighWater); err != nil {
		p.log.Warn("proxy: water marks", "err", err) // New validated them; only MaxOutbound can refuse
	}
}

// OnWritabilityChanged moves the flow into c: c congested pauses the side
// that sends to it; c drained resumes that side.
func (p *Proxy) OnWritabilityChanged(c netloop.Conn, writable bool) {
	s, _ := c.Context().(*session)
	if s == nil {
		return
	}
	_, into := s.flows(c)
	if writable {
		into.drained()
	} else {
		into.congested()
	}
}

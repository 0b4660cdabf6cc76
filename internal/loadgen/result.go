package loadgen

import (
	"fmt"
	"io"
	"time"
)

// Result is the outcome of a run. Durations marshal to JSON as integer
// nanoseconds (hence the _ns tags); rates are per second of the measured
// period; MB means 10^6 bytes.
type Result struct {
	Mode        string  `json:"mode"` // "closed-loop" or "open-loop"
	Network     string  `json:"network"`
	Addr        string  `json:"addr"`
	Conns       int     `json:"conns"`     // requested
	Connected   int     `json:"connected"` // successfully connected
	Size        int     `json:"size"`
	Pipeline    int     `json:"pipeline"`
	Rate        float64 `json:"rate,omitempty"` // offered msgs/s (open loop)
	Workers     int     `json:"workers"`
	Seed        uint64  `json:"seed"`
	Interrupted bool    `json:"interrupted,omitempty"` // the context was cancelled before Duration elapsed

	Elapsed    time.Duration `json:"elapsed_ns"` // measured period (excludes connect and warmup)
	Messages   uint64        `json:"messages"`   // fully echoed and verified messages
	MsgsPerSec float64       `json:"msgs_per_sec"`
	Bytes      uint64        `json:"bytes"` // echoed payload bytes of those messages
	MBPerSec   float64       `json:"mb_per_sec"`
	// Unfinished counts messages released for sending (by the closed-loop
	// window or the open-loop schedule) whose echo was not complete when
	// the run ended.
	Unfinished uint64 `json:"unfinished"`

	Latency LatencySummary `json:"latency"`
	// SendLag (open loop only) is how late the generator released messages
	// relative to their schedule, over the whole load phase. It is part of
	// Latency; if it is a large share of it, the generator (or CPU
	// contention on its host) rather than the server caused the delay.
	SendLag *LatencySummary `json:"send_lag,omitempty"`
	Errors  ErrorCounts     `json:"errors"`
	CPU     CPUUsage        `json:"cpu"`

	// Histogram holds every recorded latency, for callers that want more
	// than the summary.
	Histogram *Histogram `json:"-"`
}

// LatencySummary condenses the latency histogram.
type LatencySummary struct {
	Count uint64        `json:"count"`
	Mean  time.Duration `json:"mean_ns"`
	P50   time.Duration `json:"p50_ns"`
	P90   time.Duration `json:"p90_ns"`
	P99   time.Duration `json:"p99_ns"`
	P999  time.Duration `json:"p99_9_ns"`
	Max   time.Duration `json:"max_ns"`
}

func summarize(h *Histogram) LatencySummary {
	return LatencySummary{
		Count: h.Count(),
		Mean:  h.Mean(),
		P50:   h.Percentile(50),
		P90:   h.Percentile(90),
		P99:   h.Percentile(99),
		P999:  h.Percentile(99.9),
		Max:   h.Max(),
	}
}

// ErrorCounts classifies everything that went wrong. Errors are counted
// during warmup too.
type ErrorCounts struct {
	Connect int    `json:"connect"` // connections that could not be established
	Verify  uint64 `json:"verify"`  // messages whose echo differed from what was sent
	Reset   uint64 `json:"reset"`   // connections reset by the peer (ECONNRESET, EPIPE)
	Closed  uint64 `json:"closed"`  // connections closed by the peer (EOF) during the run
	Other   uint64 `json:"other"`   // any other socket error
	// First is the text of the first error seen, to make a failing run
	// diagnosable without a debugger.
	First string `json:"first,omitempty"`
	// VerifyFailures details the first few verification failures.
	VerifyFailures []VerifyFailure `json:"verify_failures,omitempty"`
}

// Total is the sum of all error counters.
func (e ErrorCounts) Total() uint64 {
	return uint64(e.Connect) + e.Verify + e.Reset + e.Closed + e.Other
}

// VerifyFailure locates one corrupted echo: the connection index (0-based,
// in connect order) and the byte offset in that connection's stream.
type VerifyFailure struct {
	Conn   int    `json:"conn"`
	Offset int64  `json:"offset"`
	Want   byte   `json:"want"`
	Got    byte   `json:"got"`
	Reason string `json:"reason,omitempty"` // set when the failure is not a plain byte mismatch
}

func (v VerifyFailure) String() string {
	if v.Reason != "" {
		return fmt.Sprintf("conn %d offset %d: %s", v.Conn, v.Offset, v.Reason)
	}
	return fmt.Sprintf("conn %d offset %d: want 0x%02x, got 0x%02x", v.Conn, v.Offset, v.Want, v.Got)
}

// maxVerifyFailures bounds the detail kept for reports; the counter is exact.
const maxVerifyFailures = 8

// CPUUsage is the generator process's own CPU time over the load phase
// (warmup plus measured period), from getrusage(RUSAGE_SELF). A Percent
// close to 100*Workers means the generator, not the server, was saturated.
// It covers the whole process, so in-process servers (tests) are included.
type CPUUsage struct {
	User    time.Duration `json:"user_ns"`
	Sys     time.Duration `json:"sys_ns"`
	Wall    time.Duration `json:"wall_ns"`
	Percent float64       `json:"percent"` // (user+sys)/wall, in % of one core
}

// WriteText writes a human-readable summary of r to w.
func (r *Result) WriteText(w io.Writer) error {
	p := &errWriter{w: w}
	p.printf("%s echo benchmark: %s %s, %d/%d conns, %d B msgs", r.Mode, r.Network, r.Addr, r.Connected, r.Conns, r.Size)
	if r.Rate > 0 {
		p.printf(", offered %.0f msg/s", r.Rate)
	} else {
		p.printf(", pipeline %d", r.Pipeline)
	}
	p.printf(", %d worker(s)\n", r.Workers)
	if r.Interrupted {
		p.printf("interrupted before the configured duration\n")
	}
	p.printf("  elapsed    %.3fs\n", r.Elapsed.Seconds())
	p.printf("  messages   %d (%.0f msg/s)\n", r.Messages, r.MsgsPerSec)
	p.printf("  throughput %.2f MB/s echoed payload\n", r.MBPerSec)
	l := r.Latency
	p.printf("  latency    p50 %v  p90 %v  p99 %v  p99.9 %v  max %v  mean %v\n",
		roundDur(l.P50), roundDur(l.P90), roundDur(l.P99), roundDur(l.P999), roundDur(l.Max), roundDur(l.Mean))
	if l := r.SendLag; l != nil {
		p.printf("  send lag   p50 %v  p99 %v  max %v (generator behind schedule; included in latency)\n",
			roundDur(l.P50), roundDur(l.P99), roundDur(l.Max))
	}
	e := r.Errors
	p.printf("  errors     %d (connect %d, verify %d, reset %d, closed %d, other %d)\n",
		e.Total(), e.Connect, e.Verify, e.Reset, e.Closed, e.Other)
	if e.First != "" {
		p.printf("  first err  %s\n", e.First)
	}
	for _, v := range e.VerifyFailures {
		p.printf("  verify     %s\n", v)
	}
	if r.Unfinished > 0 {
		p.printf("  unfinished %d messages still in flight at the end\n", r.Unfinished)
	}
	p.printf("  cpu        user %.2fs sys %.2fs = %.0f%% of one core (generator process)\n",
		r.CPU.User.Seconds(), r.CPU.Sys.Seconds(), r.CPU.Percent)
	return p.err
}

// roundDur trims latencies to a readable number of significant digits.
func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d >= 10*time.Microsecond:
		return d.Round(100 * time.Nanosecond)
	}
	return d
}

// errWriter keeps the first write error so WriteText can print
// unconditionally and report failure once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// merge adds a worker's error counts (Connect is tracked by Run).
func (e *ErrorCounts) merge(o ErrorCounts) {
	e.Verify += o.Verify
	e.Reset += o.Reset
	e.Closed += o.Closed
	e.Other += o.Other
	if e.First == "" {
		e.First = o.First
	}
	for _, v := range o.VerifyFailures {
		if len(e.VerifyFailures) < maxVerifyFailures {
			e.VerifyFailures = append(e.VerifyFailures, v)
		}
	}
}

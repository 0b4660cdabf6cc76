package loadgen

import (
	"fmt"
	"io"
	"time"
)

// progressInterval is the period of progress lines. It is a variable only
// so tests can shorten it.
var progressInterval = time.Second

// progressLine is one progress report: totals so far plus the deltas of
// the last interval.
type progressLine struct {
	elapsed  time.Duration // since the measured period started
	interval time.Duration // length of the interval the deltas cover
	msgs     uint64        // messages completed in the interval
	bytes    uint64        // payload bytes echoed in the interval
	p99      time.Duration // over the whole measured period so far
	errors   uint64        // total so far
}

func (p progressLine) write(w io.Writer) {
	secs := p.interval.Seconds()
	if secs <= 0 {
		secs = 1
	}
	// Progress is best effort: a failing writer must not stop the run.
	_, _ = fmt.Fprintf(w, "%7.1fs %12.0f msg/s %10.2f MB/s  p99 %-10v errors %d\n",
		p.elapsed.Seconds(), float64(p.msgs)/secs, float64(p.bytes)/1e6/secs, roundDur(p.p99), p.errors)
}

package loadgen

import (
	"io"
	"time"
)

// reportProgress writes one line per progressInterval of the measured
// period until done is closed. It only reads what workers publish, so it
// never slows them down beyond a brief mutex per histogram copy.
func reportProgress(out io.Writer, base time.Time, measureStart time.Duration, workers []*worker, connectErrs int, done <-chan struct{}) {
	if wait := measureStart - time.Since(base); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-done:
			return
		case <-t.C:
		}
	}
	tick := time.NewTicker(progressInterval)
	defer tick.Stop()
	var merged Histogram
	var prevMsgs, prevBytes uint64
	prevAt := measureStart
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		at := time.Since(base)
		line := progressLine{elapsed: at - measureStart, interval: at - prevAt, errors: uint64(connectErrs)}
		var msgs, bytes uint64
		merged.Reset()
		for _, w := range workers {
			msgs += w.shared.messages.Load()
			bytes += w.shared.bytes.Load()
			line.errors += w.shared.errors.Load()
			w.shared.mu.Lock()
			merged.Merge(&w.shared.hist)
			w.shared.mu.Unlock()
		}
		line.msgs, line.bytes = msgs-prevMsgs, bytes-prevBytes
		line.p99 = merged.Percentile(99)
		line.write(out)
		prevMsgs, prevBytes, prevAt = msgs, bytes, at
	}
}

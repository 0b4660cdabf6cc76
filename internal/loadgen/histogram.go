package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// Histogram is a fixed-size log-linear latency histogram in the style of
// HdrHistogram.
//
// Values are nanoseconds. Each power-of-two range is split into subBuckets
// linear buckets, so a bucket is never wider than 1/subBuckets (< 0.8%) of
// the values it holds. The tracked range is HistogramMin .. HistogramMax;
// values outside it are clamped into the first or last bucket (Min, Max and
// Mean still use the exact values). Memory is fixed (~26 KiB), Record never
// allocates, and histograms from several workers can be merged.
//
// The zero value is an empty histogram ready for use. A Histogram is not
// safe for concurrent use.
type Histogram struct {
	counts [numBuckets]uint64
	count  uint64
	sum    float64 // float: a uint64 of nanoseconds would overflow after ~584 years of summed latency, a float just loses precision gracefully
	min    int64
	max    int64
}

// Tracked range of Histogram.
const (
	HistogramMin = time.Microsecond
	HistogramMax = 60 * time.Second
)

const (
	// subBits sets the precision: 2^subBits linear buckets per doubling.
	subBits    = 7
	subBuckets = 1 << subBits // 128 -> relative bucket width <= 1/128

	// minIndex = rawIndex(HistogramMin) and numBuckets =
	// rawIndex(HistogramMax) - minIndex + 1. Go cannot evaluate rawIndex in
	// a constant, so the values are spelled out; a unit test keeps them in
	// sync with rawIndex.
	minIndex   = 506
	numBuckets = 3302
)

// rawIndex maps v to its bucket in an unbounded layout that starts at 0:
// values below 2*subBuckets get one bucket each; above that, every doubling
// [2^k, 2^(k+1)) is cut into subBuckets equal buckets.
func rawIndex(v uint64) int {
	if v < 2*subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - (subBits + 1) // v>>shift is in [subBuckets, 2*subBuckets)
	return 2*subBuckets + (shift-1)*subBuckets + int(v>>shift) - subBuckets
}

// rawBounds is the inverse of rawIndex: the half-open value range
// [lo, hi) of bucket i.
func rawBounds(i int) (lo, hi uint64) {
	if i < 2*subBuckets {
		return uint64(i), uint64(i) + 1
	}
	j := i - 2*subBuckets
	shift := uint(j/subBuckets + 1)
	sub := uint64(j%subBuckets + subBuckets)
	return sub << shift, (sub + 1) << shift
}

// index returns the bucket of a nanosecond value, clamped to the range.
func index(ns int64) int {
	switch {
	case ns < int64(HistogramMin):
		return 0
	case ns > int64(HistogramMax):
		return numBuckets - 1
	}
	return rawIndex(uint64(ns)) - minIndex
}

// Record adds one observation of d.
func (h *Histogram) Record(d time.Duration) {
	ns := int64(d)
	if ns < 0 {
		ns = 0
	}
	h.counts[index(ns)]++
	if h.count == 0 || ns < h.min {
		h.min = ns
	}
	if ns > h.max {
		h.max = ns
	}
	h.count++
	h.sum += float64(ns)
}

// Merge adds all observations of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.count == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.count == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.count += o.count
	h.sum += o.sum
}

// Reset empties h.
func (h *Histogram) Reset() { *h = Histogram{} }

// Count is the number of recorded observations.
func (h *Histogram) Count() uint64 { return h.count }

// Min is the smallest recorded value (0 when empty).
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) }

// Max is the largest recorded value (0 when empty).
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Mean is the exact arithmetic mean of the recorded values (0 when empty).
func (h *Histogram) Mean() time.Duration {
	if h.count == 0 {
		return 0
	}
	return time.Duration(math.Round(h.sum / float64(h.count)))
}

// Percentile returns the value below or at which q percent (0..100) of the
// observations fall, e.g. Percentile(99.9). Like HdrHistogram it reports
// the upper edge of the bucket holding that rank, so it may overstate by at
// most one bucket width (< 1%), never understate; the result is clamped to
// [Min, Max]. It returns 0 for an empty histogram.
func (h *Histogram) Percentile(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	if !(q > 0) { // also catches NaN
		return h.Min()
	}
	if q >= 100 {
		return h.Max()
	}
	rank := uint64(math.Ceil(q / 100 * float64(h.count)))
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			_, hi := rawBounds(i + minIndex)
			v := int64(hi - 1)
			if i == numBuckets-1 {
				v = int64(HistogramMax)
			}
			return time.Duration(min(max(v, h.min), h.max))
		}
	}
	return h.Max() // unreachable while counts and count agree
}

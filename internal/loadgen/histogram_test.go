package loadgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The literal layout constants must agree with rawIndex.
func TestHistogramLayoutConstants(t *testing.T) {
	if got := rawIndex(uint64(HistogramMin)); got != minIndex {
		t.Fatalf("minIndex = %d, rawIndex(HistogramMin) = %d", minIndex, got)
	}
	if got := rawIndex(uint64(HistogramMax)) - minIndex + 1; got != numBuckets {
		t.Fatalf("numBuckets = %d, want %d", numBuckets, got)
	}
}

// Every value must land in a bucket whose bounds contain it, buckets must
// be contiguous, and no bucket may be wider than 1/128 of its values.
func TestHistogramBuckets(t *testing.T) {
	var prevHi uint64
	for i := 0; i < minIndex+numBuckets; i++ {
		lo, hi := rawBounds(i)
		if lo != prevHi {
			t.Fatalf("bucket %d starts at %d, previous ended at %d", i, lo, prevHi)
		}
		prevHi = hi
		if rawIndex(lo) != i || rawIndex(hi-1) != i {
			t.Fatalf("bucket %d [%d,%d) maps back to %d,%d", i, lo, hi, rawIndex(lo), rawIndex(hi-1))
		}
		if lo >= 2*subBuckets && float64(hi-lo)/float64(lo) > 1.0/subBuckets {
			t.Fatalf("bucket %d [%d,%d) is wider than 1/%d", i, lo, hi, subBuckets)
		}
	}
}

func TestHistogramEmpty(t *testing.T) {
	var h Histogram
	if h.Count() != 0 || h.Max() != 0 || h.Min() != 0 || h.Mean() != 0 || h.Percentile(99) != 0 {
		t.Fatalf("empty histogram not zero: %+v", summarize(&h))
	}
}

// checkClose asserts got is within 1% (the histogram's precision) of want.
func checkClose(t *testing.T, name string, got, want time.Duration) {
	t.Helper()
	if math.Abs(float64(got-want)) > 0.01*float64(want) {
		t.Errorf("%s = %v, want %v ±1%%", name, got, want)
	}
}

// exactPercentile is the reference: the value at rank ceil(q% * n).
func exactPercentile(sorted []time.Duration, q float64) time.Duration {
	rank := int(math.Ceil(q / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

func TestHistogramUniform(t *testing.T) {
	var h Histogram
	var vals []time.Duration
	for i := 1; i <= 100000; i++ {
		d := time.Duration(i) * time.Microsecond // 1µs .. 100ms
		h.Record(d)
		vals = append(vals, d)
	}
	for _, q := range []float64{1, 50, 90, 99, 99.9, 99.99} {
		checkClose(t, fmt.Sprintf("p%v", q), h.Percentile(q), exactPercentile(vals, q))
	}
	if h.Count() != 100000 {
		t.Errorf("Count = %d", h.Count())
	}
	if h.Max() != 100*time.Millisecond || h.Min() != time.Microsecond {
		t.Errorf("Min/Max = %v/%v", h.Min(), h.Max())
	}
	if h.Percentile(100) != h.Max() || h.Percentile(0) != h.Min() {
		t.Errorf("Percentile(0/100) = %v/%v", h.Percentile(0), h.Percentile(100))
	}
	checkClose(t, "mean", h.Mean(), 50000500*time.Nanosecond)
}

func TestHistogramLogNormal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	vals := make([]time.Duration, 200000)
	for i := range vals {
		// Median ~50µs with a long tail into the tens of milliseconds.
		vals[i] = time.Duration(math.Exp(r.NormFloat64()*1.5+math.Log(50e3))) + time.Microsecond
		h.Record(vals[i])
	}
	slices.Sort(vals)
	for _, q := range []float64{50, 90, 99, 99.9} {
		got, want := h.Percentile(q), exactPercentile(vals, q)
		// Upper-edge reporting: never below the exact value, at most 1% above.
		if got < want || float64(got-want) > 0.01*float64(want) {
			t.Errorf("p%v = %v, exact %v", q, got, want)
		}
	}
	if h.Max() != vals[len(vals)-1] {
		t.Errorf("Max = %v, want %v", h.Max(), vals[len(vals)-1])
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b, all Histogram
	for i := 1; i <= 1000; i++ {
		d := time.Duration(i) * 37 * time.Microsecond
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var m Histogram
	m.Merge(&a)
	m.Merge(&b)
	m.Merge(&Histogram{}) // merging an empty histogram is a no-op
	if m != all {
		t.Fatalf("merged %+v != direct %+v", summarize(&m), summarize(&all))
	}
}

func TestHistogramBounds(t *testing.T) {
	var h Histogram
	h.Record(-5)              // clock oddities must not panic
	h.Record(100)             // below HistogramMin
	h.Record(2 * time.Minute) // above HistogramMax
	if h.Count() != 3 {
		t.Fatalf("Count = %d", h.Count())
	}
	if h.Min() != 0 || h.Max() != 2*time.Minute {
		t.Fatalf("Min/Max = %v/%v, exact extremes expected", h.Min(), h.Max())
	}
	if h.counts[0] != 2 || h.counts[numBuckets-1] != 1 {
		t.Fatalf("out-of-range values not clamped into edge buckets")
	}
	if p := h.Percentile(50); p > 2*HistogramMin {
		t.Errorf("p50 = %v, want about HistogramMin", p)
	}
	if p := h.Percentile(99); p != HistogramMax {
		t.Errorf("p99 = %v, want HistogramMax %v", p, HistogramMax)
	}
	h.Reset()
	if h.Count() != 0 || h.Max() != 0 {
		t.Fatal("Reset left data behind")
	}
}

func TestHistogramSingleValue(t *testing.T) {
	var h Histogram
	h.Record(1234567 * time.Nanosecond)
	for _, q := range []float64{0, 50, 99.9, 100} {
		if got := h.Percentile(q); got != 1234567*time.Nanosecond {
			t.Errorf("Percentile(%v) = %v, want the only value (clamped to min/max)", q, got)
		}
	}
}

func TestHistogramRecordDoesNotAllocate(t *testing.T) {
	var h Histogram
	if n := testing.AllocsPerRun(1000, func() { h.Record(123 * time.Microsecond) }); n != 0 {
		t.Fatalf("Record allocates %v times", n)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h Histogram
	for i := 0; b.Loop(); i++ {
		h.Record(time.Duration(i&0xfffff) * 100)
	}
}

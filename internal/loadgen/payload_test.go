package loadgen

import (
	"math/rand/v2"
	"testing"
)

// Whatever way the stream is chunked, fill and verify must agree.
func TestPayloadRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{1, 7, 8, 9, 100, 4096, patPeriod + 17} {
		p := newPattern(42, size)
		k := p.streamFor(3)
		total := 5*size + 3*patPeriod
		whole := make([]byte, total)
		p.fill(k, whole, 0)
		// Verify in random chunks, and refill random chunks and compare.
		for off := 0; off < total; {
			n := min(1+r.IntN(3*size+10), total-off)
			if bad, _ := p.verify(k, whole[off:off+n], int64(off)); bad >= 0 {
				t.Fatalf("size %d: chunk at %d+%d fails at %d", size, off, n, bad)
			}
			part := make([]byte, n)
			p.fill(k, part, int64(off))
			if string(part) != string(whole[off:off+n]) {
				t.Fatalf("size %d: refill at %d differs", size, off)
			}
			off += n
		}
	}
}

// A flipped byte anywhere is reported at its exact position.
func TestPayloadDetectsCorruption(t *testing.T) {
	for _, size := range []int{1, 8, 64, 1000} {
		p := newPattern(7, size)
		k := p.streamFor(0)
		buf := make([]byte, 3*size+5)
		p.fill(k, buf, 100)
		for i := range buf {
			buf[i] ^= 0x20
			bad, want := p.verify(k, buf, 100)
			if bad != i || want != buf[i]^0x20 {
				t.Fatalf("size %d: flip at %d reported at %d (want byte %#x)", size, i, bad, want)
			}
			buf[i] ^= 0x20
		}
	}
}

// Streams must differ between connections and between messages, so that
// cross-talk, drops and duplicates are detected.
func TestPayloadStreamsDiffer(t *testing.T) {
	const size = 16
	p := newPattern(9, size)
	a, b := make([]byte, size), make([]byte, size)
	p.fill(p.streamFor(0), a, 0)
	p.fill(p.streamFor(1), b, 0)
	if string(a) == string(b) {
		t.Fatal("connections 0 and 1 send identical messages")
	}
	// Message 1 replayed at the position of message 0 (or a dropped
	// message) must fail verification.
	p.fill(p.streamFor(0), b, size)
	if bad, _ := p.verify(p.streamFor(0), b, 0); bad < 0 {
		t.Fatal("message 1 verifies as message 0")
	}
}

func TestPayloadDoesNotAllocate(t *testing.T) {
	p := newPattern(1, 1000)
	k := p.streamFor(5)
	buf := make([]byte, 10000)
	n := testing.AllocsPerRun(100, func() {
		p.fill(k, buf, 12345)
		p.verify(k, buf, 12345)
	})
	if n != 0 {
		t.Fatalf("fill+verify allocate %v times", n)
	}
}

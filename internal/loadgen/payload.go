package loadgen

import (
	"bytes"
	"encoding/binary"
)

// The payload of every connection is one endless, deterministic byte stream,
// cut into messages of Size bytes. Because each byte is a pure function of
// (seed, connection, stream offset), the writer can regenerate any part of
// it on demand (no per-connection send buffer) and the reader can verify any
// received chunk, however the wire split or coalesced it.
//
// Layout of message m of a connection with key k:
//
//	bytes [0, 8)     little-endian m XOR k (truncated for Size < 8): makes
//	                 every message distinct, so a dropped, duplicated or
//	                 reordered message is detected even when its body matches
//	bytes [8, Size)  table[(offset + rot) mod patPeriod], where offset is the
//	                 stream offset and rot is derived from k
//
// The body comes from a shared pseudo-random table so generation is a
// memcpy and verification a memcmp; hashing every byte would make the
// generator, not the server, the bottleneck for large messages. The period
// is prime so it never lines up with power-of-two message sizes.

const (
	patPeriod = 65521 // largest prime below 64 KiB
	hdrSize   = 8
)

// pattern is the read-only state shared by all connections of a run.
type pattern struct {
	size  int64
	seed  uint64
	table []byte // patPeriod bytes repeated twice, so any window of up to patPeriod bytes is contiguous
}

func newPattern(seed uint64, size int) *pattern {
	p := &pattern{size: int64(size), seed: seed, table: make([]byte, 2*patPeriod)}
	s := seed
	for i := 0; i < patPeriod; i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], splitmix64(&s))
		copy(p.table[i:patPeriod], w[:])
	}
	copy(p.table[patPeriod:], p.table[:patPeriod])
	return p
}

// splitmix64 is a tiny, well-mixed PRNG step (Steele, Lea, Flood 2014).
func splitmix64(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	z := *s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// streamKey identifies one connection's stream.
type streamKey struct {
	key uint64
	rot int64
}

func (p *pattern) streamFor(conn int) streamKey {
	s := p.seed ^ uint64(conn)*0xd1b54a32d192ed03
	k := splitmix64(&s)
	return streamKey{key: k, rot: int64(k % patPeriod)}
}

// segment describes the run of stream bytes starting at off that is
// entirely header or entirely body, at most max bytes long. For a header run
// it returns the message index m and the position j within the header; for
// a body run (m < 0) the run is table[start : start+n].
func (p *pattern) segment(k streamKey, off int64, max int) (n int, m, j, start int64) {
	m = off / p.size
	j = off - m*p.size
	if hlen := min(int64(hdrSize), p.size); j < hlen {
		return int(min(hlen-j, int64(max))), m, j, 0
	}
	start = (off + k.rot) % patPeriod
	return int(min(p.size-j, int64(max), patPeriod)), -1, 0, start
}

// expected returns the n expected bytes of a segment. hbuf is caller-owned
// scratch so that the header bytes do not escape to the heap.
func (p *pattern) expected(k streamKey, hbuf *[hdrSize]byte, n int, m, j, start int64) []byte {
	if m < 0 {
		return p.table[start : start+int64(n)]
	}
	binary.LittleEndian.PutUint64(hbuf[:], uint64(m)^k.key)
	return hbuf[j : j+int64(n)]
}

// fill writes the stream bytes [off, off+len(dst)) into dst.
func (p *pattern) fill(k streamKey, dst []byte, off int64) {
	var hbuf [hdrSize]byte
	for len(dst) > 0 {
		n, m, j, start := p.segment(k, off, len(dst))
		copy(dst[:n], p.expected(k, &hbuf, n, m, j, start))
		dst = dst[n:]
		off += int64(n)
	}
}

// verify compares src with the stream bytes at [off, off+len(src)). It
// returns the index of the first differing byte and the expected value
// there, or -1 when src matches.
func (p *pattern) verify(k streamKey, src []byte, off int64) (bad int, want byte) {
	var hbuf [hdrSize]byte
	done := 0
	for done < len(src) {
		n, m, j, start := p.segment(k, off, len(src)-done)
		exp := p.expected(k, &hbuf, n, m, j, start)
		if got := src[done : done+n]; !bytes.Equal(got, exp) {
			for i := range got { // rare path: locate the byte for the report
				if got[i] != exp[i] {
					return done + i, exp[i]
				}
			}
		}
		done += n
		off += int64(n)
	}
	return -1, 0
}

package buffer

import "math/bits"

const (
	minClassShift = 9  // 512 B
	maxClassShift = 22 // 4 MiB
	numClasses    = maxClassShift - minClassShift + 1
)

// Pool recycles byte slices by power-of-two size class, up to a byte budget.
// It is a plain free list: one per event loop, no locks, no global state.
// Slices above the largest class are allocated and left to the garbage
// collector.
type Pool struct {
	free   [numClasses][][]byte
	cached int // bytes held in free lists
	limit  int // most bytes the free lists may hold
}

// NewPool returns a pool that keeps at most limit bytes of idle slices.
func NewPool(limit int) *Pool { return &Pool{limit: limit} }

// class returns the size-class index for a slice of at least n bytes.
func class(n int) int {
	if n <= 1<<minClassShift {
		return 0
	}
	return bits.Len(uint(n-1)) - minClassShift
}

// Get returns a slice with len n and a power-of-two capacity >= n.
func (p *Pool) Get(n int) []byte {
	c := class(n)
	if c >= numClasses {
		return make([]byte, n)
	}
	if p != nil {
		if l := p.free[c]; len(l) > 0 {
			b := l[len(l)-1]
			l[len(l)-1] = nil
			p.free[c] = l[:len(l)-1]
			p.cached -= cap(b)
			return b[:n]
		}
	}
	return make([]byte, n, 1<<(c+minClassShift))
}

// Put returns b to the pool. b must not be used afterwards.
func (p *Pool) Put(b []byte) {
	if p == nil {
		return
	}
	c := cap(b)
	if c < 1<<minClassShift || c&(c-1) != 0 || c > 1<<maxClassShift {
		return // not one of ours
	}
	if p.cached+c > p.limit {
		return
	}
	k := class(c)
	p.free[k] = append(p.free[k], b[:0])
	p.cached += c
}

// Cached reports the bytes held idle in the pool.
func (p *Pool) Cached() int { return p.cached }

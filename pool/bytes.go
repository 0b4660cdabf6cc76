package pool

import (
	"math/bits"
	"sync"
	"unsafe"
)

const (
	minClassShift = 6  // 64 B: smaller slices cost less to allocate than to pool
	maxClassShift = 24 // 16 MiB: larger ones are rare enough to leave to the GC
	numClasses    = maxClassShift - minClassShift + 1
)

// BytePool recycles byte slices by power-of-two size class, for buffers
// that users' code fills off the event loop (a reply built by a worker
// task, say). Unlike buffer.Pool, which an event loop owns alone, it is
// safe for concurrent use: one sync.Pool per class, which the garbage
// collector may empty at any time.
//
// Ownership: Get hands the slice to the caller; Put hands it back. After
// Put(b), neither b nor any slice sharing its array may be read, written
// or kept, since the next Get may give it to another goroutine. A slice
// passed to netloop's Conn.AsyncWrite is still in use until the write's
// callback runs: Put it there, not after AsyncWrite returns.
type BytePool struct {
	// Each class holds *byte pointing at the first byte of an array of
	// exactly that class's size: a pointer fits in an interface without
	// allocating, where a []byte would be boxed on every Put.
	classes [numClasses]sync.Pool
}

// NewBytePool returns an empty pool.
func NewBytePool() *BytePool { return new(BytePool) }

// classSize is the capacity of every slice in class c.
func classSize(c int) int { return 1 << (c + minClassShift) }

// Get returns a slice with len n and a power-of-two capacity of at least
// n (at least 64). Its bytes are whatever its last user left there:
// overwrite before reading. A request above 16 MiB is allocated exactly and
// never pooled. Get panics if n is negative. Safe for concurrent use.
func (p *BytePool) Get(n int) []byte {
	if n < 0 {
		panic("pool: BytePool.Get: negative size")
	}
	if n > 1<<maxClassShift {
		return make([]byte, n)
	}
	c := 0
	if n > 1<<minClassShift {
		c = bits.Len(uint(n-1)) - minClassShift // round up
	}
	if ptr, _ := p.classes[c].Get().(*byte); ptr != nil {
		return unsafe.Slice(ptr, classSize(c))[:n]
	}
	return make([]byte, n, classSize(c))
}

// Put gives b back for reuse (see the ownership rule on BytePool). Slices
// with a capacity under 64 B or over 16 MiB are left to the garbage
// collector; others join the class of the largest power of two not above
// their capacity, so slices that did not come from Get are accepted too.
// Safe for concurrent use.
func (p *BytePool) Put(b []byte) {
	size := cap(b)
	if size < 1<<minClassShift || size > 1<<maxClassShift {
		return
	}
	c := bits.Len(uint(size)) - 1 - minClassShift // round down
	// The array behind b holds at least classSize(c) bytes from its first
	// one on, so Get may rebuild the slice from this pointer.
	p.classes[c].Put(unsafe.SliceData(b))
}

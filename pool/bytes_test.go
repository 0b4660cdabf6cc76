package pool

import (
	"strconv"
	"sync"
	"testing"
	"unsafe"

	"github.com/netloop/netloop/internal/nettest"
)

func TestBytePoolGetSizes(t *testing.T) {
	p := NewBytePool()
	for _, tc := range []struct{ n, wantCap int }{
		{0, 64},
		{1, 64},
		{64, 64},
		{65, 128},
		{1000, 1024},
		{4096, 4096},
		{4097, 8192},
		{1 << 24, 1 << 24},
		{1<<24 + 1, 1<<24 + 1}, // above the largest class: exact, unpooled
	} {
		b := p.Get(tc.n)
		if len(b) != tc.n || cap(b) != tc.wantCap {
			t.Errorf("Get(%d): len %d cap %d, want len %d cap %d", tc.n, len(b), cap(b), tc.n, tc.wantCap)
		}
		p.Put(b)
	}
}

func TestBytePoolGetNegativePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Get(-1) did not panic")
		}
	}()
	NewBytePool().Get(-1)
}

func TestBytePoolReusesPutSlices(t *testing.T) {
	p := NewBytePool()
	// sync.Pool may drop an item (always possible after a GC, and a quarter
	// of the time under the race detector), so ask for reuse at least once
	// in many tries rather than every time.
	reused := 0
	for range 100 {
		b := p.Get(1000)
		p.Put(b)
		if c := p.Get(1000); unsafe.SliceData(c) == unsafe.SliceData(b) {
			reused++
		}
	}
	if reused == 0 {
		t.Fatal("Get never returned the slice just Put in 100 tries")
	}
}

// TestBytePoolPutFilesForeignSlicesByCapacity puts slices that did not come
// from Get and checks that Get still only hands out the class's capacity.
func TestBytePoolPutFilesForeignSlicesByCapacity(t *testing.T) {
	p := NewBytePool()
	p.Put(nil)
	p.Put(make([]byte, 10))         // too small: ignored
	p.Put(make([]byte, 0, 1<<25))   // too large: ignored
	p.Put(make([]byte, 5, 100))     // filed as 64
	p.Put(make([]byte, 300)[10:20]) // cap 290: filed as 256
	for _, tc := range []struct{ n, wantCap int }{{64, 64}, {256, 256}, {10, 64}} {
		for range 3 {
			if b := p.Get(tc.n); len(b) != tc.n || cap(b) != tc.wantCap {
				t.Fatalf("Get(%d): len %d cap %d, want cap %d", tc.n, len(b), cap(b), tc.wantCap)
			}
		}
	}
}

func TestBytePoolGetPutAllocatesNothing(t *testing.T) {
	if nettest.RaceEnabled() {
		t.Skip("sync.Pool drops items on purpose under the race detector")
	}
	p := NewBytePool()
	for _, n := range []int{64, 4096, 1 << 20} {
		p.Put(p.Get(n))
		if a := testing.AllocsPerRun(1000, func() { p.Put(p.Get(n)) }); a != 0 {
			t.Errorf("Get(%d) then Put: %v allocations per run, want 0", n, a)
		}
	}
}

// TestBytePoolConcurrentUseHandsOutDisjointSlices fills every slice it gets
// with its goroutine's mark and checks that no other goroutine wrote there
// meanwhile; the race detector checks the same from the other side.
func TestBytePoolConcurrentUseHandsOutDisjointSlices(t *testing.T) {
	p := NewBytePool()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			mark := byte(g + 1)
			for i := range 300 {
				b := p.Get(1 + (i*37+g*101)%2000)
				for j := range b {
					b[j] = mark
				}
				for j, v := range b {
					if v != mark {
						t.Errorf("goroutine %d: byte %d of its slice is %d, want %d", g, j, v, mark)
						return
					}
				}
				p.Put(b)
			}
		})
	}
	wg.Wait()
}

func BenchmarkBytePoolGetPut(b *testing.B) {
	for _, size := range []int{64, 4 << 10, 64 << 10} {
		b.Run(sizeName(size), func(b *testing.B) {
			p := NewBytePool()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					buf := p.Get(size)
					buf[0] = 1
					p.Put(buf)
				}
			})
		})
	}
}

// BenchmarkMakeBytes is the baseline BytePool has to beat.
func BenchmarkMakeBytes(b *testing.B) {
	for _, size := range []int{64, 4 << 10, 64 << 10} {
		b.Run(sizeName(size), func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					buf := make([]byte, size) // variable size: on the heap
					buf[0] = 1
				}
			})
		})
	}
}

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return strconv.Itoa(n>>20) + "MiB"
	case n >= 1<<10:
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}

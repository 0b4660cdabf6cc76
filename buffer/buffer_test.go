package buffer

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestPoolSizeClasses(t *testing.T) {
	p := NewPool(1 << 20)
	for _, tc := range []struct{ n, cap int }{{1, 512}, {512, 512}, {513, 1024}, {16 << 10, 16 << 10}, {16<<10 + 1, 32 << 10}} {
		b := p.Get(tc.n)
		if len(b) != tc.n || cap(b) != tc.cap {
			t.Errorf("Get(%d): len %d cap %d, want len %d cap %d", tc.n, len(b), cap(b), tc.n, tc.cap)
		}
	}
	big := p.Get(8 << 20)
	p.Put(big)
	if p.Cached() != 0 {
		t.Errorf("a slice above the largest class was cached")
	}
	b := p.Get(1000)
	p.Put(b)
	if p.Cached() != 1024 {
		t.Errorf("Cached = %d after one Put, want 1024", p.Cached())
	}
	if again := p.Get(700); &again[:1][0] != &b[:1][0] {
		t.Error("Get did not reuse the slice just Put")
	}
	if p.Cached() != 0 {
		t.Errorf("Cached = %d after reuse, want 0", p.Cached())
	}
}

func TestPoolRespectsLimit(t *testing.T) {
	p := NewPool(2048)
	for i := 0; i < 10; i++ {
		p.Put(make([]byte, 1024))
	}
	if p.Cached() != 2048 {
		t.Errorf("Cached = %d, want the 2048 limit", p.Cached())
	}
	p.Put(make([]byte, 1000)) // not a power of two: not ours
	if p.Cached() != 2048 {
		t.Errorf("a foreign slice was cached")
	}
}

// TestLinearAndChainMatchAModel drives both buffers with random writes and
// discards and compares them with a plain byte slice.
func TestLinearAndChainMatchAModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	p := NewPool(1 << 20)
	var lin Linear
	var ch Chain
	var model []byte
	for step := 0; step < 3000; step++ {
		if r.IntN(2) == 0 {
			b := make([]byte, r.IntN(20<<10))
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			lin.Write(p, b)
			ch.Write(p, b)
			model = append(model, b...)
		} else {
			n := r.IntN(len(model) + 1)
			lin.Discard(p, n)
			ch.Discard(p, n)
			model = model[n:]
		}
		if !bytes.Equal(lin.Bytes(), model) {
			t.Fatalf("step %d: Linear holds %d bytes that differ from the model's %d", step, lin.Len(), len(model))
		}
		if got := bytes.Join(ch.Vectors(nil, 1<<30), nil); !bytes.Equal(got, model) || ch.Len() != len(model) {
			t.Fatalf("step %d: Chain holds %d bytes (Len %d), model %d", step, len(got), ch.Len(), len(model))
		}
	}
	lin.Reset(p)
	ch.Reset(p)
	if lin.Len() != 0 || ch.Len() != 0 || lin.buf != nil {
		t.Error("Reset left bytes or memory behind")
	}
}

func TestChainVectorsRespectsMax(t *testing.T) {
	p := NewPool(0)
	var ch Chain
	for i := 0; i < 10; i++ {
		ch.Write(p, make([]byte, BlockSize))
	}
	if v := ch.Vectors(nil, 4); len(v) != 4 {
		t.Errorf("Vectors(max 4) returned %d slices", len(v))
	}
}

func TestEmptyBuffersOwnNoMemory(t *testing.T) {
	p := NewPool(1 << 20)
	var lin Linear
	lin.Write(p, []byte("abc"))
	lin.Discard(p, 3)
	if lin.buf != nil {
		t.Error("a drained Linear still holds its slice")
	}
	var ch Chain
	ch.Write(p, []byte("abc"))
	ch.Discard(p, 3)
	for _, b := range ch.blocks {
		if b != nil {
			t.Error("a drained Chain still holds a block")
		}
	}
}

func TestSteadyUseAllocatesNothing(t *testing.T) {
	p := NewPool(1 << 20)
	var lin Linear
	var ch Chain
	msg := make([]byte, 3000)
	vecs := make([][]byte, 0, 8)
	run := func() {
		lin.Write(p, msg)
		lin.Discard(p, 1000)
		lin.Discard(p, lin.Len())
		ch.Write(p, msg)
		vecs = ch.Vectors(vecs[:0], 8)
		ch.Discard(p, ch.Len())
	}
	run()
	if a := testing.AllocsPerRun(1000, run); a != 0 {
		t.Errorf("steady buffer use allocates %.1f times per run", a)
	}
}

func BenchmarkLinearWriteDiscard(b *testing.B) {
	p := NewPool(1 << 20)
	var lin Linear
	msg := make([]byte, 512)
	b.SetBytes(512)
	b.ReportAllocs()
	for b.Loop() {
		lin.Write(p, msg)
		lin.Discard(p, 256)
		lin.Discard(p, 256)
	}
}

func BenchmarkChainWriteVectorsDiscard(b *testing.B) {
	p := NewPool(1 << 20)
	var ch Chain
	msg := make([]byte, 4096)
	vecs := make([][]byte, 0, 16)
	b.SetBytes(4096)
	b.ReportAllocs()
	for b.Loop() {
		ch.Write(p, msg)
		vecs = ch.Vectors(vecs[:0], 16)
		ch.Discard(p, ch.Len())
	}
}

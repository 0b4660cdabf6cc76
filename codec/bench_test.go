package codec

import (
	"bytes"
	"io"
	"testing"
)

// benchCodecs are the codecs the allocation tests and benchmarks run,
// each with a typical 64-byte payload.
func benchCodecs(tb testing.TB) []struct {
	name    string
	cd      Codec
	payload []byte
} {
	line, _ := NewLine(LineConfig{})
	fixed, _ := NewFixed(64)
	return []struct {
		name    string
		cd      Codec
		payload []byte
	}{
		{"line", line, bytes.Repeat([]byte("l"), 64)},
		{"delimiter", newDelimiter(tb, 0, false, "\r\n\r\n", "\x00"), bytes.Repeat([]byte("d"), 64)},
		{"fixed", fixed, bytes.Repeat([]byte("f"), 64)},
		{"lengthfield", newLengthField(tb, LengthFieldConfig{LengthFieldLength: 4, InitialBytesToStrip: 4}), bytes.Repeat([]byte("f"), 64)},
	}
}

// TestDecodeAllocatesNothing proves that cutting a frame that arrived in
// one piece, and framing a payload into a buffer with room, allocate
// nothing.
func TestDecodeAllocatesNothing(t *testing.T) {
	for _, bc := range benchCodecs(t) {
		t.Run(bc.name, func(t *testing.T) {
			wire, err := bc.cd.Encode(nil, bc.payload)
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]byte, 0, 2*len(wire))
			if n := testing.AllocsPerRun(100, func() {
				if _, n, err := bc.cd.Decode(wire); n != len(wire) || err != nil {
					t.Fatalf("Decode consumed %d of %d bytes: %v", n, len(wire), err)
				}
			}); n != 0 {
				t.Errorf("Decode allocates %v times per frame, want 0", n)
			}
			if n := testing.AllocsPerRun(100, func() { bc.cd.Encode(dst[:0], bc.payload) }); n != 0 {
				t.Errorf("Encode into a buffer with room allocates %v times, want 0", n)
			}
		})
	}
}

// TestFramesAllocatesNothing proves the netloop path allocates nothing
// per frame, nor do Reader and Writer once warmed up.
func TestFramesAllocatesNothing(t *testing.T) {
	for _, bc := range benchCodecs(t) {
		t.Run(bc.name, func(t *testing.T) {
			var wire []byte
			for range 16 {
				wire, _ = bc.cd.Encode(wire, bc.payload)
			}
			c := &fakeConn{}
			var conn = netloopConn(c)
			count := 0
			fn := func([]byte) error { count++; return nil }
			if n := testing.AllocsPerRun(100, func() {
				c.in = wire
				if err := Frames(conn, bc.cd, fn); err != nil {
					t.Fatal(err)
				}
			}); n != 0 {
				t.Errorf("Frames allocates %v times per call of 16 frames, want 0", n)
			}
			if count == 0 {
				t.Fatal("Frames found no frames")
			}

			r := NewReader(&repeater{b: wire}, bc.cd, 0)
			w := NewWriter(io.Discard, bc.cd)
			r.ReadFrame()
			w.WriteFrame(bc.payload)
			if n := testing.AllocsPerRun(100, func() {
				if _, err := r.ReadFrame(); err != nil {
					t.Fatal(err)
				}
			}); n != 0 {
				t.Errorf("Reader.ReadFrame allocates %v times per frame, want 0", n)
			}
			if n := testing.AllocsPerRun(100, func() { w.WriteFrame(bc.payload) }); n != 0 {
				t.Errorf("Writer.WriteFrame allocates %v times per frame, want 0", n)
			}
		})
	}
}

// repeater reads b over and over.
type repeater struct {
	b   []byte
	off int
}

func (r *repeater) Read(p []byte) (int, error) {
	n := copy(p, r.b[r.off:])
	r.off = (r.off + n) % len(r.b)
	return n, nil
}

func BenchmarkDecode(b *testing.B) {
	for _, bc := range benchCodecs(b) {
		b.Run(bc.name, func(b *testing.B) {
			var wire []byte
			for range 64 {
				wire, _ = bc.cd.Encode(wire, bc.payload)
			}
			b.SetBytes(int64(len(wire)))
			b.ReportAllocs()
			for b.Loop() {
				for in := wire; len(in) > 0; {
					_, n, err := bc.cd.Decode(in)
					if n == 0 || err != nil {
						b.Fatal("no frame", err)
					}
					in = in[n:]
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, bc := range benchCodecs(b) {
		b.Run(bc.name, func(b *testing.B) {
			dst := make([]byte, 0, 1024)
			b.SetBytes(int64(len(bc.payload)))
			b.ReportAllocs()
			for b.Loop() {
				bc.cd.Encode(dst[:0], bc.payload)
			}
		})
	}
}

func BenchmarkFrames(b *testing.B) {
	for _, bc := range benchCodecs(b) {
		b.Run(bc.name, func(b *testing.B) {
			var wire []byte
			for range 64 {
				wire, _ = bc.cd.Encode(wire, bc.payload)
			}
			c := &fakeConn{}
			conn := netloopConn(c)
			fn := func([]byte) error { return nil }
			b.SetBytes(int64(len(wire)))
			b.ReportAllocs()
			for b.Loop() {
				c.in = wire
				Frames(conn, bc.cd, fn)
			}
		})
	}
}

func BenchmarkReadFrame(b *testing.B) {
	for _, bc := range benchCodecs(b) {
		b.Run(bc.name, func(b *testing.B) {
			var wire []byte
			for range 64 {
				wire, _ = bc.cd.Encode(wire, bc.payload)
			}
			r := NewReader(&repeater{b: wire}, bc.cd, 0)
			b.SetBytes(int64(len(wire) / 64))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.ReadFrame(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package codec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReaderWriterRoundTrip(t *testing.T) {
	lf, _ := NewLengthField(LengthFieldConfig{LengthFieldLength: 4, InitialBytesToStrip: 4, MaxFrameLength: 1 << 20})
	var stream bytes.Buffer
	w := NewWriter(&stream, lf)
	var want []string
	for i := range 20 {
		// Sizes up to 18 KiB, so the Reader has to grow past its first
		// buffer.
		want = append(want, strings.Repeat(string(rune('a'+i)), i*i*50))
		if err := w.WriteFrame([]byte(want[i])); err != nil {
			t.Fatal(err)
		}
	}
	for name, src := range map[string]io.Reader{
		"whole":         bytes.NewReader(stream.Bytes()),
		"byte by byte":  iotest.OneByteReader(bytes.NewReader(stream.Bytes())),
		"data with EOF": iotest.DataErrReader(bytes.NewReader(stream.Bytes())),
	} {
		t.Run(name, func(t *testing.T) {
			r := NewReader(src, lf, 0)
			for i, w := range want {
				got, err := r.ReadFrame()
				if err != nil || string(got) != w {
					t.Fatalf("frame %d: %d bytes, error %v; want %d bytes", i, len(got), err, len(w))
				}
			}
			if got, err := r.ReadFrame(); err != io.EOF {
				t.Fatalf("after the last frame: %q, %v; want io.EOF", got, err)
			}
		})
	}
}

func TestReaderPartialFrameAtEOF(t *testing.T) {
	l, _ := NewLine(LineConfig{})
	r := NewReader(strings.NewReader("one\ntw"), l, 0)
	if f, err := r.ReadFrame(); string(f) != "one" || err != nil {
		t.Fatalf("ReadFrame = %q, %v; want \"one\"", f, err)
	}
	if f, err := r.ReadFrame(); err != io.ErrUnexpectedEOF {
		t.Fatalf("ReadFrame = %q, %v; want io.ErrUnexpectedEOF", f, err)
	}
}

func TestReaderDecodeErrorSticks(t *testing.T) {
	l, _ := NewLine(LineConfig{MaxLength: 4})
	r := NewReader(strings.NewReader("ok\ntoo long\nfine\n"), l, 0)
	if f, err := r.ReadFrame(); string(f) != "ok" || err != nil {
		t.Fatalf("ReadFrame = %q, %v; want \"ok\"", f, err)
	}
	for range 2 {
		if _, err := r.ReadFrame(); !errors.Is(err, ErrFrameTooLarge) {
			t.Fatalf("ReadFrame error %v, want ErrFrameTooLarge every time", err)
		}
	}
}

func TestReaderReadError(t *testing.T) {
	l, _ := NewLine(LineConfig{})
	boom := errors.New("boom")
	r := NewReader(io.MultiReader(strings.NewReader("a\nb"), iotest.ErrReader(boom)), l, 0)
	if f, err := r.ReadFrame(); string(f) != "a" || err != nil {
		t.Fatalf("ReadFrame = %q, %v; want \"a\"", f, err)
	}
	if _, err := r.ReadFrame(); err != boom {
		t.Fatalf("ReadFrame error %v, want the reader's", err)
	}
}

// limitless accepts any frame up to its end marker: only the Reader's own
// limit stops it.
type limitless struct{}

func (limitless) Decode(in []byte) ([]byte, int, error) {
	if i := bytes.IndexByte(in, '.'); i >= 0 {
		return in[:i], i + 1, nil
	}
	return nil, 0, nil
}

func (limitless) Encode(dst, p []byte) ([]byte, error) { return append(append(dst, p...), '.'), nil }

func TestReaderMaxCapsALimitlessCodec(t *testing.T) {
	in := strings.Repeat("x", 100) + "." + strings.Repeat("y", 10000) + "."
	r := NewReader(strings.NewReader(in), limitless{}, 101)
	if f, err := r.ReadFrame(); len(f) != 100 || err != nil {
		t.Fatalf("ReadFrame = %d bytes, %v; want the 100-byte frame that fits", len(f), err)
	}
	_, err := r.ReadFrame()
	if !errors.Is(err, ErrFrameTooLarge) || err.Error() != "codec: frame exceeds the reader's 101-byte buffer limit" {
		t.Fatalf("ReadFrame error %v, want ErrFrameTooLarge", err)
	}
}

type countingWriter struct {
	writes int
	bytes.Buffer
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

func TestWriterWritesEachFrameOnce(t *testing.T) {
	lf, _ := NewLengthField(LengthFieldConfig{LengthFieldLength: 2, InitialBytesToStrip: 2})
	var cw countingWriter
	w := NewWriter(&cw, lf)
	for i := range 3 {
		if err := w.WriteFrame(fmt.Appendf(nil, "frame %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if cw.writes != 3 {
		t.Errorf("%d writes for 3 frames, want 3", cw.writes)
	}
	if err := w.WriteFrame(make([]byte, 70000)); !errors.Is(err, ErrFrameTooLarge) || cw.writes != 3 {
		t.Errorf("oversize frame: error %v, %d writes; want ErrFrameTooLarge and nothing written", err, cw.writes)
	}
}

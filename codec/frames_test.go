package codec

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// deliver feeds wire to Frames in chunks of the given size, as reads
// would, and returns every frame it handed over and what stayed
// buffered.
func deliver(t *testing.T, cd Codec, wire []byte, chunk int) (frames []string, left int, err error) {
	t.Helper()
	c := &fakeConn{}
	for off := 0; off < len(wire); off += chunk {
		c.in = append(c.in, wire[off:min(off+chunk, len(wire))]...)
		err = Frames(c, cd, func(f []byte) error {
			frames = append(frames, string(f))
			return nil
		})
		if err != nil {
			break
		}
	}
	return frames, len(c.in), err
}

func TestFramesSplitOrCoalesced(t *testing.T) {
	l, _ := NewLine(LineConfig{MaxLength: 16})
	var wire []byte
	var want []string
	for i := range 50 {
		want = append(want, fmt.Sprintf("frame %d", i))
		wire, _ = l.Encode(wire, []byte(want[i]))
	}
	wire = append(wire, "partial"...)
	for _, chunk := range []int{1, 2, 7, len(wire)} {
		got, left, err := deliver(t, l, wire, chunk)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) || left != len("partial") {
			t.Errorf("in chunks of %d: %d frames, %d bytes left, error %v; want %d frames, 7 left",
				chunk, len(got), left, err, len(want))
		}
	}
}

func TestFramesStopsAtOversizeFrame(t *testing.T) {
	l, _ := NewLine(LineConfig{MaxLength: 4})
	c := &fakeConn{in: []byte("ok\nnope, too long")}
	var got []string
	err := Frames(c, l, func(f []byte) error {
		got = append(got, string(f))
		return nil
	})
	if !errors.Is(err, ErrFrameTooLarge) || fmt.Sprint(got) != "[ok]" {
		t.Errorf("Frames gave %q, error %v; want [ok] then ErrFrameTooLarge", got, err)
	}
	if string(c.in) != "nope, too long" {
		t.Errorf("left %q buffered, want the bytes after the good frame", c.in)
	}
}

func TestFramesReturnsHandlerError(t *testing.T) {
	l, _ := NewLine(LineConfig{})
	c := &fakeConn{in: []byte("a\nstop\nb\n")}
	stop := errors.New("stop")
	var got []string
	err := Frames(c, l, func(f []byte) error {
		got = append(got, string(f))
		if string(f) == "stop" {
			return stop
		}
		return nil
	})
	if err != stop || fmt.Sprint(got) != "[a stop]" || string(c.in) != "b\n" {
		t.Errorf("Frames gave %q, error %v, left %q; want [a stop], the handler's error, \"b\\n\" left", got, err, c.in)
	}
}

// badCodec claims more bytes than it was given.
type badCodec struct{}

func (badCodec) Decode(in []byte) ([]byte, int, error) { return nil, len(in) + 1, nil }
func (badCodec) Encode(dst, p []byte) ([]byte, error)  { return append(dst, p...), nil }

func TestFramesPanicsOnACodecThatOverconsumes(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "consumed 4 of 3 bytes") {
			t.Errorf("recovered %v, want a panic naming the bad count", r)
		}
	}()
	Frames(&fakeConn{in: []byte("abc")}, badCodec{}, func([]byte) error { return nil })
}

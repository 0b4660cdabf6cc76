package codec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"unsafe"

	"github.com/netloop/netloop"
)

// decodeAll decodes the frames at the front of in, feeding it whole, and
// checks the Decode contract on each call. It returns copies of the
// frames, how many bytes they took, and the error that stopped decoding.
func decodeAll(t testing.TB, cd Codec, in []byte) (frames [][]byte, used int, err error) {
	t.Helper()
	for used < len(in) {
		rest := in[used:]
		frame, n, err := cd.Decode(rest)
		if err != nil {
			if n != 0 || frame != nil {
				t.Fatalf("Decode(%q) = %q, %d with error %v; want nil, 0", rest, frame, n, err)
			}
			if !errors.Is(err, ErrFrameTooLarge) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode(%q) error %v wraps neither ErrFrameTooLarge nor ErrMalformed", rest, err)
			}
			return frames, used, err
		}
		if n == 0 {
			if frame != nil {
				t.Fatalf("Decode(%q) = %q, 0: a frame that takes no bytes", rest, frame)
			}
			return frames, used, nil
		}
		if n < 0 || n > len(rest) {
			t.Fatalf("Decode(%q) consumed %d of %d bytes", rest, n, len(rest))
		}
		if !within(frame, rest[:n]) {
			t.Fatalf("Decode(%q) = %q, %d: the frame is not within the bytes consumed", rest, frame, n)
		}
		frames = append(frames, bytes.Clone(frame))
		used += n
	}
	return frames, used, nil
}

// within reports whether frame lies inside b (an empty frame anywhere is
// fine: it reads nothing).
func within(frame, b []byte) bool {
	if len(frame) == 0 {
		return true
	}
	f, s := uintptr(unsafe.Pointer(unsafe.SliceData(frame))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return f >= s && f+uintptr(len(frame)) <= s+uintptr(len(b))
}

// decodeByteByByte decodes in as it would be seen arriving one byte at a
// time, each frame consumed as soon as it is whole.
func decodeByteByByte(t testing.TB, cd Codec, in []byte) (frames [][]byte, used int, err error) {
	t.Helper()
	for end := 1; end <= len(in); end++ {
		var fs [][]byte
		var n int
		fs, n, err = decodeAll(t, cd, in[used:end])
		frames = append(frames, fs...)
		used += n
		if err != nil {
			return frames, used, err
		}
	}
	return frames, used, nil
}

// checkCodec checks the properties every codec must have on in: Decode
// keeps its contract, the frames do not depend on how the stream was
// split, every frame re-encodes to bytes that decode to it again, and
// in itself, if Encode takes it, round-trips. exact is false for codecs
// whose Encode rewrites header bytes the payload carries.
func checkCodec(t *testing.T, cd Codec, in []byte, exact bool) {
	whole, used, err := decodeAll(t, cd, in)
	split, splitUsed, splitErr := decodeByteByByte(t, cd, in)
	if !equalFrames(whole, split) || used != splitUsed || kind(err) != kind(splitErr) {
		t.Fatalf("decoding %q whole gave %q, %d bytes, error %v; byte by byte %q, %d bytes, error %v",
			in, whole, used, err, split, splitUsed, splitErr)
	}
	for _, f := range whole {
		checkRoundTrip(t, cd, f, true)
	}
	checkRoundTrip(t, cd, in, exact)
}

// checkRoundTrip encodes payload after a prefix and checks that it
// decodes back, or, if Encode refuses it, that dst was left alone.
func checkRoundTrip(t *testing.T, cd Codec, payload []byte, exact bool) {
	prefix := []byte("pre")
	wire, err := cd.Encode(prefix, payload)
	if err != nil {
		if !bytes.Equal(wire, prefix) {
			t.Fatalf("Encode(%q) failed (%v) but changed dst to %q", payload, err, wire)
		}
		if kind(err) == nil || errors.Is(err, ErrMalformed) {
			t.Fatalf("Encode(%q) error %v wraps neither ErrFrameTooLarge nor ErrInvalidPayload", payload, err)
		}
		return
	}
	if !bytes.HasPrefix(wire, prefix) {
		t.Fatalf("Encode(%q) overwrote dst: %q", payload, wire)
	}
	wire = wire[len(prefix):]
	frame, n, err := cd.Decode(wire)
	if err != nil || n != len(wire) {
		t.Fatalf("Decode(Encode(%q) = %q) = %q, %d, %v; want the payload from all %d bytes",
			payload, wire, frame, n, err, len(wire))
	}
	if exact && !bytes.Equal(frame, payload) || len(frame) != len(payload) {
		t.Fatalf("Decode(Encode(%q) = %q) = %q", payload, wire, frame)
	}
	again, err := cd.Encode(nil, frame)
	if err != nil || !bytes.Equal(again, wire) {
		t.Fatalf("Encode(Decode(%q)) = %q, %v; want the same bytes", wire, again, err)
	}
}

// kind returns the sentinel err wraps.
func kind(err error) error {
	for _, k := range []error{ErrFrameTooLarge, ErrMalformed, ErrInvalidPayload, ErrInvalidConfig} {
		if errors.Is(err, k) {
			return k
		}
	}
	return err
}

func equalFrames(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// decodeCase is one row of a codec's Decode table.
type decodeCase struct {
	name   string
	in     string
	frames []string // the frames Decode finds at the front of in, in order
	rest   int      // bytes left undecoded (a partial frame)
	err    error    // the sentinel the last call's error wraps, if any
}

func runDecodeCases(t *testing.T, cd Codec, cases []decodeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			frames, used, err := decodeAll(t, cd, []byte(tc.in))
			var got []string
			for _, f := range frames {
				got = append(got, string(f))
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.frames) || len(tc.in)-used != tc.rest || !errors.Is(err, tc.err) {
				t.Errorf("decoding %q gave frames %q, %d bytes left, error %v; want %q, %d left, error %v",
					tc.in, got, len(tc.in)-used, err, tc.frames, tc.rest, tc.err)
			}
		})
	}
}

// fakeConn is the part of a netloop.Conn that Frames uses, over a byte
// slice; its other methods are not used by these tests.
type fakeConn struct {
	netloop.Conn
	in  []byte
	out []byte
}

func (c *fakeConn) Peek(n int) ([]byte, error) {
	if n < 0 {
		return c.in, nil
	}
	if n > len(c.in) {
		return c.in, io.ErrShortBuffer
	}
	return c.in[:n], nil
}

func (c *fakeConn) Discard(n int) (int, error) {
	if n < 0 || n > len(c.in) {
		n = len(c.in)
	}
	c.in = c.in[n:]
	return n, nil
}

func (c *fakeConn) InboundBuffered() int { return len(c.in) }

func (c *fakeConn) Write(b []byte) (int, error) {
	c.out = append(c.out, b...)
	return len(b), nil
}

func (c *fakeConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

// netloopConn returns c as a netloop.Conn.
func netloopConn(c *fakeConn) netloop.Conn { return c }

package codec

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"testing"
	"time"

	"github.com/netloop/netloop"
)

// testTimeout bounds every wait: a hang fails with a message instead of
// running into the test binary's deadline.
const testTimeout = 20 * time.Second

// echoServer answers each frame with the frame re-encoded, all the
// frames of one read in one write.
type echoServer struct {
	netloop.BuiltinHandler
	cd     Codec
	booted chan netloop.Engine
}

func (h *echoServer) OnBoot(eng netloop.Engine) netloop.Action {
	h.booted <- eng
	return netloop.None
}

func (h *echoServer) OnOpen(c netloop.Conn) ([]byte, netloop.Action) {
	c.SetContext(new([]byte)) // this connection's encode buffer
	return nil, netloop.None
}

func (h *echoServer) OnTraffic(c netloop.Conn) netloop.Action {
	buf := c.Context().(*[]byte)
	out := (*buf)[:0]
	err := Frames(c, h.cd, func(frame []byte) error {
		var err error
		out, err = h.cd.Encode(out, frame)
		return err
	})
	if len(out) > 0 {
		c.Write(out)
	}
	*buf = out[:0]
	if err != nil {
		return netloop.Close
	}
	return netloop.None
}

// serve runs an echoServer for cd on a port the kernel picks, stopped
// when the test ends.
func serve(t *testing.T, cd Codec) net.Addr {
	t.Helper()
	h := &echoServer{cd: cd, booted: make(chan netloop.Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- netloop.Run(h, "tcp://127.0.0.1:0", netloop.WithNumLoops(2)) }()
	var eng netloop.Engine
	select {
	case eng = <-h.booted:
	case err := <-done:
		t.Fatalf("engine did not boot: %v", err)
	case <-time.After(testTimeout):
		t.Fatal("engine did not boot in time")
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Run returned %v", err)
		}
	})
	return eng.Addrs()[0]
}

// client is one connection speaking cd with a Reader and a Writer.
type client struct {
	net.Conn
	r *Reader
	w *Writer
}

func dial(t *testing.T, addr net.Addr, cd Codec) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr.String(), testTimeout)
	if err != nil {
		t.Fatalf("dial %v: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(testTimeout))
	return &client{Conn: c, r: NewReader(c, cd, 0), w: NewWriter(c, cd)}
}

// expect reads len(want) frames and checks them.
func (c *client) expect(t *testing.T, want [][]byte) {
	t.Helper()
	for i, w := range want {
		got, err := c.r.ReadFrame()
		if err != nil {
			t.Fatalf("frame %d of %d: %v", i, len(want), err)
		}
		if !bytes.Equal(got, w) {
			t.Fatalf("frame %d of %d = %q, want %q", i, len(want), got, w)
		}
	}
}

// e2eCase is a codec, a source of valid frames for it, and bytes that
// break its limit from the start of a frame.
type e2eCase struct {
	name     string
	cd       Codec
	frame    func(r *rand.Rand) []byte
	oversize []byte // nil: the framing has no oversize frame
}

// randomBytes returns up to n bytes drawn from alphabet.
func randomBytes(r *rand.Rand, n int, alphabet string) []byte {
	b := make([]byte, r.IntN(n+1))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return b
}

const text = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\t\r"

func e2eCases(t *testing.T) []e2eCase {
	line, _ := NewLine(LineConfig{MaxLength: 512})
	crlf, _ := NewLine(LineConfig{MaxLength: 512, CRLF: true})
	delim := newDelimiter(t, 512, false, "||", "\x00")
	keep := newDelimiter(t, 512, true, "\r\n", "\n")
	fixed, _ := NewFixed(24)
	prefix := newLengthField(t, LengthFieldConfig{LengthFieldLength: 2, InitialBytesToStrip: 2, MaxFrameLength: 514})
	// A 6-byte header (2 bytes of type, then a little-endian 4-byte length
	// of the whole frame) that the frames keep.
	header := newLengthField(t, LengthFieldConfig{
		LittleEndian: true, LengthFieldOffset: 2, LengthFieldLength: 4, LengthAdjustment: -6, MaxFrameLength: 518,
	})
	return []e2eCase{
		{"line", line, func(r *rand.Rand) []byte {
			return bytes.TrimRight(randomBytes(r, 512, text), "\r")
		}, bytes.Repeat([]byte("x"), 513)},
		{"line crlf", crlf, func(r *rand.Rand) []byte { return randomBytes(r, 512, text) }, bytes.Repeat([]byte("x"), 513)},
		{"delimiter", delim, func(r *rand.Rand) []byte {
			b := randomBytes(r, 512, text+"|")
			for i := range b {
				// A lone '|' is data; "||", or '|' then the "||" Encode
				// appends, would end the frame early.
				if b[i] == '|' && (i+1 == len(b) || b[i+1] == '|') {
					b[i] = '.'
				}
			}
			return b
		}, bytes.Repeat([]byte("x"), 513)},
		{"delimiter kept", keep, func(r *rand.Rand) []byte {
			return append(randomBytes(r, 512, "abc \t"), "\r\n"[r.IntN(2):]...)
		}, bytes.Repeat([]byte("x"), 513)},
		{"fixed", fixed, func(r *rand.Rand) []byte {
			b := make([]byte, 24)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			return b
		}, nil},
		{"length prefix", prefix, func(r *rand.Rand) []byte {
			return randomBytes(r, 512, "\x00\x01\xff"+text)
		}, []byte{0x02, 0x01}}, // 513 bytes announced; only the header is sent
		{"length field in a kept header", header, func(r *rand.Rand) []byte {
			b := append([]byte{'T', byte(r.IntN(256))}, make([]byte, 4)...)
			b = append(b, randomBytes(r, 512, "\x00\xff"+text)...)
			binary.LittleEndian.PutUint32(b[2:], uint32(len(b)))
			return b
		}, []byte{'T', 0, 0x07, 0x02, 0, 0}}, // a 519-byte frame
	}
}

// encodeAll frames every payload into one byte slice.
func encodeAll(t *testing.T, cd Codec, frames [][]byte) []byte {
	t.Helper()
	var wire []byte
	for _, f := range frames {
		var err error
		if wire, err = cd.Encode(wire, f); err != nil {
			t.Fatalf("Encode(%q): %v", f, err)
		}
	}
	return wire
}

func TestEndToEnd(t *testing.T) {
	for _, tc := range e2eCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			addr := serve(t, tc.cd)
			r := rand.New(rand.NewPCG(1, uint64(len(tc.name))))
			frames := func(n int) [][]byte {
				fs := make([][]byte, n)
				for i := range fs {
					fs[i] = tc.frame(r)
				}
				return fs
			}

			t.Run("byte by byte", func(t *testing.T) {
				c := dial(t, addr, tc.cd)
				want := frames(4)
				for _, b := range encodeAll(t, tc.cd, want) {
					if _, err := c.Write([]byte{b}); err != nil {
						t.Fatal(err)
					}
				}
				c.expect(t, want)
			})

			t.Run("coalesced", func(t *testing.T) {
				c := dial(t, addr, tc.cd)
				want := frames(500)
				wire := encodeAll(t, tc.cd, want)
				werr := make(chan error, 1)
				go func() {
					_, err := c.Write(wire) // one write of ~128 KiB
					werr <- err
				}()
				c.expect(t, want)
				if err := <-werr; err != nil {
					t.Fatal(err)
				}
			})

			t.Run("writer", func(t *testing.T) {
				c := dial(t, addr, tc.cd)
				for _, f := range frames(20) {
					if err := c.w.WriteFrame(f); err != nil {
						t.Fatal(err)
					}
					c.expect(t, [][]byte{f})
				}
			})

			if tc.oversize != nil {
				t.Run("oversize closes only its connection", func(t *testing.T) {
					good, bad := dial(t, addr, tc.cd), dial(t, addr, tc.cd)
					f := frames(1)
					good.w.WriteFrame(f[0])
					good.expect(t, f)
					// Only the start of the oversize frame is sent: the
					// server must not wait for the rest.
					if _, err := bad.Write(tc.oversize); err != nil {
						t.Fatal(err)
					}
					got, err := bad.r.ReadFrame()
					if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
						t.Fatalf("after an oversize frame, ReadFrame = %q, %v; want the connection closed", got, err)
					}
					f = frames(1)
					good.w.WriteFrame(f[0])
					good.expect(t, f)
				})
			}
		})
	}
}

// TestEndToEndManyConnections runs several clients at once against one
// server of two loops, each with its own frames.
func TestEndToEndManyConnections(t *testing.T) {
	lf := newLengthField(t, LengthFieldConfig{LengthFieldLength: 4, InitialBytesToStrip: 4})
	addr := serve(t, lf)
	errs := make(chan error, 8)
	for i := range cap(errs) {
		go func() {
			c, err := net.DialTimeout("tcp", addr.String(), testTimeout)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(testTimeout))
			w, r := NewWriter(c, lf), NewReader(c, lf, 0)
			for j := range 50 {
				want := fmt.Appendf(nil, "conn %d frame %d %s", i, j, bytes.Repeat([]byte{'.'}, j*100))
				if err := w.WriteFrame(want); err != nil {
					errs <- err
					return
				}
				got, err := r.ReadFrame()
				if err != nil || !bytes.Equal(got, want) {
					errs <- fmt.Errorf("conn %d frame %d: %q, %v", i, j, got, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

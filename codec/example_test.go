package codec_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log"
	"net"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/codec"
)

// TLV frames a type-length-value record — a type byte, a 2-byte big-endian
// value length, the value — followed by a CRC-32 (IEEE) of the record.
// Decode hands back the record without its CRC; Encode fills in the length
// and appends the CRC. It is the custom codec of the package docs.
type TLV struct{ MaxValue int }

func (t TLV) Decode(in []byte) (frame []byte, consumed int, err error) {
	if len(in) < 3 {
		return nil, 0, nil // the header is not all here yet
	}
	n := int(binary.BigEndian.Uint16(in[1:3]))
	if n > t.MaxValue {
		return nil, 0, fmt.Errorf("tlv: value of %d bytes exceeds the %d-byte limit: %w",
			n, t.MaxValue, codec.ErrFrameTooLarge)
	}
	end := 3 + n
	if len(in) < end+4 {
		return nil, 0, nil
	}
	if sum := crc32.ChecksumIEEE(in[:end]); binary.BigEndian.Uint32(in[end:]) != sum {
		return nil, 0, fmt.Errorf("tlv: checksum mismatch in a record of type %d: %w",
			in[0], codec.ErrMalformed)
	}
	return in[:end:end], end + 4, nil
}

func (t TLV) Encode(dst, record []byte) ([]byte, error) {
	if len(record) < 3 || len(record)-3 > t.MaxValue {
		return dst, fmt.Errorf("tlv: record of %d bytes does not fit 3 header bytes and %d value bytes: %w",
			len(record), t.MaxValue, codec.ErrInvalidPayload)
	}
	start := len(dst)
	dst = append(dst, record...)
	binary.BigEndian.PutUint16(dst[start+1:], uint16(len(record)-3))
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:])), nil
}

// A custom framing is a type with Decode and Encode; Reader, Writer and
// Frames take it like the built-in ones.
func ExampleCodec_tlv() {
	tlv := TLV{MaxValue: 1024}
	var stream bytes.Buffer
	w := codec.NewWriter(&stream, tlv)
	// A record is the type, room for the length (Encode fills it in),
	// then the value.
	w.WriteFrame(append([]byte{1, 0, 0}, "hello"...))
	w.WriteFrame(append([]byte{2, 0, 0}, "world"...))
	fmt.Printf("% x\n", stream.Bytes()[:12])

	r := codec.NewReader(&stream, tlv, 0)
	for {
		rec, err := r.ReadFrame()
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Printf("type %d: %s\n", rec[0], rec[3:])
	}

	// A flipped bit fails the checksum.
	wire, _ := tlv.Encode(nil, append([]byte{3, 0, 0}, "oops"...))
	wire[4] ^= 1
	_, _, err := tlv.Decode(wire)
	fmt.Println(err, errors.Is(err, codec.ErrMalformed))
	// Output:
	// 01 00 05 68 65 6c 6c 6f 09 77 1f df
	// type 1: hello
	// type 2: world
	// EOF
	// tlv: checksum mismatch in a record of type 3: codec: malformed frame true
}

func ExampleLengthField() {
	// A 2-byte length counting the body, stripped from the frames.
	lf, err := codec.NewLengthField(codec.LengthFieldConfig{
		LengthFieldLength:   2,
		InitialBytesToStrip: 2,
		MaxFrameLength:      1024,
	})
	if err != nil {
		log.Fatal(err)
	}
	wire, _ := lf.Encode(nil, []byte("HELLO, WORLD"))
	fmt.Printf("% x\n", wire)
	frame, n, _ := lf.Decode(wire)
	fmt.Printf("%q from %d bytes\n", frame, n)

	// The header alone shows this frame is too long: no need to wait for it.
	_, _, err = lf.Decode([]byte{0xff, 0xff})
	fmt.Println(err)
	// Output:
	// 00 0c 48 45 4c 4c 4f 2c 20 57 4f 52 4c 44
	// "HELLO, WORLD" from 14 bytes
	// codec: frame of 65537 bytes exceeds the 1024-byte limit
}

func ExampleDelimiter() {
	d, err := codec.NewDelimiter(codec.DelimiterConfig{
		Delimiters: [][]byte{[]byte("\x00"), []byte("||")},
		MaxLength:  16,
	})
	if err != nil {
		log.Fatal(err)
	}
	in := []byte("a||b\x00c||partial")
	for {
		frame, n, err := d.Decode(in)
		if err != nil || n == 0 {
			break
		}
		fmt.Printf("%q\n", frame)
		in = in[n:]
	}
	fmt.Printf("left: %q\n", in)
	// Output:
	// "a"
	// "b"
	// "c"
	// left: "partial"
}

func ExampleNewLengthField_invalid() {
	_, err := codec.NewLengthField(codec.LengthFieldConfig{LengthFieldLength: 5})
	fmt.Println(err)
	// Output:
	// codec: invalid config: LengthFieldLength 5 is not 1, 2, 3, 4 or 8
}

// echo answers each line with the line itself.
type echo struct {
	netloop.BuiltinHandler
	lines  *codec.Line
	booted chan netloop.Engine
}

func (h echo) OnBoot(eng netloop.Engine) netloop.Action {
	h.booted <- eng
	return netloop.None
}

func (h echo) OnTraffic(c netloop.Conn) netloop.Action {
	err := codec.Frames(c, h.lines, func(line []byte) error {
		out, err := h.lines.Encode(nil, line)
		if err == nil {
			_, err = c.Write(out)
		}
		return err
	})
	if err != nil {
		return netloop.Close // too long or malformed: no way to resynchronise
	}
	return netloop.None
}

// A netloop server cuts lines with Frames; a plain Go client reads and
// writes them with Reader and Writer.
func ExampleFrames() {
	lines, err := codec.NewLine(codec.LineConfig{MaxLength: 64})
	if err != nil {
		log.Fatal(err)
	}
	h := echo{lines: lines, booted: make(chan netloop.Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- netloop.Run(h, "tcp://127.0.0.1:0") }()
	eng := <-h.booted

	conn, err := net.Dial("tcp", eng.Addrs()[0].String())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	w, r := codec.NewWriter(conn, lines), codec.NewReader(conn, lines, 0)
	for _, s := range []string{"hello", "", "world"} {
		w.WriteFrame([]byte(s))
		line, _ := r.ReadFrame()
		fmt.Printf("%q\n", line)
	}
	// A line over the limit closes the connection.
	conn.Write(bytes.Repeat([]byte("x"), 65))
	_, err = r.ReadFrame()
	fmt.Println(err == io.EOF)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	eng.Stop(ctx)
	<-done
	// Output:
	// "hello"
	// ""
	// "world"
	// true
}

package guide_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/netloop/netloop/codec"
)

// The four built-in framings, each with a limit on the frame length.
func Example_codecs() {
	lines, err1 := codec.NewLine(codec.LineConfig{MaxLength: 4096}) // "\n" or "\r\n"
	records, err2 := codec.NewDelimiter(codec.DelimiterConfig{
		Delimiters: [][]byte{{0x1e}}, // ASCII record separator
		MaxLength:  4096,
	})
	cells, err3 := codec.NewFixed(4)
	frames, err4 := codec.NewLengthField(codec.LengthFieldConfig{
		LengthFieldLength:   2, // a big-endian uint16 counting the payload
		InitialBytesToStrip: 2, // frames come without it
		MaxFrameLength:      2 + 4096,
	})
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		log.Fatal(err)
	}

	for _, tc := range []struct {
		cd     codec.Codec
		stream string
	}{
		{lines, "GET /\r\nHost: x\npartial"},
		{records, "a\x1eb\x1epartial"},
		{cells, "abcdefghij"},
		{frames, "\x00\x02hi\x00\x05there\x00\x09partial"},
	} {
		in := []byte(tc.stream)
		for {
			frame, n, err := tc.cd.Decode(in)
			if err != nil || n == 0 {
				break // an error, or the rest has not arrived yet
			}
			fmt.Printf("%q ", frame)
			in = in[n:]
		}
		fmt.Printf("(%d bytes left)\n", len(in))
	}
	// Output:
	// "GET /" "Host: x" (7 bytes left)
	// "a" "b" (7 bytes left)
	// "abcd" "efgh" (2 bytes left)
	// "hi" "there" (9 bytes left)
}

// The layouts of netty's LengthFieldBasedFrameDecoder documentation, each
// decoding one frame with the body "HELLO, WORLD" (12 bytes, 0x0c); ca
// and fe are header bytes other than the length. Each line shows the
// header on the wire, what of it Decode keeps in front of the body, and
// the header Encode writes for that frame.
func Example_lengthFieldLayouts() {
	body := "HELLO, WORLD"
	for _, tc := range []struct {
		cfg    codec.LengthFieldConfig
		header string
	}{
		{codec.LengthFieldConfig{LengthFieldLength: 2}, "\x00\x0c"},
		{codec.LengthFieldConfig{LengthFieldLength: 2, InitialBytesToStrip: 2}, "\x00\x0c"},
		{codec.LengthFieldConfig{LengthFieldLength: 2, LengthAdjustment: -2}, "\x00\x0e"},
		{codec.LengthFieldConfig{LengthFieldOffset: 2, LengthFieldLength: 3}, "\xca\xfe\x00\x00\x0c"},
		{codec.LengthFieldConfig{LengthFieldLength: 3, LengthAdjustment: 2}, "\x00\x00\x0c\xca\xfe"},
		{codec.LengthFieldConfig{LengthFieldOffset: 1, LengthFieldLength: 2, LengthAdjustment: 1, InitialBytesToStrip: 3},
			"\xca\x00\x0c\xfe"},
		{codec.LengthFieldConfig{LengthFieldOffset: 1, LengthFieldLength: 2, LengthAdjustment: -3, InitialBytesToStrip: 3},
			"\xca\x00\x10\xfe"},
	} {
		lf, err := codec.NewLengthField(tc.cfg)
		if err != nil {
			log.Fatal(err)
		}
		wire := []byte(tc.header + body)
		frame, n, err := lf.Decode(wire)
		if err != nil || n != len(wire) {
			log.Fatalf("%+v: Decode = %d, %v", tc.cfg, n, err)
		}
		// Encode is Decode's inverse, but writes zeros for the bytes
		// Decode strips.
		again, err := lf.Encode(nil, frame)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("off %d len %d adj %2d strip %d: %-14s | Decode: %-14s | Encode: %s\n",
			tc.cfg.LengthFieldOffset, tc.cfg.LengthFieldLength, tc.cfg.LengthAdjustment, tc.cfg.InitialBytesToStrip,
			fmt.Sprintf("% x", tc.header), fmt.Sprintf("% x", frame[:len(frame)-len(body)]),
			fmt.Sprintf("% x", again[:len(tc.header)]))
	}
	// Output:
	// off 0 len 2 adj  0 strip 0: 00 0c          | Decode: 00 0c          | Encode: 00 0c
	// off 0 len 2 adj  0 strip 2: 00 0c          | Decode:                | Encode: 00 0c
	// off 0 len 2 adj -2 strip 0: 00 0e          | Decode: 00 0e          | Encode: 00 0e
	// off 2 len 3 adj  0 strip 0: ca fe 00 00 0c | Decode: ca fe 00 00 0c | Encode: ca fe 00 00 0c
	// off 0 len 3 adj  2 strip 0: 00 00 0c ca fe | Decode: 00 00 0c ca fe | Encode: 00 00 0c ca fe
	// off 1 len 2 adj  1 strip 3: ca 00 0c fe    | Decode: fe             | Encode: 00 00 0c fe
	// off 1 len 2 adj -3 strip 3: ca 00 10 fe    | Decode: fe             | Encode: 00 00 10 fe
}

// netty's LengthFieldPrepender(4, true) writes a length that counts
// itself; the decoder that reads it back has lengthAdjustment -4. Here one
// LengthField does both, configured either way.
func Example_lengthFieldPrepender() {
	counted, err1 := codec.NewLengthField(codec.LengthFieldConfig{
		LengthFieldLength:         4,
		LengthIncludesLengthField: true,
		InitialBytesToStrip:       4,
	})
	adjusted, err2 := codec.NewLengthField(codec.LengthFieldConfig{
		LengthFieldLength:   4,
		LengthAdjustment:    -4, // netty: LengthFieldPrepender(lengthAdjustment = 4)
		InitialBytesToStrip: 4,
	})
	if err := errors.Join(err1, err2); err != nil {
		log.Fatal(err)
	}
	a, _ := counted.Encode(nil, []byte("hello"))
	b, _ := adjusted.Encode(nil, []byte("hello"))
	fmt.Printf("% x\n% x\n", a, b)
	// Output:
	// 00 00 00 09 68 65 6c 6c 6f
	// 00 00 00 09 68 65 6c 6c 6f
}

// With "\r\n\r\n" listed before "\r\n", a stream that ends in "\r\n" may
// yet end in "\r\n\r\n": Decode waits rather than let the way the bytes
// were split into reads decide the frames.
func Example_overlappingDelimiters() {
	d, err := codec.NewDelimiter(codec.DelimiterConfig{
		Delimiters: [][]byte{[]byte("\r\n\r\n"), []byte("\r\n")},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, in := range []string{"a\r\n", "a\r\n\r\n", "a\r\nb"} {
		frame, n, err := d.Decode([]byte(in))
		fmt.Printf("%-12q frame %q, consumed %d, err %v\n", in, frame, n, err)
	}
	// Output:
	// "a\r\n"      frame "", consumed 0, err <nil>
	// "a\r\n\r\n"  frame "a", consumed 5, err <nil>
	// "a\r\nb"     frame "a", consumed 3, err <nil>
}

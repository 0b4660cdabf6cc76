package codec

import (
	"errors"
	"strings"
	"testing"
)

func newLengthField(t testing.TB, cfg LengthFieldConfig) *LengthField {
	t.Helper()
	l, err := NewLengthField(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestLengthFieldDecodeNettyExamples runs the seven layouts that netty's
// LengthFieldBasedFrameDecoder documents, on vectors of our own.
func TestLengthFieldDecodeNettyExamples(t *testing.T) {
	const body = "HELLO, WORLD" // 12 bytes
	for _, tc := range []struct {
		name string
		cfg  LengthFieldConfig
		wire string
		want string
	}{
		{
			"2-byte length, keep header",
			LengthFieldConfig{LengthFieldLength: 2},
			"\x00\x0c" + body, "\x00\x0c" + body,
		},
		{
			"2-byte length, strip header",
			LengthFieldConfig{LengthFieldLength: 2, InitialBytesToStrip: 2},
			"\x00\x0c" + body, body,
		},
		{
			"length counts the whole frame",
			LengthFieldConfig{LengthFieldLength: 2, LengthAdjustment: -2},
			"\x00\x0e" + body, "\x00\x0e" + body,
		},
		{
			"3-byte length after a 2-byte header",
			LengthFieldConfig{LengthFieldOffset: 2, LengthFieldLength: 3},
			"\xca\xfe\x00\x00\x0c" + body, "\xca\xfe\x00\x00\x0c" + body,
		},
		{
			"3-byte length before a 2-byte header",
			LengthFieldConfig{LengthFieldLength: 3, LengthAdjustment: 2},
			"\x00\x00\x0c\xca\xfe" + body, "\x00\x00\x0c\xca\xfe" + body,
		},
		{
			"length between two 1-byte headers, strip to the second",
			LengthFieldConfig{LengthFieldOffset: 1, LengthFieldLength: 2, LengthAdjustment: 1, InitialBytesToStrip: 3},
			"\xca\x00\x0c\xfe" + body, "\xfe" + body,
		},
		{
			"whole-frame length between two 1-byte headers, strip to the second",
			LengthFieldConfig{LengthFieldOffset: 1, LengthFieldLength: 2, LengthAdjustment: -3, InitialBytesToStrip: 3},
			"\xca\x00\x10\xfe" + body, "\xfe" + body,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLengthField(t, tc.cfg)
			// Followed by the first byte of the next frame, which must
			// be left alone.
			in := []byte(tc.wire + "\x00")
			frame, n, err := l.Decode(in)
			if string(frame) != tc.want || n != len(tc.wire) || err != nil {
				t.Errorf("Decode(%q) = %q, %d, %v; want %q, %d, nil", in, frame, n, err, tc.want, len(tc.wire))
			}
			for i := range len(tc.wire) {
				if frame, n, err := l.Decode(in[:i]); frame != nil || n != 0 || err != nil {
					t.Fatalf("Decode of the first %d bytes = %q, %d, %v; want nil, 0, nil (need more)", i, frame, n, err)
				}
			}
			wire, err := l.Encode(nil, []byte(tc.want))
			if err != nil {
				t.Fatalf("Encode(%q): %v", tc.want, err)
			}
			// Encode writes zeros for the stripped header bytes.
			if want := []byte(tc.wire); len(wire) != len(want) || string(wire[tc.cfg.InitialBytesToStrip:]) != tc.wire[tc.cfg.InitialBytesToStrip:] {
				t.Errorf("Encode(%q) = %q; want %q after the %d stripped bytes", tc.want, wire, want, tc.cfg.InitialBytesToStrip)
			}
		})
	}
}

func TestLengthFieldDecode(t *testing.T) {
	cases := []struct {
		name  string
		cfg   LengthFieldConfig
		cases []decodeCase
	}{
		{"1-byte", LengthFieldConfig{LengthFieldLength: 1, InitialBytesToStrip: 1}, []decodeCase{
			{name: "coalesced", in: "\x01a\x00\x02bc\x03de", frames: []string{"a", "", "bc"}, rest: 3},
		}},
		{"little-endian 3-byte", LengthFieldConfig{LengthFieldLength: 3, LittleEndian: true, InitialBytesToStrip: 3}, []decodeCase{
			{name: "one", in: "\x02\x00\x00ab", frames: []string{"ab"}},
		}},
		{"4-byte", LengthFieldConfig{LengthFieldLength: 4, InitialBytesToStrip: 4}, []decodeCase{
			{name: "one", in: "\x00\x00\x00\x02ab", frames: []string{"ab"}},
			{name: "over max from the header alone", in: "\x00\x01\x00\x00", err: ErrFrameTooLarge, rest: 4},
			{name: "4 GiB", in: "\xff\xff\xff\xff", err: ErrFrameTooLarge, rest: 4},
		}},
		{"little-endian 8-byte", LengthFieldConfig{LengthFieldLength: 8, LittleEndian: true, InitialBytesToStrip: 8}, []decodeCase{
			{name: "one", in: "\x01\x00\x00\x00\x00\x00\x00\x00a", frames: []string{"a"}},
			{name: "huge", in: "\x00\x00\x00\x00\x00\x00\x00\x7f", err: ErrFrameTooLarge, rest: 8},
			{name: "negative", in: "\x00\x00\x00\x00\x00\x00\x00\x80", err: ErrMalformed, rest: 8},
		}},
		{"small max", LengthFieldConfig{LengthFieldLength: 2, MaxFrameLength: 6}, []decodeCase{
			{name: "max", in: "\x00\x04abcd", frames: []string{"\x00\x04abcd"}},
			{name: "over max", in: "\x00\x05", err: ErrFrameTooLarge, rest: 2},
		}},
		{"includes length field", LengthFieldConfig{LengthFieldLength: 2, LengthIncludesLengthField: true, InitialBytesToStrip: 2}, []decodeCase{
			{name: "one", in: "\x00\x04ab", frames: []string{"ab"}},
			{name: "empty", in: "\x00\x02", frames: []string{""}},
			{name: "shorter than the field", in: "\x00\x01", err: ErrMalformed, rest: 2},
		}},
		{"strip beyond the header", LengthFieldConfig{LengthFieldLength: 1, InitialBytesToStrip: 3}, []decodeCase{
			{name: "one", in: "\x05xyabc", frames: []string{"abc"}},
			{name: "shorter than strip", in: "\x01x", err: ErrMalformed, rest: 2},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runDecodeCases(t, newLengthField(t, c.cfg), c.cases)
		})
	}
}

func TestLengthFieldEncode(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     LengthFieldConfig
		payload string
		want    string
		err     error
	}{
		{"prepend", LengthFieldConfig{LengthFieldLength: 2, InitialBytesToStrip: 2}, "abc", "\x00\x03abc", nil},
		{"little-endian", LengthFieldConfig{LengthFieldLength: 4, LittleEndian: true, InitialBytesToStrip: 4}, "abc", "\x03\x00\x00\x00abc", nil},
		{"3-byte", LengthFieldConfig{LengthFieldLength: 3, InitialBytesToStrip: 3}, "abc", "\x00\x00\x03abc", nil},
		{"8-byte", LengthFieldConfig{LengthFieldLength: 8, InitialBytesToStrip: 8}, "a", "\x00\x00\x00\x00\x00\x00\x00\x01a", nil},
		// netty's LengthFieldPrepender(2, lengthIncludesLengthFieldLength=true).
		{"includes length field", LengthFieldConfig{LengthFieldLength: 2, LengthIncludesLengthField: true, InitialBytesToStrip: 2}, "abc", "\x00\x05abc", nil},
		// netty's LengthFieldPrepender(2, lengthAdjustment=1).
		{"prepender adjustment", LengthFieldConfig{LengthFieldLength: 2, LengthAdjustment: -1, InitialBytesToStrip: 2}, "abc", "\x00\x04abc", nil},
		{"header carried by the payload", LengthFieldConfig{LengthFieldOffset: 1, LengthFieldLength: 2}, "T\xff\xffabc", "T\x00\x03abc", nil},
		{"header partly stripped", LengthFieldConfig{LengthFieldOffset: 1, LengthFieldLength: 2, InitialBytesToStrip: 2}, "\xffabc", "\x00\x00\x03abc", nil},
		{"payload too short for its header", LengthFieldConfig{LengthFieldOffset: 1, LengthFieldLength: 2}, "T\x00", "", ErrInvalidPayload},
		{"negative length", LengthFieldConfig{LengthFieldLength: 2, LengthAdjustment: 5, InitialBytesToStrip: 2}, "abc", "", ErrInvalidPayload},
		{"does not fit 1 byte", LengthFieldConfig{LengthFieldLength: 1, InitialBytesToStrip: 1}, strings.Repeat("x", 256), "", ErrFrameTooLarge},
		{"over max", LengthFieldConfig{LengthFieldLength: 2, InitialBytesToStrip: 2, MaxFrameLength: 4}, "abc", "", ErrFrameTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLengthField(t, tc.cfg)
			got, err := l.Encode(nil, []byte(tc.payload))
			if string(got) != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("Encode(%q) = %q, %v; want %q, %v", tc.payload, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestNewLengthFieldValidates(t *testing.T) {
	for _, tc := range []struct {
		cfg  LengthFieldConfig
		want string
	}{
		{LengthFieldConfig{LengthFieldLength: 5}, "codec: invalid config: LengthFieldLength 5 is not 1, 2, 3, 4 or 8"},
		{LengthFieldConfig{}, "codec: invalid config: LengthFieldLength 0 is not 1, 2, 3, 4 or 8"},
		{LengthFieldConfig{LengthFieldLength: 2, LengthFieldOffset: -1}, "codec: invalid config: LengthFieldOffset -1 is negative"},
		{LengthFieldConfig{LengthFieldLength: 2, InitialBytesToStrip: -1}, "codec: invalid config: InitialBytesToStrip -1 is negative"},
		{LengthFieldConfig{LengthFieldLength: 2, MaxFrameLength: -1}, "codec: invalid config: MaxFrameLength -1 is negative"},
		{LengthFieldConfig{LengthFieldLength: 4, LengthFieldOffset: 4, MaxFrameLength: 7},
			"codec: invalid config: MaxFrameLength 7 is shorter than the 8-byte header up to the end of the length field"},
	} {
		_, err := NewLengthField(tc.cfg)
		if !errors.Is(err, ErrInvalidConfig) || err.Error() != tc.want {
			t.Errorf("NewLengthField(%+v) error %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func FuzzLengthField(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte, little bool, offset, size, strip uint8, adjust int16, includes bool, max uint16) {
		if len(in) > 256 {
			in = in[:256]
		}
		cfg := LengthFieldConfig{
			LittleEndian:              little,
			LengthFieldOffset:         int(offset % 16),
			LengthFieldLength:         []int{1, 2, 3, 4, 8}[size%5],
			LengthAdjustment:          int(adjust % 64),
			LengthIncludesLengthField: includes,
			InitialBytesToStrip:       int(strip % 32),
			MaxFrameLength:            int(max % 512),
		}
		l, err := NewLengthField(cfg)
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatal(err)
			}
			return
		}
		checkCodec(t, l, in, cfg.InitialBytesToStrip >= cfg.LengthFieldOffset+cfg.LengthFieldLength)
	})
}

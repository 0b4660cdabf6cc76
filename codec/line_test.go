package codec

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestLineDecode(t *testing.T) {
	l, err := NewLine(LineConfig{MaxLength: 8})
	if err != nil {
		t.Fatal(err)
	}
	runDecodeCases(t, l, []decodeCase{
		{name: "empty", in: ""},
		{name: "lf", in: "abc\n", frames: []string{"abc"}},
		{name: "crlf", in: "abc\r\n", frames: []string{"abc"}},
		{name: "empty lines", in: "\n\r\n\n", frames: []string{"", "", ""}},
		{name: "coalesced", in: "a\nbb\r\nccc\n", frames: []string{"a", "bb", "ccc"}},
		{name: "partial", in: "a\nbcd", frames: []string{"a"}, rest: 3},
		{name: "partial cr", in: "abc\r", rest: 4},
		{name: "lone cr kept", in: "a\rb\n", frames: []string{"a\rb"}},
		{name: "cr cr lf", in: "ab\r\r\n", frames: []string{"ab\r"}},
		{name: "max", in: "12345678\n", frames: []string{"12345678"}},
		{name: "max crlf", in: "12345678\r\n", frames: []string{"12345678"}},
		{name: "max waiting for lf after cr", in: "12345678\r", rest: 9},
		{name: "max waiting", in: "12345678", rest: 8},
		{name: "over max with lf", in: "123456789\n", err: ErrFrameTooLarge, rest: 10},
		{name: "over max with crlf", in: "123456789\r\n", err: ErrFrameTooLarge, rest: 11},
		// Rejected as soon as the 9th byte arrives without a newline.
		{name: "over max unterminated", in: "123456789", err: ErrFrameTooLarge, rest: 9},
		{name: "over max after good", in: "ok\n123456789", frames: []string{"ok"}, err: ErrFrameTooLarge, rest: 9},
	})
}

func TestLineEncode(t *testing.T) {
	lf, _ := NewLine(LineConfig{MaxLength: 8})
	crlf, _ := NewLine(LineConfig{MaxLength: 8, CRLF: true})
	for _, tc := range []struct {
		name    string
		cd      *Line
		payload string
		want    string
		err     error
	}{
		{"lf", lf, "abc", "abc\n", nil},
		{"crlf", crlf, "abc", "abc\r\n", nil},
		{"empty", lf, "", "\n", nil},
		{"max", lf, "12345678", "12345678\n", nil},
		{"too long", lf, "123456789", "", ErrFrameTooLarge},
		{"newline", crlf, "a\nb", "", ErrInvalidPayload},
		{"trailing cr with lf", lf, "ab\r", "", ErrInvalidPayload},
		{"trailing cr with crlf", crlf, "ab\r", "ab\r\r\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cd.Encode(nil, []byte(tc.payload))
			if string(got) != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("Encode(%q) = %q, %v; want %q, %v", tc.payload, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestLineErrorSaysWhatHappened(t *testing.T) {
	l, _ := NewLine(LineConfig{})
	_, _, err := l.Decode([]byte(strings.Repeat("x", 70000) + "\n"))
	want := "codec: no newline in 65538 bytes: the line exceeds the 65536-byte limit"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	_, _, err = l.Decode([]byte(strings.Repeat("x", 65537) + "\n"))
	want = "codec: line of 65537 bytes exceeds the 65536-byte limit"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

func TestNewLineRejectsNegativeMax(t *testing.T) {
	if _, err := NewLine(LineConfig{MaxLength: -1}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("NewLine(MaxLength -1) error %v, want ErrInvalidConfig", err)
	}
}

func FuzzLine(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte, max uint16, crlf bool) {
		if len(in) > 256 {
			in = in[:256]
		}
		l, err := NewLine(LineConfig{MaxLength: int(max % 128), CRLF: crlf})
		if err != nil {
			t.Fatal(err)
		}
		checkCodec(t, l, in, true)
	})
}

func TestLineLimitOfMaxInt(t *testing.T) {
	l, err := NewLine(LineConfig{MaxLength: math.MaxInt})
	if err != nil {
		t.Fatal(err)
	}
	if frame, n, err := l.Decode([]byte("abc\nd")); string(frame) != "abc" || n != 4 || err != nil {
		t.Errorf("Decode = %q, %d, %v; want \"abc\", 4, nil", frame, n, err)
	}
}

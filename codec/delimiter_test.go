package codec

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func newDelimiter(t testing.TB, max int, keep bool, delims ...string) *Delimiter {
	t.Helper()
	cfg := DelimiterConfig{MaxLength: max, KeepDelimiter: keep}
	for _, d := range delims {
		cfg.Delimiters = append(cfg.Delimiters, []byte(d))
	}
	d, err := NewDelimiter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDelimiterDecode(t *testing.T) {
	t.Run("strip", func(t *testing.T) {
		runDecodeCases(t, newDelimiter(t, 8, false, "||", "\x00"), []decodeCase{
			{name: "one", in: "abc||", frames: []string{"abc"}},
			{name: "either", in: "a||b\x00c||", frames: []string{"a", "b", "c"}},
			{name: "empty frames", in: "||\x00||", frames: []string{"", "", ""}},
			{name: "partial delimiter", in: "abc|", rest: 4},
			{name: "partial", in: "a||bc", frames: []string{"a"}, rest: 2},
			{name: "max", in: "12345678||", frames: []string{"12345678"}},
			{name: "max waiting", in: "12345678|", rest: 9},
			{name: "over max", in: "123456789||", err: ErrFrameTooLarge, rest: 11},
			// Rejected as soon as 9 bytes that cannot start a delimiter
			// have arrived.
			{name: "over max unterminated", in: "123456789", err: ErrFrameTooLarge, rest: 9},
		})
	})
	t.Run("keep", func(t *testing.T) {
		runDecodeCases(t, newDelimiter(t, 4, true, "\r\n", "\n"), []decodeCase{
			{name: "kept", in: "ab\r\ncd\n", frames: []string{"ab\r\n", "cd\n"}},
			{name: "max excludes delimiter", in: "abcd\r\n", frames: []string{"abcd\r\n"}},
			{name: "over max", in: "abcde\n", err: ErrFrameTooLarge, rest: 6},
		})
	})
	// netty's rule: the delimiter that gives the shortest frame wins,
	// whatever its place in the list.
	t.Run("earliest wins", func(t *testing.T) {
		runDecodeCases(t, newDelimiter(t, 64, false, "\n", "\r\n"), []decodeCase{
			{name: "crlf before lf in list order", in: "ab\r\ncd\n", frames: []string{"ab", "cd"}},
			{name: "later in list, earlier in stream", in: "x\r\ny\nz", frames: []string{"x", "y"}, rest: 1},
		})
		runDecodeCases(t, newDelimiter(t, 64, false, "END", "|"), []decodeCase{
			{name: "second delimiter earlier", in: "a|bEND", frames: []string{"a", "b"}},
			{name: "first delimiter earlier", in: "aENDb|", frames: []string{"a", "b"}},
		})
	})
	// Where a delimiter holds another, bytes that may still complete the
	// winner make Decode wait, so that the frames never depend on how the
	// stream was split into reads.
	t.Run("overlapping", func(t *testing.T) {
		runDecodeCases(t, newDelimiter(t, 64, false, "\r\n\r\n", "\r\n"), []decodeCase{
			{name: "same start, listed first wins", in: "head\r\n\r\nbody", frames: []string{"head"}, rest: 4},
			{name: "waits while the longer may complete", in: "head\r\n", rest: 6},
			{name: "waits at \\r\\n\\r", in: "head\r\n\r", rest: 7},
			{name: "shorter once the longer cannot match", in: "line\r\nx", frames: []string{"line"}, rest: 1},
		})
		runDecodeCases(t, newDelimiter(t, 64, false, "b", "abc"), []decodeCase{
			{name: "inner match waits for the outer", in: "xab", rest: 3},
			{name: "outer completes", in: "xabc", frames: []string{"x"}},
			{name: "outer fails", in: "xabd", frames: []string{"xa"}, rest: 1},
		})
	})
}

func TestDelimiterEncode(t *testing.T) {
	strip := newDelimiter(t, 8, false, "||", "\x00")
	keep := newDelimiter(t, 8, true, "||", "\x00")
	nested := newDelimiter(t, 8, false, "b", "abc")
	for _, tc := range []struct {
		name  string
		cd    *Delimiter
		frame string
		want  string
		err   error
	}{
		{"first delimiter appended", strip, "abc", "abc||", nil},
		{"empty", strip, "", "||", nil},
		{"too long", strip, "123456789", "", ErrFrameTooLarge},
		{"holds a delimiter", strip, "a\x00b", "", ErrInvalidPayload},
		{"ends in half a delimiter", strip, "ab|", "", ErrInvalidPayload},
		{"keep: written as is", keep, "abc\x00", "abc\x00", nil},
		{"keep: no delimiter", keep, "abc", "", ErrInvalidPayload},
		{"keep: two frames", keep, "a||b||", "", ErrInvalidPayload},
		{"would merge with a longer delimiter", nested, "a", "", ErrInvalidPayload},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cd.Encode(nil, []byte(tc.frame))
			if string(got) != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("Encode(%q) = %q, %v; want %q, %v", tc.frame, got, err, tc.want, tc.err)
			}
		})
	}
}

// TestDelimiterScansLinearly decodes many short frames from one buffer in
// which the first delimiter never appears: each Decode must look only
// near its own frame, not across the whole buffer for the absent one.
func TestDelimiterScansLinearly(t *testing.T) {
	d := newDelimiter(t, 1<<20, false, "never", "\n")
	in := []byte(strings.Repeat("abcdefg\n", 1<<15)) // 256 KiB
	frames, used, err := decodeAll(t, d, in)
	if err != nil || used != len(in) || len(frames) != 1<<15 {
		t.Fatalf("decoded %d frames from %d of %d bytes, error %v", len(frames), used, len(in), err)
	}
}

func TestNewDelimiterValidates(t *testing.T) {
	for _, cfg := range []DelimiterConfig{
		{},
		{Delimiters: [][]byte{{}}},
		{Delimiters: [][]byte{[]byte("x")}, MaxLength: -1},
	} {
		if _, err := NewDelimiter(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("NewDelimiter(%+v) error %v, want ErrInvalidConfig", cfg, err)
		}
	}
}

func TestNewDelimiterCopiesDelimiters(t *testing.T) {
	delim := []byte("|")
	d, _ := NewDelimiter(DelimiterConfig{Delimiters: [][]byte{delim}})
	delim[0] = '!'
	if frame, n, _ := d.Decode([]byte("a|")); string(frame) != "a" || n != 2 {
		t.Errorf("after the caller changed its delimiter, Decode(\"a|\") = %q, %d; want \"a\", 2", frame, n)
	}
}

func FuzzDelimiter(f *testing.F) {
	f.Fuzz(func(t *testing.T, in, d1, d2 []byte, max uint16, keep bool) {
		if len(in) > 256 {
			in = in[:256]
		}
		cfg := DelimiterConfig{MaxLength: int(max % 128), KeepDelimiter: keep}
		for _, d := range [][]byte{d1, d2} {
			if len(d) > 0 {
				cfg.Delimiters = append(cfg.Delimiters, d[:min(len(d), 6)])
			}
		}
		d, err := NewDelimiter(cfg)
		if err != nil {
			if len(cfg.Delimiters) > 0 {
				t.Fatal(err)
			}
			return
		}
		checkCodec(t, d, in, true)
	})
}

func TestDelimiterLimitOfMaxInt(t *testing.T) {
	d := newDelimiter(t, math.MaxInt, false, "|")
	if frame, n, err := d.Decode([]byte("abc|d")); string(frame) != "abc" || n != 4 || err != nil {
		t.Errorf("Decode = %q, %d, %v; want \"abc\", 4, nil", frame, n, err)
	}
}

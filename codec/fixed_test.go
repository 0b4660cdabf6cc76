package codec

import (
	"errors"
	"testing"
)

func TestFixedDecode(t *testing.T) {
	f, err := NewFixed(3)
	if err != nil {
		t.Fatal(err)
	}
	runDecodeCases(t, f, []decodeCase{
		{name: "empty", in: ""},
		{name: "short", in: "ab", rest: 2},
		{name: "one", in: "abc", frames: []string{"abc"}},
		{name: "coalesced", in: "abcdefgh", frames: []string{"abc", "def"}, rest: 2},
	})
}

func TestFixedEncode(t *testing.T) {
	f, _ := NewFixed(3)
	if got, err := f.Encode([]byte("x"), []byte("abc")); string(got) != "xabc" || err != nil {
		t.Errorf("Encode(x, abc) = %q, %v; want \"xabc\", nil", got, err)
	}
	for _, p := range []string{"", "ab", "abcd"} {
		if got, err := f.Encode(nil, []byte(p)); got != nil || !errors.Is(err, ErrInvalidPayload) {
			t.Errorf("Encode(%q) = %q, %v; want ErrInvalidPayload", p, got, err)
		}
	}
}

func TestNewFixedRejectsNonPositive(t *testing.T) {
	for _, n := range []int{0, -1} {
		if _, err := NewFixed(n); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("NewFixed(%d) error %v, want ErrInvalidConfig", n, err)
		}
	}
}

func FuzzFixed(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte, n uint16) {
		if len(in) > 256 {
			in = in[:256]
		}
		fx, err := NewFixed(int(n%64) + 1)
		if err != nil {
			t.Fatal(err)
		}
		checkCodec(t, fx, in, true)
	})
}

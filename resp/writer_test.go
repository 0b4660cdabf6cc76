package resp

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

func TestAppendWritesRESP(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"ok", AppendOK(nil), "+OK\r\n"},
		{"simple", AppendSimple(nil, "PONG"), "+PONG\r\n"},
		{"error keeps one line", AppendError(nil, "ERR bad\r\nthing"), "-ERR bad  thing\r\n"},
		{"int", AppendInt(nil, -42), ":-42\r\n"},
		{"bulk", AppendBulk(nil, []byte("a\r\nb")), "$4\r\na\r\nb\r\n"},
		{"empty bulk", AppendBulk(nil, nil), "$0\r\n\r\n"},
		{"bulk int", AppendBulkInt(nil, 123), "$3\r\n123\r\n"},
		{"array", AppendArray(nil, 2), "*2\r\n"},
		{"null resp2", AppendNull(nil, 2), "$-1\r\n"},
		{"null resp3", AppendNull(nil, 3), "_\r\n"},
		{"null array resp2", AppendNullArray(nil, 2), "*-1\r\n"},
		{"map resp2", AppendMap(nil, 2, 3), "*6\r\n"},
		{"map resp3", AppendMap(nil, 3, 3), "%3\r\n"},
		{"set resp3", AppendSet(nil, 3, 1), "~1\r\n"},
		{"push resp3", AppendPush(nil, 3, 2), ">2\r\n"},
		{"bool resp3", AppendBool(nil, 3, true), "#t\r\n"},
		{"bool resp2", AppendBool(nil, 2, false), ":0\r\n"},
		{"double resp3", AppendDouble(nil, 3, 1.5), ",1.5\r\n"},
		{"double resp2", AppendDouble(nil, 2, 0.1), "$19\r\n0.10000000000000001\r\n"},
		{"double big", AppendDouble(nil, 3, 1e20), ",1e+20\r\n"},
		{"double small", AppendDouble(nil, 3, 0.0001), ",0.0001\r\n"},
		{"double tiny", AppendDouble(nil, 3, 1.5e-7), ",1.4999999999999999e-07\r\n"},
		{"double inf", AppendDouble(nil, 3, math.Inf(-1)), ",-inf\r\n"},
		{"verbatim", AppendVerbatim(nil, 3, "txt", []byte("hi")), "=6\r\ntxt:hi\r\n"},
		{"verbatim resp2", AppendVerbatim(nil, 2, "txt", []byte("hi")), "$2\r\nhi\r\n"},
		{"big number", AppendBigNumber(nil, 3, "123456789012345678901234567890"), "(123456789012345678901234567890\r\n"},
		{"command", AppendCommand(nil, []byte("GET"), []byte("k")), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s: wrote %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestAppendAllocatesNothingWithRoom(t *testing.T) {
	buf := make([]byte, 0, 256)
	v := []byte("value")
	if n := testing.AllocsPerRun(100, func() {
		b := AppendBulk(buf[:0], v)
		b = AppendInt(b, 12345)
		b = AppendNull(b, 3)
		_ = AppendSimple(b, "PONG")
	}); n != 0 {
		t.Fatalf("Append* with room allocate %v times, want 0", n)
	}
}

func TestReaderReadsEveryType(t *testing.T) {
	in := "+OK\r\n-ERR x\r\n:7\r\n$3\r\nabc\r\n$-1\r\n*-1\r\n*2\r\n:1\r\n$1\r\na\r\n_\r\n#t\r\n,3.25\r\n,inf\r\n" +
		"(12345678901234567890\r\n!5\r\nERR e\r\n=7\r\ntxt:abc\r\n%1\r\n+k\r\n:1\r\n~1\r\n+m\r\n>2\r\n+a\r\n+b\r\n" +
		"|1\r\n+ttl\r\n:3\r\n+v\r\n"
	want := []string{`+OK`, `-ERR x`, `:7`, `"abc"`, `(nil)`, `(nil array)`, `[:1, "a"]`, `(null)`, `#t`, `,3.25`, `,inf`,
		`(12345678901234567890`, `!"ERR e"`, `=txt:abc`, `{+k: :1}`, `~[+m]`, `>[+a, +b]`, `+v`}
	r := NewReader(strings.NewReader(in))
	for i, w := range want {
		v, err := r.ReadValue()
		if err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		if v.String() != w {
			t.Errorf("value %d = %s, want %s", i, v, w)
		}
	}
	if _, err := r.ReadValue(); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}
}

func TestReaderRefusesMalformedReplies(t *testing.T) {
	for _, in := range []string{"?x\r\n", ":1x\r\n", "$-2\r\n", "$3\r\nabcd\r\n", "*-5\r\n", "#x\r\n", ",abc\r\n", "+OK\n", "=2\r\nab\r\n",
		strings.Repeat("*1\r\n", 1000) + ":1\r\n"} {
		_, err := NewReader(strings.NewReader(in)).ReadValue()
		if !errors.Is(err, ErrProtocol) {
			t.Errorf("ReadValue(%q) = %v, want a protocol error", in, err)
		}
	}
	if _, err := NewReader(strings.NewReader("$10\r\nabc")).ReadValue(); err != io.ErrUnexpectedEOF {
		t.Errorf("a cut bulk string: %v, want io.ErrUnexpectedEOF", err)
	}
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{"+OK\r\n", "*2\r\n$1\r\na\r\n:1\r\n", "%1\r\n+a\r\n_\r\n", "$5\r\nab", "|1\r\n+a\r\n+b\r\n+c\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in))
		r.MaxBulk = 1 << 16
		for {
			v, err := r.ReadValue()
			if err != nil {
				return
			}
			_ = v.String()
		}
	})
}

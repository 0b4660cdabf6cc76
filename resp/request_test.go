package resp

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func fmtArgs(args [][]byte) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = fmt.Sprintf("%q", a)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func TestParserReadsRequests(t *testing.T) {
	tests := []struct {
		name string
		in   string
		args string // fmtArgs of the first request; "" for none
		n    int    // bytes consumed; 0: incomplete
		err  string
	}{
		{"multibulk", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", `["GET" "k"]`, 20, ""},
		{"multibulk binary", "*1\r\n$4\r\na\r\nb\r\n", `["a\r\nb"]`, 14, ""},
		{"empty bulk", "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", `["ECHO" ""]`, 20, ""},
		{"pipelined takes first", "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n", `["PING"]`, 14, ""},
		{"zero count", "*0\r\n", `[]`, 4, ""},
		{"minus one count", "*-1\r\n", `[]`, 5, ""},
		{"incomplete header", "*2\r", "", 0, ""},
		{"incomplete bulk", "*1\r\n$4\r\nPI", "", 0, ""},
		{"incomplete crlf", "*1\r\n$4\r\nPING\r", "", 0, ""},
		{"inline", "SET k v\r\n", `["SET" "k" "v"]`, 9, ""},
		{"inline lf only", "PING\n", `["PING"]`, 5, ""},
		{"inline blanks", "  GET \t k  \r\n", `["GET" "k"]`, 13, ""},
		{"inline empty", "\r\n", `[]`, 2, ""},
		{"inline incomplete", "PIN", "", 0, ""},
		{"inline quotes", `SET "a b" 'c\'d' "\x41\n"` + "\r\n", `["SET" "a b" "c'd" "A\n"]`, 27, ""},
		{"inline quote mid-word", `a"b c"d` + "\n", "", 0, "Protocol error: unbalanced quotes in request"},
		{"inline unterminated", `ECHO "abc` + "\n", "", 0, "Protocol error: unbalanced quotes in request"},
		{"inline nul ends line", "ECHO a\x00b c\n", `["ECHO" "a"]`, 11, ""},
		{"non-numeric count", "*x\r\n", "", 0, "Protocol error: invalid multibulk length"},
		{"count with plus", "*+1\r\n", "", 0, "Protocol error: invalid multibulk length"},
		{"huge count", "*2147483648\r\n", "", 0, "Protocol error: invalid multibulk length"},
		{"negative bulk", "*1\r\n$-1\r\n", "", 0, "Protocol error: invalid bulk length"},
		{"huge bulk", "*1\r\n$536870913\r\n", "", 0, "Protocol error: invalid bulk length"},
		{"non-numeric bulk", "*1\r\n$1x\r\n", "", 0, "Protocol error: invalid bulk length"},
		{"not a bulk", "*1\r\n:1\r\n", "", 0, "Protocol error: expected '$', got ':'"},
		{"empty bulk header", "*1\r\n\r\n", "", 0, "Protocol error: expected '$', got ' '"},
		{"long inline", strings.Repeat("a", MaxInlineSize+1), "", 0, "Protocol error: too big inline request"},
		{"long inline with end", strings.Repeat("a", MaxInlineSize+1) + "\n", "", 0, "Protocol error: too big inline request"},
		{"long count", "*" + strings.Repeat("1", MaxInlineSize+1), "", 0, "Protocol error: too big mbulk count string"},
		{"long bulk count", "*1\r\n$" + strings.Repeat("1", MaxInlineSize+1), "", 0, "Protocol error: too big bulk count string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Parser
			args, n, err := p.Parse([]byte(tt.in))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err || !errors.Is(err, ErrProtocol) {
					t.Fatalf("Parse(%q) error = %v, want %q matching ErrProtocol", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if n != tt.n {
				t.Fatalf("Parse(%q) consumed %d bytes, want %d", tt.in, n, tt.n)
			}
			if n > 0 && fmtArgs(args) != tt.args {
				t.Fatalf("Parse(%q) = %s, want %s", tt.in, fmtArgs(args), tt.args)
			}
		})
	}
}

// TestParserResumesAcrossReads feeds a pipeline one byte at a time, as a
// slow network would, and checks that every request comes out whole.
func TestParserResumesAcrossReads(t *testing.T) {
	stream := "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"
	want := []string{`["SET" "key" "value"]`, `["PING"]`, `["ECHO" ""]`}
	var p Parser
	var buf []byte
	var got []string
	for i := 0; i < len(stream); i++ {
		buf = append(buf, stream[i])
		for {
			args, n, err := p.Parse(buf)
			if err != nil {
				t.Fatalf("after %d bytes: %v", i+1, err)
			}
			if n == 0 {
				break
			}
			got = append(got, fmtArgs(args))
			buf = buf[n:]
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestParserRefusesLongBulkBeforeItsBytes(t *testing.T) {
	p := Parser{MaxBulk: 10}
	_, _, err := p.Parse([]byte("*1\r\n$11\r\n"))
	if !errors.Is(err, ErrProtocol) {
		t.Fatalf("a bulk over MaxBulk announced: got %v, want a protocol error at once", err)
	}
	args, _, err := p.Parse([]byte("*1\r\n$10\r\n0123456789\r\n"))
	if err != nil || len(args) != 1 {
		t.Fatalf("a bulk of exactly MaxBulk: %v %v", args, err)
	}
}

func TestParseIntFollowsRedis(t *testing.T) {
	ok := map[string]int64{"0": 0, "1": 1, "-1": -1, "9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63}
	for s, want := range ok {
		if got, good := ParseInt([]byte(s)); !good || got != want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d", s, got, good, want)
		}
	}
	for _, s := range []string{"", "-", "+1", "01", "-0", " 1", "1 ", "1.0", "9223372036854775808", "-9223372036854775809", "99999999999999999999999"} {
		if _, good := ParseInt([]byte(s)); good {
			t.Errorf("ParseInt(%q) accepted it; Redis's string2ll refuses it", s)
		}
	}
}

func TestParserAllocatesNothingInSteadyState(t *testing.T) {
	in := []byte("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\nPING\r\n")
	var p Parser
	parseAll := func() {
		b := in
		for len(b) > 0 {
			_, n, err := p.Parse(b)
			if err != nil || n == 0 {
				t.Fatalf("Parse: n=%d err=%v", n, err)
			}
			b = b[n:]
		}
	}
	parseAll()
	if a := testing.AllocsPerRun(100, parseAll); a != 0 {
		t.Fatalf("parsing SET, GET, PING allocates %v times per run, want 0", a)
	}
}

func BenchmarkParserPipeline(b *testing.B) {
	one := "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n"
	in := []byte(strings.Repeat(one, 16))
	var p Parser
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		buf := in
		for len(buf) > 0 {
			_, n, _ := p.Parse(buf)
			buf = buf[n:]
		}
	}
}

func FuzzParser(f *testing.F) {
	for _, s := range []string{
		"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "PING\r\n", `SET "a\x41" 'b'` + "\n",
		"*-1\r\n", "*1\r\n$-5\r\n", "*99999999999\r\n", "\x00\xff\r\n", "*1\r\n$3\r\nab",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var whole, split Parser
		// Parsing all at once and parsing byte by byte must agree.
		var a, b []string
		var errA, errB error
		for buf := in; ; {
			args, n, err := whole.Parse(buf)
			if err != nil {
				errA = err
				break
			}
			if n == 0 {
				break
			}
			if n > len(buf) {
				t.Fatalf("consumed %d of %d bytes", n, len(buf))
			}
			a = append(a, fmtArgs(args))
			buf = buf[n:]
		}
		var buf []byte
		for i := 0; i < len(in) && errB == nil; i++ {
			buf = append(buf, in[i])
			for {
				args, n, err := split.Parse(buf)
				if err != nil {
					errB = err
					break
				}
				if n == 0 {
					break
				}
				b = append(b, fmtArgs(args))
				buf = buf[n:]
			}
		}
		if (errA == nil) != (errB == nil) && !bytes.Contains(in, []byte("\n")) {
			// Only the length limits depend on how much arrived at once.
			t.Logf("errors differ: %v / %v", errA, errB)
		}
		if errA == nil && errB == nil && strings.Join(a, "|") != strings.Join(b, "|") {
			t.Fatalf("whole %v, byte by byte %v", a, b)
		}
		for _, err := range []error{errA, errB} {
			if err != nil && !errors.Is(err, ErrProtocol) {
				t.Fatalf("error %v does not match ErrProtocol", err)
			}
		}
	})
}

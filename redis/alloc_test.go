package redis

import (
	"net"
	"strings"
	"testing"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/resp"
)

// fakeConn is the part of netloop.Conn that OnTraffic uses, on bytes in
// memory, so that tests can measure the server's own cost per command.
type fakeConn struct {
	netloop.Conn // not used: calling anything else panics
	in           []byte
	out          []byte
	scratch      []byte // lent by AvailableBuffer, as a loop lends its own
	ctx          any
}

func (f *fakeConn) AvailableBuffer() []byte {
	if f.scratch == nil {
		f.scratch = make([]byte, 0, 16<<10)
	}
	return f.scratch[:0]
}

func (f *fakeConn) Peek(int) ([]byte, error)    { return f.in, nil }
func (f *fakeConn) Discard(n int) (int, error)  { f.in = f.in[n:]; return n, nil }
func (f *fakeConn) Write(b []byte) (int, error) { f.out = append(f.out[:0], b...); return len(b), nil }
func (f *fakeConn) Context() any                { return f.ctx }
func (f *fakeConn) SetContext(v any)            { f.ctx = v }
func (f *fakeConn) RemoteAddr() net.Addr        { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (f *fakeConn) LocalAddr() net.Addr         { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 6379} }
func newFake(t testing.TB, s *Server) *fakeConn {
	f := &fakeConn{}
	s.OnOpen(f)
	return f
}

func request(args ...string) []byte {
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = []byte(a)
	}
	return resp.AppendCommand(nil, bs...)
}

// TestCommandsAllocateNothing proves the steady state of GET, SET and PING
// (parse, execute, reply), one at a time and pipelined, allocates nothing.
func TestCommandsAllocateNothing(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	f := newFake(t, s)
	value := strings.Repeat("v", 100)
	cases := map[string][]byte{
		"SET":        request("SET", "key:__rand_int__", value),
		"GET":        request("GET", "key:__rand_int__"),
		"GET miss":   request("GET", "nokey"),
		"PING mbulk": request("PING"),
		"PING":       []byte("PING\r\n"),
		"pipeline": []byte(strings.Repeat(string(request("SET", "key:__rand_int__", value))+
			string(request("GET", "key:__rand_int__"))+"PING\r\n", 16)),
	}
	for name, req := range cases {
		run := func() {
			f.in = req
			s.OnTraffic(f)
			if len(f.in) != 0 || len(f.out) == 0 || f.out[0] == '-' {
				t.Fatalf("%s: left %d bytes unread, replied %q", name, len(f.in), f.out)
			}
		}
		run()
		if n := testing.AllocsPerRun(200, run); n != 0 {
			t.Errorf("%s allocates %v times per request, want 0", name, n)
		}
	}
}

func BenchmarkServe(b *testing.B) {
	value := strings.Repeat("v", 3)
	for _, bc := range []struct {
		name string
		req  []byte
	}{
		{"PING_INLINE", []byte("PING\r\n")},
		{"PING_MBULK", request("PING")},
		{"SET", request("SET", "key:__rand_int__", value)},
		{"GET", request("GET", "key:__rand_int__")},
		{"SET_P16", []byte(strings.Repeat(string(request("SET", "key:__rand_int__", value)), 16))},
		{"GET_P16", []byte(strings.Repeat(string(request("GET", "key:__rand_int__")), 16))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, _ := New(Config{})
			f := newFake(b, s)
			f.in = request("SET", "key:__rand_int__", value)
			s.OnTraffic(f)
			b.ReportAllocs()
			for b.Loop() {
				f.in = bc.req
				s.OnTraffic(f)
			}
		})
	}
}

package redis

import (
	"bufio"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/internal/nettest"
	"github.com/netloop/netloop/resp"
)

// startServer runs a Server with cfg on a free loopback port for the
// test's duration and returns its address.
func startServer(t testing.TB, cfg Config, opts ...netloop.Option) (*Server, string) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	eng := nettest.Serve(t, s, "tcp://127.0.0.1:0", append(s.Options(), opts...)...)
	return s, eng.Addrs()[0].String()
}

// conn is a raw RESP connection for tests.
type conn struct {
	t  testing.TB
	c  net.Conn
	r  *resp.Reader
	bw *bufio.Writer
}

func dial(t testing.TB, addr string) *conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, nettest.Timeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(nettest.Timeout))
	return &conn{t: t, c: c, r: resp.NewReader(c), bw: bufio.NewWriter(c)}
}

// send writes one command in multibulk form without reading its reply.
func (c *conn) send(args ...string) {
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = []byte(a)
	}
	c.bw.Write(resp.AppendCommand(nil, bs...))
}

// read flushes what was sent and reads one reply.
func (c *conn) read() resp.Value {
	c.t.Helper()
	if err := c.bw.Flush(); err != nil {
		c.t.Fatalf("write: %v", err)
	}
	v, err := c.r.ReadValue()
	if err != nil {
		c.t.Fatalf("read reply: %v", err)
	}
	return v
}

// do sends a command and returns its reply rendered by Value.String.
func (c *conn) do(args ...string) string {
	c.t.Helper()
	c.send(args...)
	return c.read().String()
}

// sortedReply renders v with the elements of an array sorted (for KEYS,
// whose order is unspecified).
func sortedReply(v resp.Value) string {
	if v.Type == resp.TypeArray && !v.Null {
		slices.SortFunc(v.Elems, func(a, b resp.Value) int { return strings.Compare(a.String(), b.String()) })
	}
	return v.String()
}

// startRedis starts a real redis-server on a free loopback port when one
// is installed (Debian package redis-server), else skips the test. It is
// stopped by its PID when the test ends.
func startRedis(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed (Debian package redis-server)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(nettest.Timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not listen on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

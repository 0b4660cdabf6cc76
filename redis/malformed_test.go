package redis

import (
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/netloop/netloop/internal/nettest"
)

// malformed are requests that are not valid RESP: the server must answer
// with Redis's protocol error and close the connection.
var malformed = []struct {
	name, in, want string
}{
	{"non-numeric count", "*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
	{"huge count", "*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
	{"negative bulk", "*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
	{"huge bulk", "*1\r\n$999999999999\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
	{"non-numeric bulk", "*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
	{"not a bulk", "*1\r\n:5\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"},
	{"after a good command", "*1\r\n$4\r\nPING\r\n*x\r\n", "+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"},
	{"unbalanced quotes", "SET \"a b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
	{"long inline", strings.Repeat("a", 70000), "-ERR Protocol error: too big inline request\r\n"},
	{"long count", "*" + strings.Repeat("1", 70000), "-ERR Protocol error: too big mbulk count string\r\n"},
	{"long bulk count", "*1\r\n$" + strings.Repeat("1", 70000), "-ERR Protocol error: too big bulk count string\r\n"},
}

// exchange sends in and reads until the server closes the connection.
func exchange(t *testing.T, addr, in string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, nettest.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(nettest.Timeout))
	if _, err := io.WriteString(c, in); err != nil {
		t.Fatalf("write: %v", err)
	}
	out, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read until close: %v (got %q)", err, out)
	}
	return string(out)
}

func TestMalformedRequestsGetProtocolErrorAndClose(t *testing.T) {
	_, addr := startServer(t, Config{})
	for _, tt := range malformed {
		t.Run(tt.name, func(t *testing.T) {
			if got := exchange(t, addr, tt.in); got != tt.want {
				t.Fatalf("got %q, want %q and the connection closed", got, tt.want)
			}
		})
	}
	// The server is still there.
	if got := dial(t, addr).do("PING"); got != "+PONG" {
		t.Fatalf("PING after the malformed requests = %s", got)
	}
}

func TestMalformedRequestsMatchRedisServer(t *testing.T) {
	raddr := startRedis(t)
	for _, tt := range malformed {
		t.Run(tt.name, func(t *testing.T) {
			if got := exchange(t, raddr, tt.in); got != tt.want {
				t.Fatalf("redis-server answered %q, the table says %q", got, tt.want)
			}
		})
	}
}

// TestGarbageIsAnUnknownCommand: bytes that are not a multibulk request
// are an inline command, as in Redis: an error, and the connection lives.
func TestGarbageIsAnUnknownCommand(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dial(t, addr)
	io.WriteString(c.c, "\xff\xfe\x01 x\r\n\x00\x00\r\n\r\n")
	if v := c.read(); v.Err() == nil || !strings.HasPrefix(string(v.Str), "ERR unknown command") {
		t.Fatalf("garbage line: got %s, want an unknown command error", v)
	}
	if got := c.do("PING"); got != "+PONG" {
		t.Fatalf("PING after garbage = %s", got)
	}
}

// TestAnnouncedLengthIsNotAllocated announces a 512 MiB argument and sends
// a few bytes of it: the server must not reserve the announced size.
func TestAnnouncedLengthIsNotAllocated(t *testing.T) {
	_, addr := startServer(t, Config{})
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	conns := make([]*conn, 8)
	for i := range conns {
		conns[i] = dial(t, addr)
		io.WriteString(conns[i].c, "*2\r\n$3\r\nSET\r\n$536870912\r\nabc")
	}
	// Two round trips on another connection: the loop has then served
	// every event that was ready when the first one arrived, including
	// the partial requests.
	other := dial(t, addr)
	for range 2 {
		if got := other.do("PING"); got != "+PONG" {
			t.Fatalf("PING = %s", got)
		}
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 64<<20 {
		t.Fatalf("heap grew by %d MiB after announcing 8 arguments of 512 MiB", grew>>20)
	}
}

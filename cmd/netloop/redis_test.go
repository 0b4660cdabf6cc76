package main

import (
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/netloop/netloop/resp"
)

func TestRedisCommandServesAndStopsOnSIGTERM(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGTERM cannot be sent on Windows")
	}
	c := startCommand(t, "redis", "--addr", "127.0.0.1:0", "--loops", "2",
		"--maxmemory", "10mb", "--maxmemory-policy", "allkeys-lru")
	m := c.waitLine(t, listeningLine)
	conn, err := net.DialTimeout(m[1], m[2], testTimeout)
	if err != nil {
		t.Fatalf("dial the logged address %s: %v", m[2], err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(testTimeout))
	conn.Write([]byte("SET greeting hello\r\nGET greeting\r\nCONFIG GET maxmemory*\r\n"))
	r := resp.NewReader(conn)
	for _, want := range []string{`+OK`, `"hello"`, `["maxmemory", "10485760", "maxmemory-policy", "allkeys-lru"]`} {
		v, err := r.ReadValue()
		if err != nil {
			t.Fatalf("read reply: %v", err)
		}
		if v.String() != want {
			t.Errorf("reply %s, want %s", v, want)
		}
	}
	if code := c.stop(t); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0; log:\n%s", code, c.log())
	}
	if log := c.log(); !strings.Contains(log, "msg=stopped") {
		t.Errorf("log lacks the stop summary:\n%s", log)
	}
}

func TestRedisCommandRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"redis", "--maxmemory", "lots"},
		{"redis", "--maxmemory-policy", "volatile-lfu"},
		{"redis", "--databases", "0"},
		{"redis", "extra-argument"},
	} {
		out, err := execute(args...)
		if err == nil {
			t.Errorf("netloop %s succeeded, want an error", strings.Join(args, " "))
		}
		if !strings.Contains(out, "Error:") {
			t.Errorf("netloop %s did not print an error:\n%s", strings.Join(args, " "), out)
		}
	}
	out, err := execute("redis", "--help")
	if err != nil || !strings.Contains(out, "--maxmemory-policy") {
		t.Errorf("netloop redis --help: %v\n%s", err, out)
	}
	// The redis server gathers small batches by default; echo does not.
	if !strings.Contains(out, "(default 20µs)") {
		t.Errorf("netloop redis --help does not show --coalesce's 20µs default:\n%s", out)
	}
	if out, _ := execute("echo", "--help"); strings.Contains(out, "(default 20µs)") {
		t.Errorf("netloop echo --help shows a --coalesce default:\n%s", out)
	}
}

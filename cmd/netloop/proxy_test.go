package main

import (
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// echoUpstream is a plain goroutine-per-connection echo server that
// closes its side once the client has half-closed and been answered.
func echoUpstream(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func TestProxyCommandRelaysAndStopsOnSIGTERM(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGTERM cannot be sent on Windows")
	}
	up := echoUpstream(t)
	c := startCommand(t, "proxy", "--listen", "127.0.0.1:0", "--upstream", up, "--loops", "2", "--balance", "leastconn")
	m := c.waitLine(t, listeningLine)

	conn, err := net.DialTimeout("tcp", m[2], testTimeout)
	if err != nil {
		t.Fatalf("dial the logged address %s: %v", m[2], err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(testTimeout))
	msg := "through the proxy and back"
	if _, err := conn.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	// A half-close travels through, and the echo's close comes back.
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	if err != nil || string(got) != msg {
		t.Fatalf("read %q, %v; want %q then EOF", got, err, msg)
	}

	if code := c.stop(t); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0; log:\n%s", code, c.log())
	}
	log := c.log()
	for _, want := range []string{"msg=\"starting proxy\"", "balance=leastconn", "msg=stopped", "clients=1", "upstream.connections=1"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q; log:\n%s", want, log)
		}
	}
}

func TestProxyCommandRejectsBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"proxy"}, "--upstream is required"},
		{[]string{"proxy", "--upstream", "127.0.0.1:1", "--balance", "random"}, "want roundrobin, leastconn or hash"},
		{[]string{"proxy", "--upstream", "127.0.0.1"}, "want host:port"},
		{[]string{"proxy", "--upstream", "127.0.0.1:1", "--listen", ""}, "--listen is empty"},
	}
	for _, tt := range tests {
		out, err := execute(tt.args...)
		if err == nil || !strings.Contains(out, tt.want) {
			t.Errorf("netloop %s = %v, output:\n%s\nwant an error saying %q", strings.Join(tt.args, " "), err, out, tt.want)
		}
	}
}

func TestProxyCommandHasHelp(t *testing.T) {
	out, err := execute("proxy", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"--listen", "--upstream", "--balance", "--loops", "--connect-timeout", "--down-time", "half-close"} {
		if !strings.Contains(out, w) {
			t.Errorf("netloop proxy --help does not mention %q:\n%s", w, out)
		}
	}
}

package proxy

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no upstream", Config{}, "no upstream"},
		{"no port", Config{Upstreams: []string{"127.0.0.1"}}, "want host:port"},
		{"port zero", Config{Upstreams: []string{"127.0.0.1:0"}}, "want host:port"},
		{"no host", Config{Upstreams: []string{":9000"}}, "no host"},
		{"udp", Config{Upstreams: []string{"udp://127.0.0.1:53"}}, "not tcp"},
		{"empty unix path", Config{Upstreams: []string{"unix://"}}, "empty socket path"},
		{"balance", Config{Upstreams: []string{"127.0.0.1:1"}, Balance: 7}, "unknown balance"},
		{"negative timeout", Config{Upstreams: []string{"127.0.0.1:1"}, DialTimeout: -1}, "negative"},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want ErrInvalidConfig saying %q", tt.name, err, tt.want)
		}
	}
}

func TestNewResolvesUpstreams(t *testing.T) {
	p, err := New(Config{Upstreams: []string{"localhost:9000", "tcp6://[::1]:9001", "unix:///tmp/x.sock"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"tcp://127.0.0.1:9000", "tcp6://[::1]:9001", "unix:///tmp/x.sock"}
	for i, b := range p.backends {
		if b.addr != want[i] && !(i == 0 && b.addr == "tcp://[::1]:9000") {
			t.Errorf("upstream %d resolves to %q, want %q", i, b.addr, want[i])
		}
	}
}

func TestParseBalance(t *testing.T) {
	for _, b := range []Balance{RoundRobin, LeastConn, SourceHash} {
		got, err := ParseBalance(b.String())
		if err != nil || got != b {
			t.Errorf("ParseBalance(%q) = %v, %v", b.String(), got, err)
		}
	}
	if _, err := ParseBalance("random"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("ParseBalance(random) = %v, want ErrInvalidConfig", err)
	}
}

func newTestProxy(t *testing.T, b Balance, n int) *Proxy {
	t.Helper()
	var ups []string
	for i := range n {
		ups = append(ups, "127.0.0.1:"+string(rune('1'+i)))
	}
	p, err := New(quiet(Config{Upstreams: ups, Balance: b}))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func tcpAddr(ip string) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000} }

func TestRoundRobinTakesTurnsAndSkipsDown(t *testing.T) {
	p := newTestProxy(t, RoundRobin, 3)
	seen := map[*backend]int{}
	for range 6 {
		seen[p.pick(tcpAddr("127.0.0.1"))]++
	}
	for i, b := range p.backends {
		if seen[b] != 2 {
			t.Errorf("upstream %d picked %d times in 6, want 2", i, seen[b])
		}
	}
	p.markDown(p.backends[1], errors.New("refused"))
	for range 6 {
		if b := p.pick(tcpAddr("127.0.0.1")); b == p.backends[1] {
			t.Fatal("picked an upstream marked down")
		}
	}
	p.markDown(p.backends[0], errors.New("refused"))
	p.markDown(p.backends[2], errors.New("refused"))
	if b := p.pick(tcpAddr("127.0.0.1")); b != nil {
		t.Errorf("picked %s with every upstream down", b.name)
	}
}

func TestLeastConnPicksTheLeastBusy(t *testing.T) {
	p := newTestProxy(t, LeastConn, 3)
	p.backends[0].active.Store(5)
	p.backends[1].active.Store(2)
	p.backends[2].active.Store(9)
	if b := p.pick(nil); b != p.backends[1] {
		t.Errorf("picked %s, want the one with 2 connections", b.name)
	}
	p.markDown(p.backends[1], errors.New("refused"))
	if b := p.pick(nil); b != p.backends[0] {
		t.Errorf("picked %s, want the one with 5 connections", b.name)
	}
}

func TestSourceHashSticksToTheClientIP(t *testing.T) {
	p := newTestProxy(t, SourceHash, 4)
	spread := map[*backend]bool{}
	for i := range 32 {
		ip := net.IPv4(127, 0, 0, byte(i+1)).String()
		b := p.pick(tcpAddr(ip))
		for range 3 {
			if again := p.pick(&net.TCPAddr{IP: net.ParseIP(ip), Port: 50000 + i}); again != b {
				t.Fatalf("client %s moved from %s to %s", ip, b.name, again.name)
			}
		}
		spread[b] = true
	}
	if len(spread) < 3 {
		t.Errorf("32 client IPs reached only %d of 4 upstreams", len(spread))
	}
	// A client whose upstream is down goes to another one.
	b := p.pick(tcpAddr("127.0.0.9"))
	p.markDown(b, errors.New("refused"))
	if other := p.pick(tcpAddr("127.0.0.9")); other == nil || other == b {
		t.Errorf("with its upstream down, the client got %v", other)
	}
}

// TestADownUpstreamIsProbedByOneClient: after DownTime one pick gets the
// upstream, as a probe; the others keep away until it succeeds.
func TestADownUpstreamIsProbedByOneClient(t *testing.T) {
	p := newTestProxy(t, RoundRobin, 1)
	var clock fakeClock
	clock.install(p)
	b := p.backends[0]
	p.markDown(b, errors.New("refused"))
	if p.pick(nil) != nil {
		t.Fatal("picked an upstream marked down")
	}
	clock.advance(p.cfg.DownTime)
	if p.pick(nil) != b {
		t.Fatal("the upstream was not retried after DownTime")
	}
	if p.pick(nil) != nil {
		t.Fatal("a second client was sent to the upstream while the first probes it")
	}
	p.markUp(b)
	if first, second := p.pick(nil), p.pick(nil); first != b || second != b {
		t.Fatal("the upstream is not back in rotation after a successful probe")
	}
}

// TestUpstreamRefusedClosesTheClientCleanly: with the only upstream
// refusing, the client's connection ends with a FIN (io.EOF, not a
// reset), the upstream is marked down, and the next client is turned
// away without another connect.
func TestUpstreamRefusedClosesTheClientCleanly(t *testing.T) {
	p, addr := startProxy(t, Config{Upstreams: []string{closedPort(t)}})
	for i := range 2 {
		c := dial(t, addr)
		c.Write([]byte("hello?"))
		if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Fatalf("client %d read %d bytes, %v; want EOF", i, n, err)
		}
	}
	s := p.Stats()
	if s.Rejected != 2 || s.Upstreams[0].Failures != 1 || !s.Upstreams[0].Down {
		t.Errorf("stats %+v: want 2 rejected, 1 failure, upstream down", s)
	}
}

// TestUpstreamConnectTimeoutClosesTheClient: an upstream that never
// answers the SYN fails the connect after DialTimeout.
func TestUpstreamConnectTimeoutClosesTheClient(t *testing.T) {
	p, addr := startProxy(t, Config{Upstreams: []string{fullListener(t)}, DialTimeout: 100 * time.Millisecond})
	c := dial(t, addr)
	start := time.Now()
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("client read %d bytes, %v; want EOF", n, err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the client waited %v for a 100ms connect timeout", d)
	}
	if s := p.Stats(); s.Upstreams[0].Failures != 1 || !s.Upstreams[0].Down {
		t.Errorf("stats %+v: want 1 failure, upstream down", s)
	}
}

// TestFailedUpstreamIsSkippedAndRetried: a client whose upstream refuses
// is served by the next one; the refusing upstream is skipped while down
// and gets clients again once it is back after DownTime.
func TestFailedUpstreamIsSkippedAndRetried(t *testing.T) {
	deadAddr := closedPort(t)
	p, err := New(quiet(Config{Upstreams: []string{deadAddr, startEcho(t)}}))
	if err != nil {
		t.Fatal(err)
	}
	var clock fakeClock
	clock.install(p)
	addr := serveProxy(t, p)
	for range 4 {
		echoOnce(t, dial(t, addr), "served anyway")
	}
	s := p.Stats()
	if s.Upstreams[0].Failures != 1 || !s.Upstreams[0].Down || s.Upstreams[1].Connections != 4 || s.Rejected != 0 {
		t.Fatalf("stats %+v: want the first upstream down after 1 failure, 4 clients on the second", s)
	}

	ln, err := net.Listen("tcp", deadAddr) // the dead upstream comes back
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", deadAddr, err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	clock.advance(p.cfg.DownTime)
	for range 4 {
		echoOnce(t, dial(t, addr), "back again")
	}
	if s := p.Stats(); s.Upstreams[0].Connections == 0 || s.Upstreams[0].Down {
		t.Errorf("stats %+v: want the first upstream up and used again", s)
	}
}

func echoOnce(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("echo = %q, %v; want %q", got, err, msg)
	}
}

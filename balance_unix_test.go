//go:build (linux || darwin || freebsd) && !netloop_netengine

package netloop

import (
	"net"
	"sync"
	"testing"
)

// loopTracker records the loop index of each opened connection, keyed by
// the client's address.
type loopTracker struct {
	BuiltinHandler
	mu     sync.Mutex
	byPeer map[string]int
	opened chan Conn
	closed chan struct{}
}

func newLoopTracker() *loopTracker {
	return &loopTracker{byPeer: map[string]int{}, opened: make(chan Conn, 1024), closed: make(chan struct{}, 1024)}
}

func (lt *loopTracker) OnOpen(c Conn) ([]byte, Action) {
	lt.mu.Lock()
	lt.byPeer[c.RemoteAddr().String()] = c.LoopIndex()
	lt.mu.Unlock()
	lt.opened <- c
	return nil, None
}

func (lt *loopTracker) OnClose(Conn, error) Action {
	lt.closed <- struct{}{}
	return None
}

func (lt *loopTracker) loopOf(c net.Conn) int {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	return lt.byPeer[c.LocalAddr().String()]
}

// open dials n connections, each waited for until the server opened it.
func (lt *loopTracker) open(t *testing.T, addr net.Addr, n int) []net.Conn {
	t.Helper()
	var cs []net.Conn
	for i := 0; i < n; i++ {
		cs = append(cs, dial(t, addr))
		<-lt.opened
	}
	return cs
}

func TestRoundRobinTakesTurns(t *testing.T) {
	lt := newLoopTracker()
	_, addr := serveOne(t, lt, "tcp://127.0.0.1:0", WithNumLoops(4), WithLoadBalancing(RoundRobin))
	for i, c := range lt.open(t, addr, 12) {
		if got := lt.loopOf(c); got != i%4 {
			t.Errorf("conn %d on loop %d, want %d", i, got, i%4)
		}
	}
}

func TestLeastConnectionsFillsTheEmptiestLoop(t *testing.T) {
	lt := newLoopTracker()
	_, addr := serveOne(t, lt, "tcp://127.0.0.1:0", WithNumLoops(3), WithLoadBalancing(LeastConnections))
	cs := lt.open(t, addr, 9)
	counts := make([]int, 3)
	for _, c := range cs {
		counts[lt.loopOf(c)]++
	}
	if counts[0] != 3 || counts[1] != 3 || counts[2] != 3 {
		t.Fatalf("connections per loop = %v, want 3 each", counts)
	}
	// Empty loop 1 entirely: the next three must all go there.
	for _, c := range cs {
		if lt.loopOf(c) == 1 {
			c.Close()
			<-lt.closed
		}
	}
	for i, c := range lt.open(t, addr, 3) {
		if got := lt.loopOf(c); got != 1 {
			t.Errorf("new conn %d on loop %d, want the emptied loop 1", i, got)
		}
	}
}

func TestSourceAddrHashKeepsAHostOnOneLoop(t *testing.T) {
	lt := newLoopTracker()
	_, addr := serveOne(t, lt, "tcp://127.0.0.1:0", WithNumLoops(4), WithLoadBalancing(SourceAddrHash))
	used := map[int]bool{}
	for host := 1; host <= 16; host++ {
		src := net.IPv4(127, 0, 0, byte(host))
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: src}}
		want := int(hashIP(src.To4()) % 4)
		for i := 0; i < 3; i++ {
			c, err := d.Dial("tcp", addr.String())
			if err != nil {
				t.Fatalf("dial from %v: %v", src, err)
			}
			t.Cleanup(func() { c.Close() })
			<-lt.opened
			if got := lt.loopOf(c); got != want {
				t.Errorf("conn from %v on loop %d, want %d", src, got, want)
			}
			used[want] = true
		}
	}
	if len(used) < 2 {
		t.Errorf("16 hosts all hashed to one loop: %v", used)
	}
}

func TestReusePortSpreadsOverLoops(t *testing.T) {
	lt := newLoopTracker()
	eng, addr := serveOne(t, lt, "tcp://127.0.0.1:0", WithNumLoops(2), WithReusePort(true))
	if len(eng.Addrs()) != 1 {
		t.Errorf("Addrs = %v, want one address for all loops", eng.Addrs())
	}
	used := map[int]int{}
	for _, c := range lt.open(t, addr, 64) {
		used[lt.loopOf(c)]++
	}
	// The kernel hashes each connection's 4-tuple to a socket; 64
	// connections all landing on one of two is a 2^-63 chance.
	if len(used) != 2 {
		t.Errorf("connections per loop = %v, want both loops used", used)
	}
	_, uaddr := serveOne(t, echoHandler{}, "udp://127.0.0.1:0", WithNumLoops(2), WithReusePort(true))
	echoOnce(t, uaddr, "reuseport udp")
}

//go:build !netloop_netengine

package netloop

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// sockoptProbe reads socket options of each accepted connection.
type sockoptProbe struct {
	BuiltinHandler
	got chan map[string]int
}

func (p sockoptProbe) OnOpen(c Conn) ([]byte, Action) {
	fd := c.Fd()
	m := map[string]int{}
	get := func(name string, level, opt int) {
		v, err := unix.GetsockoptInt(fd, level, opt)
		if err != nil {
			v = -1
		}
		m[name] = v
	}
	get("nodelay", unix.IPPROTO_TCP, unix.TCP_NODELAY)
	get("keepalive", unix.SOL_SOCKET, unix.SO_KEEPALIVE)
	get("keepidle", unix.IPPROTO_TCP, unix.TCP_KEEPIDLE)
	get("keepintvl", unix.IPPROTO_TCP, unix.TCP_KEEPINTVL)
	get("keepcnt", unix.IPPROTO_TCP, unix.TCP_KEEPCNT)
	get("rcvbuf", unix.SOL_SOCKET, unix.SO_RCVBUF)
	if l, err := unix.GetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER); err == nil {
		m["linger"] = int(l.Onoff)*1000 + int(l.Linger)
	}
	p.got <- m
	return nil, None
}

func TestSocketOptionsReachTheSocket(t *testing.T) {
	probe := func(opts ...Option) map[string]int {
		p := sockoptProbe{got: make(chan map[string]int, 1)}
		_, addr := serveOne(t, p, "tcp://127.0.0.1:0", opts...)
		dial(t, addr)
		return <-p.got
	}
	def := probe()
	if def["nodelay"] == 0 {
		t.Error("TCP_NODELAY is off by default, want on")
	}
	if def["keepalive"] != 0 {
		t.Error("keepalive is on by default, want off")
	}
	set := probe(WithTCPNoDelay(false), WithTCPKeepAlive(90*time.Second, 7*time.Second, 4),
		WithSocketBuffers(256<<10, 0), WithLinger(3))
	want := map[string]int{"nodelay": 0, "keepalive": 1, "keepidle": 90, "keepintvl": 7, "keepcnt": 4, "linger": 1003}
	for k, v := range want {
		if set[k] != v && !(k == "keepalive" && set[k] != 0) {
			t.Errorf("%s = %d, want %d", k, set[k], v)
		}
	}
	// Linux doubles SO_RCVBUF for its own bookkeeping.
	if set["rcvbuf"] < 256<<10 {
		t.Errorf("SO_RCVBUF = %d, want at least %d", set["rcvbuf"], 256<<10)
	}
}

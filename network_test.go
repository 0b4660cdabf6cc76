package netloop

import (
	"bytes"
	"encoding/binary"
	"net"
	"path/filepath"
	"testing"
	"time"
)

func TestUDPEcho10000Datagrams(t *testing.T) {
	_, addr := serveOne(t, echoHandler{}, "udp://127.0.0.1:0")
	c := dial(t, addr)
	buf := make([]byte, 64)
	msg := make([]byte, 16)
	for i := 0; i < 10000; i++ {
		binary.BigEndian.PutUint64(msg, uint64(i))
		if _, err := c.Write(msg); err != nil {
			t.Fatalf("datagram %d: write: %v", i, err)
		}
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("datagram %d: read: %v", i, err)
		}
		if !bytes.Equal(buf[:n], msg) {
			t.Fatalf("datagram %d: echo %x, want %x", i, buf[:n], msg)
		}
	}
}

// udpPeer records the sender address a UDP Conn reports.
type udpPeer struct {
	BuiltinHandler
	peers chan string
}

func (u udpPeer) OnTraffic(c Conn) Action {
	u.peers <- c.RemoteAddr().String()
	c.Write([]byte("to " + c.RemoteAddr().String()))
	return None
}

func TestUDPRepliesGoToEachSender(t *testing.T) {
	h := udpPeer{peers: make(chan string, 2)}
	_, addr := serveOne(t, h, "udp://127.0.0.1:0")
	a, b := dial(t, addr), dial(t, addr)
	for _, c := range []net.Conn{a, b} {
		c.Write([]byte("x"))
		if got := <-h.peers; got != c.LocalAddr().String() {
			t.Errorf("RemoteAddr = %s, want %s", got, c.LocalAddr())
		}
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if want := "to " + c.LocalAddr().String(); string(buf[:n]) != want {
			t.Errorf("reply %q, want %q", buf[:n], want)
		}
	}
}

func echoOnce(t *testing.T, addr net.Addr, msg string) {
	t.Helper()
	c := dial(t, addr)
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, c, len(msg)); got != msg {
		t.Errorf("echo over %s = %q, want %q", addr.Network(), got, msg)
	}
}

func TestUnixSocketEcho(t *testing.T) {
	path := filepath.Join(t.TempDir(), "echo.sock")
	_, addr := serveOne(t, echoHandler{}, "unix://"+path)
	if addr.Network() != "unix" || addr.String() != path {
		t.Fatalf("address = %s %s, want unix %s", addr.Network(), addr, path)
	}
	echoOnce(t, addr, "over a unix socket")
}

func TestIPv6LoopbackEcho(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	ln.Close()
	_, addr := serveOne(t, echoHandler{}, "tcp6://[::1]:0")
	echoOnce(t, addr, "over IPv6")
	_, uaddr := serveOne(t, echoHandler{}, "udp6://[::1]:0")
	echoOnce(t, uaddr, "a datagram over IPv6")
}

func TestSeveralAddressesOneEngine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "multi.sock")
	eng := serve(t, echoHandler{}, []string{"tcp://127.0.0.1:0", "udp://127.0.0.1:0", "unix://" + path},
		WithNumLoops(2))
	addrs := eng.Addrs()
	if len(addrs) != 3 {
		t.Fatalf("Addrs = %v, want 3", addrs)
	}
	for _, a := range addrs {
		echoOnce(t, a, "hello "+a.Network())
	}
}

func TestTCPOptionsAccepted(t *testing.T) {
	_, addr := serveOne(t, echoHandler{}, "tcp://127.0.0.1:0",
		WithTCPKeepAlive(time.Minute, 10*time.Second, 3), WithSocketBuffers(1<<20, 1<<20),
		WithLinger(0), WithTCPNoDelay(false), WithBacklog(16), WithLockOSThread(true), WithReadBufferSize(4096))
	echoOnce(t, addr, "with every socket option set")
}
